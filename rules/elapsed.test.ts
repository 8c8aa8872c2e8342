import { describe, expect, it } from 'vitest';
import { formatElapsed } from './elapsed';

describe('formatElapsed', () => {
  it('shows seconds under a minute, then minutes and two-digit seconds', () => {
    expect(formatElapsed(0)).toBe('0s');
    expect(formatElapsed(44_600)).toBe('45s');
    expect(formatElapsed(80_000)).toBe('1m20s');
    expect(formatElapsed(725_000)).toBe('12m05s');
    expect(formatElapsed(-5)).toBe('0s');
  });
});

import { describe, expect, it } from 'vitest';
import { isId, newId } from './ids';

describe('ids', () => {
  it('are prefixed and sort by creation time', () => {
    const a = newId('project', 1_700_000_000_000);
    const b = newId('project', 1_700_000_000_001);
    expect(a).toMatch(/^prj_[0-9a-z]{26}$/);
    expect([b, a].sort()).toEqual([a, b]);
    expect(isId('project', a)).toBe(true);
    expect(isId('team', a)).toBe(false);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { generateApiKey } from '../auth/api-key-format';
import { createLogger, redact, withRequestId } from './logger';

describe('logger', () => {
  it('redacts secret fields and key-shaped values at any depth', () => {
    const { key } = generateApiKey();
    const out = JSON.stringify(
      redact({ password: 'hunter2hunter2', nested: { authorization: 'Bearer abc', note: `used ${key} today` }, list: [{ apiKey: 'x' }] }),
    );
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain(key);
    expect(out).not.toContain('Bearer abc');
    expect(out).toContain('used [redacted] today');
  });

  it('writes one JSON object per line with the request ID', () => {
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      withRequestId('req-12345678', () => createLogger('test').info('hello', { token: 't' }));
      const line = JSON.parse(String(spy.mock.calls.at(-1)?.[0]));
      expect(line).toMatchObject({ level: 'info', component: 'test', requestId: 'req-12345678', msg: 'hello', token: '[redacted]' });
    } finally {
      spy.mockRestore();
    }
  });
});

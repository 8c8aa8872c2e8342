import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { normalizeArtifactPath } from './artifact-path';

const code = (f: () => unknown) => {
  try {
    f();
    return 'OK';
  } catch (e) {
    return e instanceof AppError ? e.code : 'THROWN';
  }
};

describe('artifact paths', () => {
  it.each([
    ['model.pkl', 'model.pkl'],
    ['model/MLmodel', 'model/MLmodel'],
    ['a//b/./c/', 'a/b/c'],
    ['./a', 'a'],
    ['dir/file with spaces.txt', 'dir/file with spaces.txt'],
    ['données/ü.json', 'données/ü.json'],
    ['..a/b..', '..a/b..'],
    ['a/...', 'a/...'],
  ])('normalizes %j to %j', (raw, expected) => {
    expect(normalizeArtifactPath(raw)).toBe(expected);
  });

  it.each([
    ['..'],
    ['../x'],
    ['a/../../x'],
    ['a/..'],
    ['%2e%2e/x'],
    ['a/%2E%2E/b'],
    ['%2e%2e%2fx'],
    ['%252e%252e/x'],
    ['..%2fx'],
    ['/etc/passwd'],
    ['%2fetc/passwd'],
    ['C:/Windows'],
    ['c:x'],
    ['a\\b'],
    ['..\\x'],
    ['a%5c..%5cb'],
    ['a\u0000b'],
    ['a%00b'],
    ['a\nb'],
    ['a\u007fb'],
    ['x'.repeat(1025)],
    [`${'a'.repeat(256)}/b`],
  ])('refuses %j with BAD_USER_INPUT', (raw) => {
    expect(code(() => normalizeArtifactPath(raw))).toBe('BAD_USER_INPUT');
  });

  it('accepts the longest allowed path and the root only when asked', () => {
    const long = Array.from({ length: 8 }, () => 'a'.repeat(127)).join('/');
    expect(long.length).toBe(1023);
    expect(normalizeArtifactPath(long)).toBe(long);
    expect(code(() => normalizeArtifactPath(''))).toBe('BAD_USER_INPUT');
    expect(normalizeArtifactPath('', { allowRoot: true })).toBe('');
    expect(normalizeArtifactPath('./', { allowRoot: true })).toBe('');
    expect(code(() => normalizeArtifactPath(42))).toBe('BAD_USER_INPUT');
  });
});

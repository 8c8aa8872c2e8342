import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configPath, DEFAULT_URL, normalizeUrl, readConfig, resolveTarget, writeConfig } from './config';
import { CliError, EXIT } from './exit-codes';

const mode = (p: string) => statSync(p).mode & 0o777;
const KEY = 'gty_ab12cd34ef56_0123456789abcdefghijklmnopqrstuvwxyzABCD';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gantry-cli-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('configPath', () => {
  it('prefers GANTRY_CONFIG, then XDG_CONFIG_HOME, then ~/.config', () => {
    const home = '/home/ada';
    expect(configPath({ GANTRY_CONFIG: '/etc/g.json', XDG_CONFIG_HOME: '/xdg' }, home)).toBe('/etc/g.json');
    expect(configPath({ XDG_CONFIG_HOME: '/xdg' }, home)).toBe('/xdg/gantry/config.json');
    expect(configPath({}, home)).toBe('/home/ada/.config/gantry/config.json');
  });

  it('ignores empty variables and a relative XDG_CONFIG_HOME', () => {
    expect(configPath({ GANTRY_CONFIG: '', XDG_CONFIG_HOME: '' }, '/h')).toBe('/h/.config/gantry/config.json');
    expect(configPath({ XDG_CONFIG_HOME: 'relative/dir' }, '/h')).toBe('/h/.config/gantry/config.json');
  });

  it('makes a relative GANTRY_CONFIG absolute', () => {
    expect(configPath({ GANTRY_CONFIG: 'x.json' }, '/h')).toBe(path.resolve('x.json'));
  });
});

describe('writeConfig', () => {
  it('creates the file 0600 and missing directories 0700', () => {
    const file = path.join(dir, 'a', 'gantry', 'config.json');
    writeConfig(file, { url: 'http://x', apiKey: KEY });
    expect(mode(file)).toBe(0o600);
    expect(mode(path.dirname(file))).toBe(0o700);
    expect(mode(path.join(dir, 'a'))).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ url: 'http://x', apiKey: KEY });
  });

  it('keeps 0600 under a permissive umask and replaces a world-readable file', () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, '{}', { mode: 0o644 });
    chmodSync(file, 0o666);
    const old = process.umask(0);
    try {
      writeConfig(file, { apiKey: KEY });
    } finally {
      process.umask(old);
    }
    expect(mode(file)).toBe(0o600);
  });

  it('does not change the mode of an existing directory it did not create', () => {
    chmodSync(dir, 0o755);
    writeConfig(path.join(dir, 'config.json'), { apiKey: KEY });
    expect(mode(dir)).toBe(0o755);
  });

  it('writes through a symlink instead of replacing it', () => {
    const real = path.join(dir, 'real.json');
    const link = path.join(dir, 'link.json');
    writeFileSync(real, '{}', { mode: 0o600 });
    symlinkSync(real, link);
    writeConfig(link, { url: 'http://y' });
    expect(JSON.parse(readFileSync(real, 'utf8'))).toEqual({ url: 'http://y' });
  });

  it('leaves no temp files behind', () => {
    writeConfig(path.join(dir, 'config.json'), { apiKey: KEY });
    writeConfig(path.join(dir, 'config.json'), { apiKey: KEY });
    expect(readdirSync(dir)).toEqual(['config.json']);
  });
});

describe('readConfig', () => {
  it('treats a missing or empty file as an empty config', () => {
    expect(readConfig(path.join(dir, 'nope.json'))).toEqual({});
    writeFileSync(path.join(dir, 'empty.json'), '', { mode: 0o600 });
    expect(readConfig(path.join(dir, 'empty.json'))).toEqual({});
  });

  it('narrows a file others can read to 0600 and says so', () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ apiKey: KEY }));
    chmodSync(file, 0o644);
    const warnings: string[] = [];
    expect(readConfig(file, (code, message) => warnings.push(`${code}: ${message}`)).apiKey).toBe(KEY);
    expect(mode(file)).toBe(0o600);
    expect(warnings).toEqual([expect.stringMatching(/^CONFIG_PERMISSIONS_FIXED: .*mode 0644.*0600/)]);
  });

  it('leaves a 0600 file alone without warnings', () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, '{}', { mode: 0o600 });
    const warnings: string[] = [];
    readConfig(file, (c) => warnings.push(c));
    expect(warnings).toEqual([]);
  });

  it.each([
    ['{not json', /not valid JSON/],
    ['[1,2]', /JSON object/],
    ['{"url": 5}', /"url"/],
    ['{"apiKey": true}', /"apiKey"/],
  ])('rejects %s with exit 1 and a hint', (text, message) => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, text, { mode: 0o600 });
    const err = catchError(() => readConfig(file));
    expect(err).toBeInstanceOf(CliError);
    expect(err.exitCode).toBe(EXIT.INTERNAL);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain(KEY);
  });

  it('reports an unreadable path (a directory) as a config problem', () => {
    const sub = path.join(dir, 'sub');
    mkdirSync(sub);
    expect(catchError(() => readConfig(sub)).code).toBe('CONFIG_UNREADABLE');
  });
});

function catchError(fn: () => unknown): CliError {
  try {
    fn();
  } catch (e) {
    return e as CliError;
  }
  throw new Error('expected an error');
}

describe('normalizeUrl', () => {
  it.each([
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://localhost:3000/', 'http://localhost:3000'],
    ['https://gantry.example.com/api/graphql', 'https://gantry.example.com'],
    ['https://example.com/gantry/', 'https://example.com/gantry'],
    ['https://EXAMPLE.com?x=1#y', 'https://example.com'],
  ])('%s -> %s', (raw, expected) => expect(normalizeUrl(raw)).toBe(expected));

  it.each(['localhost:3000', 'ftp://example.com', 'not a url', 'https://user:pw@example.com'])('rejects %s', (raw) => {
    expect(normalizeUrl(raw)).toBeNull();
  });
});

describe('resolveTarget', () => {
  const configFile = '/c.json';
  const stored = { url: 'http://stored:3000', apiKey: KEY };

  it('takes the URL from --url, then GANTRY_URL, then the config, then the default', () => {
    const env = { GANTRY_URL: 'http://env:3000' };
    expect(resolveTarget({ flagUrl: 'http://flag:3000', env, config: stored, configFile })).toMatchObject({ url: 'http://flag:3000', urlSource: '--url' });
    expect(resolveTarget({ env, config: stored, configFile })).toMatchObject({ url: 'http://env:3000', urlSource: 'GANTRY_URL' });
    expect(resolveTarget({ env: {}, config: stored, configFile })).toMatchObject({ url: 'http://stored:3000', urlSource: 'config' });
    expect(resolveTarget({ env: {}, config: {}, configFile })).toMatchObject({ url: DEFAULT_URL, urlSource: 'default' });
  });

  it('uses the stored key for the URL it was stored for', () => {
    expect(resolveTarget({ env: {}, config: stored, configFile })).toMatchObject({ apiKey: KEY, keySource: 'config' });
    expect(resolveTarget({ flagUrl: 'http://stored:3000/', env: {}, config: stored, configFile })).toMatchObject({ apiKey: KEY });
  });

  it('never sends the stored key to another URL', () => {
    const t = resolveTarget({ flagUrl: 'http://elsewhere', env: {}, config: stored, configFile });
    expect(t.apiKey).toBeUndefined();
    expect(t.storedKeyUrl).toBe('http://stored:3000');
  });

  it('lets GANTRY_API_KEY override the stored key, for any URL', () => {
    const t = resolveTarget({ flagUrl: 'http://elsewhere', env: { GANTRY_API_KEY: ' gty_env ' }, config: stored, configFile });
    expect(t).toMatchObject({ apiKey: 'gty_env', keySource: 'GANTRY_API_KEY' });
  });

  it('is a usage error for a bad --url or GANTRY_URL, a config error for a bad stored URL', () => {
    expect(catchError(() => resolveTarget({ flagUrl: 'localhost', env: {}, config: {}, configFile })).exitCode).toBe(EXIT.USAGE);
    expect(catchError(() => resolveTarget({ env: { GANTRY_URL: 'x' }, config: {}, configFile })).exitCode).toBe(EXIT.USAGE);
    expect(catchError(() => resolveTarget({ env: {}, config: { url: 'x' }, configFile })).exitCode).toBe(EXIT.INTERNAL);
  });
});

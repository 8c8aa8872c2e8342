import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError, EXIT, usageError } from './exit-codes';

export type Env = Record<string, string | undefined>;

export const DEFAULT_URL = 'http://localhost:3000';

/** What `gantry login` stores. Unknown fields are kept so newer versions can add some. */
export interface StoredConfig {
  url?: string;
  apiKey?: string;
  [other: string]: unknown;
}

/** Only the owner may read a file holding an API key. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
const POSIX = process.platform !== 'win32';

/**
 * $GANTRY_CONFIG, else $XDG_CONFIG_HOME/gantry/config.json, else ~/.config/gantry/config.json.
 * A relative XDG_CONFIG_HOME is ignored, as the XDG spec requires.
 */
export function configPath(env: Env, home: string = os.homedir()): string {
  if (env.GANTRY_CONFIG) return path.resolve(env.GANTRY_CONFIG);
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.config');
  return path.join(base, 'gantry', 'config.json');
}

const configError = (file: string, problem: string) =>
  new CliError('CONFIG_INVALID', `The config file ${file} ${problem}`, EXIT.INTERNAL, {
    hint: `Fix it, or delete it and run 'gantry login' again.`,
  });

function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return (e as Error).message;
}

/**
 * Reads the config; a missing file is an empty config. A file readable by others is
 * narrowed to 0600 on the spot (it may hold a key), and `onWarning` says so.
 */
export function readConfig(file: string, onWarning: (code: string, message: string) => void = () => {}): StoredConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError('CONFIG_UNREADABLE', `Cannot read the config file ${file}: ${describeFsError(e)}`, EXIT.INTERNAL);
  }
  tightenPermissions(file, onWarning);
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw configError(file, 'is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw configError(file, 'must hold a JSON object.');
  const cfg = parsed as StoredConfig;
  if (cfg.url !== undefined && typeof cfg.url !== 'string') throw configError(file, 'has a "url" that is not a string.');
  if (cfg.apiKey !== undefined && typeof cfg.apiKey !== 'string') throw configError(file, 'has an "apiKey" that is not a string.');
  return cfg;
}

function tightenPermissions(file: string, onWarning: (code: string, message: string) => void): void {
  if (!POSIX) return;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  const octal = (m: number) => `0${m.toString(8).padStart(3, '0')}`;
  try {
    chmodSync(file, FILE_MODE);
    onWarning('CONFIG_PERMISSIONS_FIXED', `${file} was readable by other users (mode ${octal(mode)}); changed it to ${octal(FILE_MODE)}.`);
  } catch (e) {
    onWarning('CONFIG_PERMISSIONS_OPEN', `${file} is readable by other users (mode ${octal(mode)}) and could not be changed: ${describeFsError(e)}. Run: chmod 600 '${file}'`);
  }
}

/**
 * Replaces the config atomically: a temp file created 0600 in the same directory,
 * then renamed over the old one, so no reader ever sees a half-written file and the
 * key is never on disk with a broader mode. Missing directories are created 0700;
 * existing ones are left alone ($GANTRY_CONFIG may point anywhere, even into /tmp).
 */
export function writeConfig(file: string, cfg: StoredConfig): void {
  // Write through a symlink (dotfile managers) rather than replacing it.
  const target = existsSync(file) ? realpathSync(file) : file;
  const dir = path.dirname(target);
  try {
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  } catch (e) {
    throw new CliError('CONFIG_UNWRITABLE', `Cannot create the directory ${dir}: ${describeFsError(e)}`, EXIT.INTERNAL);
  }
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', FILE_MODE);
    try {
      // The umask can only narrow the mode; set it explicitly anyway.
      if (POSIX) fchmodSync(fd, FILE_MODE);
      writeSync(fd, `${JSON.stringify(cfg, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new CliError('CONFIG_UNWRITABLE', `Cannot write the config file ${target}: ${describeFsError(e)}`, EXIT.INTERNAL);
  }
}

export function deleteConfig(file: string): void {
  try {
    unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new CliError('CONFIG_UNWRITABLE', `Cannot delete the config file ${file}: ${describeFsError(e)}`, EXIT.INTERNAL);
    }
  }
}

/**
 * Canonical base URL: http(s) only, no credentials, query or trailing slash; a pasted
 * `.../api/graphql` endpoint is accepted and cut back to the base. Null if unusable.
 */
export function normalizeUrl(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.username || u.password) return null;
  const pathname = u.pathname.replace(/\/+$/, '').replace(/\/api\/graphql$/, '');
  return `${u.origin}${pathname}`;
}

export type UrlSource = '--url' | 'GANTRY_URL' | 'config' | 'default';

export interface Target {
  url: string;
  urlSource: UrlSource;
  apiKey?: string;
  keySource?: 'GANTRY_API_KEY' | 'config';
  /** Set when a stored key exists but belongs to another URL, to explain why it is not used. */
  storedKeyUrl?: string;
}

/**
 * The URL (--url, GANTRY_URL, config, default) and the key to send there (GANTRY_API_KEY,
 * else the stored key). The stored key only goes to the URL it was stored for: pointing
 * --url at another host must not hand that host the key.
 */
export function resolveTarget(opts: { flagUrl?: string; env: Env; config: StoredConfig; configFile: string }): Target {
  const { flagUrl, env, config, configFile } = opts;
  const candidates: [UrlSource, string | undefined][] = [
    ['--url', flagUrl],
    ['GANTRY_URL', env.GANTRY_URL || undefined],
    ['config', config.url],
  ];
  let url = DEFAULT_URL;
  let urlSource: UrlSource = 'default';
  for (const [source, raw] of candidates) {
    if (raw === undefined) continue;
    const normalized = normalizeUrl(raw);
    if (!normalized) {
      const message = `${source === 'config' ? `The "url" in ${configFile}` : source} is not an http(s) URL: ${raw}`;
      if (source === 'config') throw new CliError('CONFIG_INVALID', message, EXIT.INTERNAL, { hint: `Run 'gantry login --url URL' to replace it.` });
      throw usageError(message, 'Example: --url https://gantry.example.com');
    }
    url = normalized;
    urlSource = source;
    break;
  }

  const target: Target = { url, urlSource };
  const envKey = env.GANTRY_API_KEY?.trim();
  if (envKey) return { ...target, apiKey: envKey, keySource: 'GANTRY_API_KEY' };
  if (config.apiKey) {
    const storedUrl = normalizeUrl(config.url ?? DEFAULT_URL);
    if (storedUrl === url) return { ...target, apiKey: config.apiKey, keySource: 'config' };
    return { ...target, storedKeyUrl: storedUrl ?? config.url };
  }
  return target;
}

/** The exit-3 error for commands that need a key and have none. */
export function notLoggedIn(target: Target): CliError {
  const message = target.storedKeyUrl
    ? `Not logged in to ${target.url} (the stored API key is for ${target.storedKeyUrl}).`
    : `Not logged in to ${target.url}.`;
  return new CliError('UNAUTHENTICATED', message, EXIT.UNAUTHENTICATED, {
    hint: `Run 'gantry login${target.urlSource === 'default' ? '' : ` --url ${target.url}`}', or set GANTRY_API_KEY.`,
  });
}

import { AsyncLocalStorage } from 'node:async_hooks';
import { env } from '../../config/env';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

// One store per process, even when Next.js bundles its own copy of this module next to the web server's.
const g = globalThis as unknown as { __gantryRequestStore?: AsyncLocalStorage<{ requestId: string }> };
const requestStore = (g.__gantryRequestStore ??= new AsyncLocalStorage<{ requestId: string }>());

/** Runs `fn` with `requestId` attached to every log line written inside it. */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return requestStore.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return requestStore.getStore()?.requestId;
}

const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|credential/i;
const SECRET_VALUE = /\bgty_[A-Za-z0-9]{8,}_[A-Za-z0-9]+|Bearer\s+[A-Za-z0-9._~+/=-]+/g;

/** Replaces secret-looking fields and values; used on every log line. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[depth]';
  if (typeof value === 'string') return value.replace(SECRET_VALUE, '[redacted]');
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1) };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

function threshold(): number {
  return ORDER[env().LOG_LEVEL];
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Structured JSON logs, one object per line, request ID and component on each. */
export function createLogger(component: string, base: Record<string, unknown> = {}): Logger {
  const write = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < threshold()) return;
    const line = {
      time: new Date().toISOString(),
      level,
      component,
      requestId: currentRequestId(),
      msg: redact(msg),
      ...(redact({ ...base, ...fields }) as Record<string, unknown>),
    };
    const out = JSON.stringify(line) + '\n';
    if (level === 'error' || level === 'warn') process.stderr.write(out);
    else process.stdout.write(out);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (f) => createLogger(component, { ...base, ...f }),
  };
}

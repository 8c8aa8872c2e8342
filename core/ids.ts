import { randomBytes } from 'node:crypto';

/**
 * Prefixed, time-sortable IDs: `<prefix>_<10 chars ms time><16 chars random>` in
 * Crockford base32. Sorting IDs as strings sorts by creation time.
 */
export const ID_PREFIXES = {
  user: 'usr',
  org: 'org',
  membership: 'mem',
  team: 'team',
  teamMembership: 'tmem',
  project: 'prj',
  invitation: 'inv',
  apiKey: 'key',
  auditEvent: 'aud',
  experiment: 'exp',
  run: 'run',
  dataset: 'ds',
  registeredModel: 'rm',
  modelVersion: 'mv',
  loggedModel: 'lm',
  modelAliasEvent: 'mah',
  cluster: 'clu',
  job: 'job',
  jobEvent: 'jev',
  evaluation: 'ev',
  evaluationPolicy: 'evp',
  retrainingPolicy: 'rtp',
  deployment: 'dep',
  baselineProfile: 'bl',
  driftResult: 'drr',
  alertRule: 'alr',
  alert: 'alt',
  notification: 'ntf',
  webhookEndpoint: 'whe',
  /** A webhook message; its ID is the `webhook-id` header, `msg_` as the Standard Webhooks examples have it. */
  webhookMessage: 'msg',
  rollout: 'ro',
  costLine: 'cl',
  budget: 'bud',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function encodeRandom(len: number): string {
  const bytes = randomBytes(len);
  let out = '';
  for (let i = 0; i < len; i++) out += ALPHABET[bytes[i]! % 32];
  return out;
}

export function newId(kind: IdKind, now = Date.now()): string {
  return `${ID_PREFIXES[kind]}_${encodeTime(now)}${encodeRandom(16)}`.toLowerCase();
}

const ID_RE = /^[a-z]{2,5}_[0-9a-hjkmnp-tv-z]{26}$/;

/** True when `value` has the shape of an ID of `kind` (no DB lookup). */
export function isId(kind: IdKind, value: string): boolean {
  return ID_RE.test(value) && value.startsWith(`${ID_PREFIXES[kind]}_`);
}

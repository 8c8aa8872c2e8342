import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Keys look like `gty_<12 id chars>_<32 secret chars><6 checksum chars>`, base62.
 * The `gty_<id>` prefix is the public lookup handle; the checksum lets us reject
 * typos and random strings without touching the database; only a sha256 of the
 * whole key is stored (the key has 190 bits of entropy, so a slow hash adds nothing).
 */
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_RE = /^gty_([0-9A-Za-z]{12})_([0-9A-Za-z]{32})([0-9A-Za-z]{6})$/;

function randomB62(n: number): string {
  const out: string[] = [];
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      if (b < 248 && out.length < n) out.push(B62[b % 62]!);
    }
  }
  return out.join('');
}

function crc32(s: string): number {
  let c = ~0;
  for (let i = 0; i < s.length; i++) {
    c ^= s.charCodeAt(i);
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function checksum(body: string): string {
  let n = crc32(body);
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = B62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/** `gty_<id>_<secret>` with its checksum appended. */
export function withChecksum(body: string): string {
  return body + checksum(body);
}

export function generateApiKey(): { key: string; prefix: string; secretHash: string } {
  const prefix = `gty_${randomB62(12)}`;
  const key = withChecksum(`${prefix}_${randomB62(32)}`);
  return { key, prefix, secretHash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The lookup prefix of a well-formed key with a valid checksum, else null. */
export function parseApiKey(key: string): { prefix: string } | null {
  const m = KEY_RE.exec(key);
  if (!m) return null;
  const body = key.slice(0, -6);
  if (checksum(body) !== key.slice(-6)) return null;
  return { prefix: `gty_${m[1]}` };
}

export function secretHashMatches(key: string, storedHex: string): boolean {
  const a = Buffer.from(hashApiKey(key), 'hex');
  const b = Buffer.from(storedHex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

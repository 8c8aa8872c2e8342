import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { env } from '../../config/env';

/**
 * Secrets at rest (cluster kubeconfigs): AES-256-GCM with a fresh 96-bit nonce per
 * message and the owner's identity as associated data, so a ciphertext copied to
 * another organization's or cluster's row does not decrypt.
 *
 * Keys come from `GANTRY_ENCRYPTION_KEYS`: comma-separated `<keyId>:<base64 of 32
 * bytes>`. The first key encrypts; every listed key decrypts, chosen by the key ID
 * written into the ciphertext. To rotate: put a new key first, keep the old ones,
 * re-encrypt stored secrets with {@link reencryptSecret} (or lazily as they are
 * read, with {@link needsReencryption}), then drop the old key.
 *
 * Without the variable, development and test use {@link DEV_KEY_ID}, a key derived
 * from a constant in this file: it is public, so anything encrypted with it is only
 * obscured. Production refuses to run without configured keys.
 */

/** The key ID of the development fallback key; a ciphertext carrying it was never secret. */
export const DEV_KEY_ID = 'dev-insecure';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** What a secret belongs to; every field is authenticated. For kubeconfigs: `{ orgId, clusterId }`. */
export type SecretAad = Readonly<Record<string, string>>;

interface Keyring {
  current: { id: string; key: Buffer };
  byId: Map<string, Buffer>;
}

let cached: { source: string | undefined; nodeEnv: string; ring: Keyring } | undefined;

function parseKeys(source: string): Keyring {
  const byId = new Map<string, Buffer>();
  let current: Keyring['current'] | undefined;
  for (const entry of source.split(',')) {
    const trimmed = entry.trim();
    const sep = trimmed.indexOf(':');
    const id = trimmed.slice(0, sep);
    const key = Buffer.from(trimmed.slice(sep + 1), 'base64');
    if (sep <= 0 || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error('GANTRY_ENCRYPTION_KEYS: each entry must be <keyId>:<base64 of 32 bytes>');
    if (key.length !== 32) throw new Error(`GANTRY_ENCRYPTION_KEYS: key "${id}" must be 32 bytes (base64), got ${key.length}`);
    if (byId.has(id)) throw new Error(`GANTRY_ENCRYPTION_KEYS: key ID "${id}" appears twice`);
    byId.set(id, key);
    current ??= { id, key };
  }
  if (!current) throw new Error('GANTRY_ENCRYPTION_KEYS is empty');
  return { current, byId };
}

function keyring(): Keyring {
  const e = env();
  const source = e.GANTRY_ENCRYPTION_KEYS;
  if (cached && cached.source === source && cached.nodeEnv === e.NODE_ENV) return cached.ring;
  let ring: Keyring;
  if (source) {
    ring = parseKeys(source);
  } else if (e.NODE_ENV !== 'production') {
    const key = createHash('sha256').update('gantry development encryption key: public, never for production').digest();
    ring = { current: { id: DEV_KEY_ID, key }, byId: new Map([[DEV_KEY_ID, key]]) };
  } else {
    throw new Error('GANTRY_ENCRYPTION_KEYS is required in production: comma-separated <keyId>:<base64 of 32 bytes> (e.g. `main:$(openssl rand -base64 32)`)');
  }
  cached = { source, nodeEnv: e.NODE_ENV, ring };
  return ring;
}

/** Deterministic bytes for the associated data: version, key ID and the sorted fields. */
function associatedData(keyId: string, aad: SecretAad): Buffer {
  const fields = Object.keys(aad)
    .sort()
    .map((k) => [k, aad[k]]);
  return Buffer.from(JSON.stringify([VERSION, keyId, fields]), 'utf8');
}

const b64url = (b: Buffer) => b.toString('base64url');

/** Encrypts `plaintext` with the current key: `v1:<keyId>:<nonce>:<ciphertext+tag>` (base64url parts). */
export function encryptSecret(plaintext: string, aad: SecretAad): string {
  const { id, key } = keyring().current;
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(id, aad));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return [VERSION, id, b64url(nonce), b64url(body)].join(':');
}

function parseCiphertext(ciphertext: string): { keyId: string; nonce: Buffer; body: Buffer; tag: Buffer } {
  const parts = ciphertext.split(':');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new Error('Not a Gantry secret (expected v1:<keyId>:<nonce>:<data>)');
  const [, keyId, nonceText, dataText] = parts as [string, string, string, string];
  const nonce = Buffer.from(nonceText, 'base64url');
  const data = Buffer.from(dataText, 'base64url');
  if (nonce.length !== NONCE_BYTES || data.length < TAG_BYTES) throw new Error('Malformed Gantry secret');
  return { keyId, nonce, body: data.subarray(0, data.length - TAG_BYTES), tag: data.subarray(data.length - TAG_BYTES) };
}

/** The ID of the key a ciphertext was encrypted with. */
export function secretKeyId(ciphertext: string): string {
  return parseCiphertext(ciphertext).keyId;
}

/**
 * Decrypts a value from {@link encryptSecret}. Throws when the key is no longer
 * configured, the data was altered, or `aad` differs from the one used to encrypt.
 * The messages name no secret material; they are for the operator's log.
 */
export function decryptSecret(ciphertext: string, aad: SecretAad): string {
  const { keyId, nonce, body, tag } = parseCiphertext(ciphertext);
  const key = keyring().byId.get(keyId);
  if (!key) throw new Error(`Secret was encrypted with key "${keyId}", which is not in GANTRY_ENCRYPTION_KEYS`);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(keyId, aad));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('Secret failed authentication: altered, or stored for a different owner');
  }
}

/** True when the ciphertext is not under the current key (a rotation leftover). */
export function needsReencryption(ciphertext: string): boolean {
  return secretKeyId(ciphertext) !== keyring().current.id;
}

/** The same secret under the current key (a fresh nonce even when the key is unchanged). */
export function reencryptSecret(ciphertext: string, aad: SecretAad): string {
  return encryptSecret(decryptSecret(ciphertext, aad), aad);
}

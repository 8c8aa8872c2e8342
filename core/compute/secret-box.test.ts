import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { env, resetEnvCache } from '../../config/env';
import { DEV_KEY_ID, decryptSecret, encryptSecret, needsReencryption, reencryptSecret, secretKeyId } from './secret-box';

const key = () => randomBytes(32).toString('base64');
const k1 = key();
const k2 = key();
const aad = { orgId: 'org_01j0000000000000000000000a', clusterId: 'clu_01j0000000000000000000000b' };
const originalNodeEnv = process.env.NODE_ENV;
const originalAuthSecret = process.env.AUTH_SECRET;
const originalAppPassword = process.env.DATABASE_APP_PASSWORD;

function setKeys(value: string | undefined, nodeEnv = originalNodeEnv) {
  if (value === undefined) delete process.env.GANTRY_ENCRYPTION_KEYS;
  else process.env.GANTRY_ENCRYPTION_KEYS = value;
  (process.env as Record<string, string | undefined>).NODE_ENV = nodeEnv;
  resetEnvCache();
}

afterEach(() => {
  if (originalAuthSecret === undefined) delete process.env.AUTH_SECRET;
  else process.env.AUTH_SECRET = originalAuthSecret;
  if (originalAppPassword === undefined) delete process.env.DATABASE_APP_PASSWORD;
  else process.env.DATABASE_APP_PASSWORD = originalAppPassword;
  setKeys(undefined);
});

describe('secret box', () => {
  it('round-trips with a fresh nonce each time, bound to its owner', () => {
    setKeys(`k1:${k1}`);
    const a = encryptSecret('apiVersion: v1\ntoken: s3cr3t ✓', aad);
    const b = encryptSecret('apiVersion: v1\ntoken: s3cr3t ✓', aad);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1:k1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(a).not.toContain('s3cr3t');
    expect(decryptSecret(a, aad)).toBe('apiVersion: v1\ntoken: s3cr3t ✓');
    // The same fields in another order are the same owner.
    expect(decryptSecret(a, { clusterId: aad.clusterId, orgId: aad.orgId })).toBe('apiVersion: v1\ntoken: s3cr3t ✓');
  });

  it('does not decrypt for another organization or cluster, or after tampering', () => {
    setKeys(`k1:${k1}`);
    const c = encryptSecret('token: abc', aad);
    expect(() => decryptSecret(c, { ...aad, orgId: 'org_01j0000000000000000000000z' })).toThrow(/failed authentication/);
    expect(() => decryptSecret(c, { ...aad, clusterId: 'clu_01j0000000000000000000000z' })).toThrow(/failed authentication/);
    expect(() => decryptSecret(c, { orgId: aad.orgId })).toThrow(/failed authentication/);
    const [v, id, nonce, data] = c.split(':') as [string, string, string, string];
    const flipped = Buffer.from(data, 'base64url');
    flipped[0]! ^= 1;
    expect(() => decryptSecret([v, id, nonce, flipped.toString('base64url')].join(':'), aad)).toThrow(/failed authentication/);
    expect(() => decryptSecret('plain text', aad)).toThrow(/Not a Gantry secret/);
  });

  it('binds the key ID: relabelling a ciphertext with another key ID fails', () => {
    setKeys(`k1:${k1},k2:${k1}`);
    const c = encryptSecret('token: abc', aad);
    expect(() => decryptSecret(c.replace(':k1:', ':k2:'), aad)).toThrow(/failed authentication/);
  });

  it('rotates: new key first, old keys still decrypt, re-encryption moves secrets to the new key', () => {
    setKeys(`k1:${k1}`);
    const old = encryptSecret('token: abc', aad);
    expect(needsReencryption(old)).toBe(false);

    setKeys(`k2:${k2}, k1:${k1}`);
    expect(decryptSecret(old, aad)).toBe('token: abc');
    expect(needsReencryption(old)).toBe(true);
    const fresh = reencryptSecret(old, aad);
    expect(secretKeyId(fresh)).toBe('k2');
    expect(needsReencryption(fresh)).toBe(false);

    setKeys(`k2:${k2}`);
    expect(decryptSecret(fresh, aad)).toBe('token: abc');
    expect(() => decryptSecret(old, aad)).toThrow(/key "k1", which is not in GANTRY_ENCRYPTION_KEYS/);
  });

  it('uses the public development key only outside production', () => {
    setKeys(undefined, 'development');
    const c = encryptSecret('token: abc', aad);
    expect(secretKeyId(c)).toBe(DEV_KEY_ID);
    expect(decryptSecret(c, aad)).toBe('token: abc');

    setKeys(undefined, 'production');
    // What production requires besides, so only the missing key list is left to complain about
    // (with DATABASE_URL set, as on a server Postgres, the app role's password is required too).
    process.env.AUTH_SECRET = 'x'.repeat(40);
    process.env.DATABASE_APP_PASSWORD ??= 'app-role-password';
    resetEnvCache();
    expect(() => encryptSecret('token: abc', aad)).toThrow(/GANTRY_ENCRYPTION_KEYS is required in production/);
    expect(() => decryptSecret(c, aad)).toThrow(/GANTRY_ENCRYPTION_KEYS is required in production/);
  });

  it('validates the key list', () => {
    setKeys('k1:not-base64');
    expect(() => env()).toThrow(/GANTRY_ENCRYPTION_KEYS/);
    setKeys(`k1:${randomBytes(16).toString('base64')}`);
    expect(() => env()).toThrow(/GANTRY_ENCRYPTION_KEYS/);
    setKeys(`k1:${k1},k1:${k2}`);
    expect(() => encryptSecret('x', aad)).toThrow(/appears twice/);
  });
});

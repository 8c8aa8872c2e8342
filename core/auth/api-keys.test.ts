import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { AppError } from '../errors';
import { acceptInvitation } from '../tenancy/accept-invitation';
import { createInvitation } from '../tenancy/create-invitation';
import { listMembers } from '../tenancy/list-members';
import { removeMember } from '../tenancy/remove-member';
import { resolveTenantContext } from '../tenancy/resolve-context';
import { createTeam } from '../tenancy/create-team';
import { signUpUser, testMeta } from '../../testing/fixtures';
import { generateApiKey, parseApiKey, withChecksum } from './api-key-format';
import { authenticateApiKey } from './authenticate-api-key';
import { createApiKey } from './create-api-key';
import { listApiKeys } from './list-api-keys';
import { API_KEY_CACHE_TTL_MS } from './api-key-cache';
import { consumeLeasedRateLimit, consumeRateLimit } from './rate-limit';
import { revokeApiKey } from './revoke-api-key';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'OK';
};

describe('api key format', () => {
  it('round-trips and rejects tampered or malformed keys without the database', () => {
    const { key, prefix } = generateApiKey();
    expect(key).toMatch(/^gty_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$/);
    expect(parseApiKey(key)).toEqual({ prefix });
    const last = key.at(-1) === 'a' ? 'b' : 'a';
    expect(parseApiKey(key.slice(0, -1) + last)).toBeNull();
    expect(parseApiKey('gty_short')).toBeNull();
    expect(parseApiKey('')).toBeNull();
  });
});

describe('api keys', () => {
  it('stores only a hash, shows the secret once, authenticates, and dies on revoke', async () => {
    const a = await signUpUser('keyowner');
    const { apiKey, secret } = await createApiKey(a.ctx, { name: 'ci', scopes: ['read', 'write'], expiresInDays: 30 });
    const [stored] = await db.ownerSql`select * from api_keys where id = ${apiKey.id}`;
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(stored!.secret_hash).toMatch(/^[0-9a-f]{64}$/);

    const actor = await authenticateApiKey(secret, testMeta());
    expect(actor).toMatchObject({ kind: 'api_key', userId: a.actor.userId, orgId: a.orgId, scopes: ['read', 'write'] });
    const ctx = await resolveTenantContext(actor, null, testMeta());
    expect(ctx.permissions.has('team:create')).toBe(true);
    expect(ctx.permissions.has('member:invite')).toBe(false);
    const [used] = await db.ownerSql`select last_used_at from api_keys where id = ${apiKey.id}`;
    expect(used!.last_used_at).not.toBeNull();

    await revokeApiKey(a.ctx, { id: apiKey.id });
    expect(await failure(authenticateApiKey(secret, testMeta()))).toBe('UNAUTHENTICATED: The API key has been revoked');
    // Revoking twice is harmless.
    expect((await revokeApiKey(a.ctx, { id: apiKey.id })).revokedAt).not.toBeNull();
  });

  it('rejects expired, malformed and unknown keys', async () => {
    const a = await signUpUser('keyowner2');
    const { apiKey, secret } = await createApiKey(a.ctx, { name: 'old', scopes: ['read'] });
    await db.ownerSql`update api_keys set expires_at = now() - interval '1 second' where id = ${apiKey.id}`;
    expect(await failure(authenticateApiKey(secret, testMeta()))).toBe('UNAUTHENTICATED: The API key has expired');
    expect(await failure(authenticateApiKey('nonsense', testMeta()))).toBe('UNAUTHENTICATED: The API key is malformed');
    expect(await failure(authenticateApiKey(generateApiKey().key, testMeta()))).toBe('UNAUTHENTICATED: The API key is not valid');
  });

  it('never exceeds its user: a read key cannot write, a removed member’s key stops working', async () => {
    const a = await signUpUser('keyorg');
    const b = await signUpUser('keymember');
    const { url } = await createInvitation(a.ctx, { email: b.actor.email, role: 'admin' });
    await acceptInvitation(b.actor, testMeta(), url.split('/').pop()!);
    const bctx = await resolveTenantContext(b.actor, a.orgId, testMeta());
    const { secret } = await createApiKey(bctx, { name: 'b-read', scopes: ['read'] });
    const keyCtx = await resolveTenantContext(await authenticateApiKey(secret, testMeta()), null, testMeta());
    expect(await failure(createTeam(keyCtx, { name: 'x' }))).toMatch(/^FORBIDDEN/);
    // A key cannot mint a more powerful key.
    expect(await failure(createApiKey(keyCtx, { name: 'escalate', scopes: ['admin'] }))).toMatch(/^FORBIDDEN/);

    const membership = (await listMembers(a.ctx, { first: 10 })).find((m) => m.userId === b.actor.userId)!;
    await removeMember(a.ctx, { membershipId: membership.id });
    expect(await failure(authenticateApiKey(secret, testMeta()))).toBe('UNAUTHENTICATED: The API key is not valid');
  });

  it('lets members see and revoke only their own keys; admins see all', async () => {
    const a = await signUpUser('keyadmin');
    const m = await signUpUser('keymem');
    const { url } = await createInvitation(a.ctx, { email: m.actor.email, role: 'member' });
    await acceptInvitation(m.actor, testMeta(), url.split('/').pop()!);
    const mctx = await resolveTenantContext(m.actor, a.orgId, testMeta());
    const adminKey = await createApiKey(a.ctx, { name: 'admin-key', scopes: ['admin'] });
    await createApiKey(mctx, { name: 'member-key', scopes: ['read'] });
    expect((await listApiKeys(mctx, { first: 10 })).map((k) => k.name)).toEqual(['member-key']);
    expect((await listApiKeys(a.ctx, { first: 10 })).map((k) => k.name).sort()).toEqual(['admin-key', 'member-key']);
    expect(await failure(revokeApiKey(mctx, { id: adminKey.apiKey.id }))).toBe('NOT_FOUND: API key not found');
  });

  it('validates names, scopes and expiry', async () => {
    const a = await signUpUser('keyval');
    expect(await failure(createApiKey(a.ctx, { name: '', scopes: ['read'] }))).toMatch(/^BAD_USER_INPUT/);
    expect(await failure(createApiKey(a.ctx, { name: 'x', scopes: [] }))).toMatch(/^BAD_USER_INPUT/);
    expect(await failure(createApiKey(a.ctx, { name: 'x', scopes: ['root'] }))).toMatch(/^BAD_USER_INPUT/);
    expect(await failure(createApiKey(a.ctx, { name: 'x', scopes: ['read'], expiresInDays: 0 }))).toMatch(/^BAD_USER_INPUT/);
    const forever = await createApiKey(a.ctx, { name: 'forever', scopes: ['read'], expiresInDays: null });
    expect(forever.apiKey.expiresAt).toBeNull();
  });
});

describe('verified keys are remembered for a few seconds', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('honours a revocation made elsewhere within the cache lifetime, and one made here at once', async () => {
    const a = await signUpUser('cachedkey');
    const { apiKey, secret } = await createApiKey(a.ctx, { name: 'cached', scopes: ['read'] });
    await authenticateApiKey(secret, testMeta());
    // Another process revokes it: this one trusts its verification until the lifetime ends.
    await db.ownerSql`update api_keys set revoked_at = now() where id = ${apiKey.id}`;
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    expect(await failure(authenticateApiKey(secret, testMeta()))).toBe('OK');
    vi.setSystemTime(Date.now() + API_KEY_CACHE_TTL_MS);
    expect(await failure(authenticateApiKey(secret, testMeta()))).toBe('UNAUTHENTICATED: The API key has been revoked');
    vi.useRealTimers();

    const other = await createApiKey(a.ctx, { name: 'revoked-here', scopes: ['read'] });
    await authenticateApiKey(other.secret, testMeta());
    await revokeApiKey(a.ctx, { id: other.apiKey.id });
    expect(await failure(authenticateApiKey(other.secret, testMeta()))).toBe('UNAUTHENTICATED: The API key has been revoked');
  });

  it('stops a remembered key at its expiry, and never remembers a wrong secret', async () => {
    const a = await signUpUser('expiring');
    const { apiKey, secret } = await createApiKey(a.ctx, { name: 'short', scopes: ['read'] });
    await db.ownerSql`update api_keys set expires_at = now() + interval '2 seconds' where id = ${apiKey.id}`;
    await authenticateApiKey(secret, testMeta());
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2500 });
    expect(await failure(authenticateApiKey(secret, testMeta()))).toBe('UNAUTHENTICATED: The API key has expired');
    vi.useRealTimers();

    // Same prefix, another secret (with a valid checksum): checked against the stored hash every time.
    const good = await createApiKey(a.ctx, { name: 'good', scopes: ['read'] });
    await authenticateApiKey(good.secret, testMeta());
    const forged = forgeWithPrefix(good.secret);
    expect(await failure(authenticateApiKey(forged, testMeta()))).toBe('UNAUTHENTICATED: The API key is not valid');
  });
});

describe('rate limits', () => {
  it('answers RATE_LIMITED with a retry time once the window is full', async () => {
    const rule = { key: `test:${Math.random()}`, limit: 3, windowSeconds: 60 };
    for (let i = 0; i < 3; i++) await consumeRateLimit([rule]);
    const err = await consumeRateLimit([rule]).catch((e: AppError) => e);
    expect((err as AppError).code).toBe('RATE_LIMITED');
    expect((err as AppError).retryAfterSeconds).toBeGreaterThan(0);
    expect((err as AppError).retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('never grants more than the limit, however many callers share it', async () => {
    const rule = { key: `test-leased:${Math.random()}`, limit: 20, windowSeconds: 60 };
    await awayFromWindowEdge();
    const results = await Promise.all(Array.from({ length: 50 }, () => consumeLeasedRateLimit(rule).then(() => 'OK', (e: AppError) => e.code)));
    expect(results.filter((r) => r === 'OK')).toHaveLength(20);
    expect(results.filter((r) => r === 'RATE_LIMITED')).toHaveLength(30);
  });

  it('counts calls made by other processes (the counter lives in Postgres)', async () => {
    const rule = { key: `test-shared:${Math.random()}`, limit: 10, windowSeconds: 60 };
    await awayFromWindowEdge();
    await consumeLeasedRateLimit(rule);
    // Other processes spent the rest of the window.
    await db.ownerSql`update rate_limit_buckets set count = 10 where key = ${rule.key}`;
    const err = await consumeLeasedRateLimit(rule).catch((e: AppError) => e);
    expect((err as AppError).code).toBe('RATE_LIMITED');
  });

  it('limits attempts with one key', async () => {
    const a = await signUpUser('limited');
    const { secret } = await createApiKey(a.ctx, { name: 'busy', scopes: ['read'] });
    process.env.RATE_LIMIT_API_KEY_PER_MINUTE = '2';
    const { resetEnvCache } = await import('../../config/env');
    resetEnvCache();
    try {
      await authenticateApiKey(secret, testMeta());
      await authenticateApiKey(secret, testMeta());
      expect(await failure(authenticateApiKey(secret, testMeta()))).toMatch(/^RATE_LIMITED/);
    } finally {
      delete process.env.RATE_LIMIT_API_KEY_PER_MINUTE;
      resetEnvCache();
    }
  });
});

/** Rate-limit windows are fixed minutes: a test that fills one should not straddle two. */
async function awayFromWindowEdge() {
  const intoWindow = Date.now() % 60_000;
  if (intoWindow > 55_000) await new Promise((r) => setTimeout(r, 60_500 - intoWindow));
}

/** A well-formed key (valid checksum) with the same public prefix as `key` and another secret. */
function forgeWithPrefix(key: string): string {
  const prefix = parseApiKey(key)!.prefix;
  const secret = generateApiKey().key.slice(prefix.length + 1, -6);
  return withChecksum(`${prefix}_${secret}`);
}

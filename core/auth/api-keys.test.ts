import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { AppError } from '../errors';
import { acceptInvitation, createInvitation } from '../tenancy/invitations';
import { listMembers, removeMember } from '../tenancy/members';
import { resolveTenantContext } from '../tenancy/resolve-context';
import { createTeam } from '../tenancy/teams';
import { signUpUser, testMeta } from '../testing/fixtures';
import { generateApiKey, parseApiKey } from './api-key-format';
import { authenticateApiKey } from './authenticate-api-key';
import { createApiKey } from './create-api-key';
import { listApiKeys } from './list-api-keys';
import { consumeRateLimit } from './rate-limit';
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

describe('rate limits', () => {
  it('answers RATE_LIMITED with a retry time once the window is full', async () => {
    const rule = { key: `test:${Math.random()}`, limit: 3, windowSeconds: 60 };
    for (let i = 0; i < 3; i++) await consumeRateLimit([rule]);
    const err = await consumeRateLimit([rule]).catch((e: AppError) => e);
    expect((err as AppError).code).toBe('RATE_LIMITED');
    expect((err as AppError).retryAfterSeconds).toBeGreaterThan(0);
    expect((err as AppError).retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('limits attempts with one key', async () => {
    const a = await signUpUser('limited');
    const { secret } = await createApiKey(a.ctx, { name: 'busy', scopes: ['read'] });
    process.env.RATE_LIMIT_API_KEY_PER_MINUTE = '2';
    const { resetEnvCache } = await import('../config/env');
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

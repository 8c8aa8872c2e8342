import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { apiKeys, memberships, users } from '../../db/schema';
import { withMembershipScope, withoutTenant } from '../tenancy/with-tenant';
import { env } from '../../config/env';
import { AppError } from '../errors';
import type { Actor, RequestMeta } from '../tenancy/context';
import { API_KEY_SCOPES, type ApiKeyScope } from '../tenancy/permissions';
import { apiKeyCacheGeneration, cachedApiKey, rememberApiKey, type ApiKeyActor } from './api-key-cache';
import { hashApiKey, parseApiKey, secretHashMatches } from './api-key-format';
import { consumeLeasedRateLimit, consumeRateLimit } from './rate-limit';

type KeyRow = {
  id: string;
  org_id: string;
  user_id: string;
  secret_hash: string;
  scopes: string[];
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  run_id: string | null;
};

const reject = (message: string) => new AppError('UNAUTHENTICATED', message);

/**
 * Turns `Authorization: Bearer <key>` into an actor. Rate limited per key and,
 * for keys that fail, per IP. Messages say what is wrong without revealing
 * whether a key with that prefix exists until the secret matches.
 *
 * Authentication sits in front of every API call, so a key verified against
 * Postgres is trusted for a few seconds (api-key-cache.ts) and the per-key limit
 * is counted in leased blocks (rate-limit.ts): a repeated call usually costs no
 * database round trip. Only verified keys are remembered, under the hash of the
 * whole key; a wrong secret always goes to Postgres and counts against its IP.
 */
export async function authenticateApiKey(rawKey: string, meta: RequestMeta, opts: { perKeyLimit?: boolean } = {}): Promise<Actor> {
  const limit = env().RATE_LIMIT_API_KEY_PER_MINUTE;
  const key = rawKey.trim();
  const parsed = parseApiKey(key);
  const badAttempt = () => consumeRateLimit([{ key: `apikey-bad:ip:${meta.ip ?? 'unknown'}`, limit: Math.max(20, Math.floor(limit / 10)), windowSeconds: 60 }]);
  if (!parsed) {
    await badAttempt();
    throw reject('The API key is malformed');
  }
  // The inference gateway limits by deployment instead (opts.perKeyLimit false): a service's one key may carry far more predictions than API calls.
  if (opts.perKeyLimit !== false) await consumeLeasedRateLimit({ key: `apikey:key:${parsed.prefix}`, limit, windowSeconds: 60 });

  const digest = hashApiKey(key);
  const cached = cachedApiKey(digest);
  if (cached && 'expired' in cached) throw reject('The API key has expired');
  if (cached) return cached.actor;

  const startedAt = Date.now();
  const gen = apiKeyCacheGeneration();
  const row = await withoutTenant(async (tx) => (await tx.execute<KeyRow>(sql`select * from gantry_api_key_lookup(${parsed.prefix})`))[0]);
  if (!row || !secretHashMatches(key, row.secret_hash)) {
    await badAttempt();
    throw reject('The API key is not valid');
  }
  if (row.revoked_at) throw reject('The API key has been revoked');
  const expiresAt = row.expires_at ? new Date(row.expires_at).getTime() : null;
  if (expiresAt !== null && expiresAt <= Date.now()) throw reject('The API key has expired');

  const actor = await withMembershipScope({ orgId: row.org_id, userId: row.user_id }, async (tx): Promise<ApiKeyActor> => {
    const [member] = await tx
      .select({ email: users.email, role: memberships.role })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.orgId, row.org_id), eq(memberships.userId, row.user_id)));
    // The key's user has left the organization: the key dies with the membership.
    if (!member) throw reject('The API key is not valid');
    await tx
      .update(apiKeys)
      .set({ lastUsedAt: new Date(), lastUsedIp: meta.ip })
      .where(and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(Date.now() - 30_000)))));
    const scopes = row.scopes.filter((s): s is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(s));
    return {
      kind: 'api_key' as const,
      userId: row.user_id,
      email: member.email,
      apiKeyId: row.id,
      orgId: row.org_id,
      prefix: parsed.prefix,
      scopes,
      role: member.role,
      runId: row.run_id ?? null,
    };
  });
  rememberApiKey(digest, actor, expiresAt, startedAt, gen);
  return actor;
}

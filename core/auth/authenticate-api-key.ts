import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { apiKeys, memberships, users } from '../../db/schema';
import { withTenant, withoutTenant } from '../../db/with-tenant';
import { env } from '../config/env';
import { AppError } from '../errors';
import type { Actor, RequestMeta } from '../tenancy/context';
import { API_KEY_SCOPES, type ApiKeyScope } from '../tenancy/permissions';
import { parseApiKey, secretHashMatches } from './api-key-format';
import { consumeRateLimit, consumeRateLimitIn } from './rate-limit';

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
 */
export async function authenticateApiKey(rawKey: string, meta: RequestMeta): Promise<Actor> {
  const limit = env().RATE_LIMIT_API_KEY_PER_MINUTE;
  const parsed = parseApiKey(rawKey.trim());
  if (!parsed) {
    await consumeRateLimit([{ key: `apikey-bad:ip:${meta.ip ?? 'unknown'}`, limit: Math.max(20, Math.floor(limit / 10)), windowSeconds: 60 }]);
    throw reject('The API key is malformed');
  }
  // Counting and lookup share one transaction: authentication sits in front of every API call.
  const key = await withoutTenant(async (tx) => {
    await consumeRateLimitIn(tx, [{ key: `apikey:key:${parsed.prefix}`, limit, windowSeconds: 60 }]);
    const rows = await tx.execute<KeyRow>(sql`select * from gantry_api_key_lookup(${parsed.prefix})`);
    return rows[0];
  });
  if (!key || !secretHashMatches(rawKey.trim(), key.secret_hash)) {
    await consumeRateLimit([{ key: `apikey-bad:ip:${meta.ip ?? 'unknown'}`, limit: Math.max(20, Math.floor(limit / 10)), windowSeconds: 60 }]);
    throw reject('The API key is not valid');
  }
  if (key.revoked_at) throw reject('The API key has been revoked');
  if (key.expires_at && new Date(key.expires_at).getTime() <= Date.now()) throw reject('The API key has expired');

  return withTenant({ orgId: key.org_id, userId: key.user_id }, async (tx) => {
    const [member] = await tx
      .select({ email: users.email, role: memberships.role })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.orgId, key.org_id), eq(memberships.userId, key.user_id)));
    // The key's user has left the organization: the key dies with the membership.
    if (!member) throw reject('The API key is not valid');
    await tx
      .update(apiKeys)
      .set({ lastUsedAt: new Date(), lastUsedIp: meta.ip })
      .where(and(eq(apiKeys.id, key.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(Date.now() - 30_000)))));
    const scopes = key.scopes.filter((s): s is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(s));
    return {
      kind: 'api_key' as const,
      userId: key.user_id,
      email: member.email,
      apiKeyId: key.id,
      orgId: key.org_id,
      prefix: parsed.prefix,
      scopes,
      role: member.role,
      runId: key.run_id ?? null,
    };
  });
}

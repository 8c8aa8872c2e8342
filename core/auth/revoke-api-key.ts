import { and, eq, isNull } from 'drizzle-orm';
import { apiKeys } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { assertCan, can, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { forgetApiKeys } from './api-key-cache';
import { revokeApiKeyInput } from './api-keys.schemas';

/**
 * Revokes a key: at once in this process, within API_KEY_CACHE_TTL_MS in the others.
 * Users revoke their own keys; admins revoke any in the org. Idempotent.
 */
export async function revokeApiKey(ctx: TenantContext, input: unknown) {
  assertCan(ctx, 'apikey:revoke-own');
  const { id } = parseInput(revokeApiKeyInput, input);
  const result = await withTenant(ctx, async (tx) => {
    const [key] = await tx.select().from(apiKeys).where(and(eq(apiKeys.id, id), eq(apiKeys.orgId, ctx.orgId)));
    // Someone else's key without the admin permission reads as absent, like another tenant's.
    if (!key || (key.userId !== ctx.actor.userId && !can(ctx, 'apikey:revoke-any'))) throw notFound('API key');
    if (key.revokedAt) return key;
    const [revoked] = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning();
    await recordAudit(tx, ctx, { action: 'api_key.revoke', targetType: 'api_key', targetId: id, data: { name: key.name, prefix: key.prefix } });
    return revoked ?? key;
  });
  forgetApiKeys({ apiKeyId: id });
  return result;
}

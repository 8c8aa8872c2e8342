import { and, eq, isNull } from 'drizzle-orm';
import { apiKeys } from '../../db/schema';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import type { SystemContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { forgetApiKeys } from './api-key-cache';

/**
 * Revokes the run-bound key a job's attempt ran with, as the job's own system process: the key
 * belongs to the job, so it is revoked whether or not its user is still a member. Idempotent (a key
 * already revoked, or gone with its user, is done). It throws when it cannot revoke, so the job
 * step that calls it fails and is retried: a job's key never silently outlives its attempt.
 */
export async function revokeRunApiKey(ctx: SystemContext, keyId: string): Promise<void> {
  await withTenant(ctx, async (tx) => {
    const [key] = await tx.select().from(apiKeys).where(and(eq(apiKeys.id, keyId), eq(apiKeys.orgId, ctx.orgId)));
    if (!key || key.revokedAt) return;
    if (!key.runId) throw new AppError('INTERNAL', `A system process may revoke only run-bound keys, not ${keyId}`);
    await tx.update(apiKeys).set({ revokedAt: new Date() }).where(and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)));
    await recordAudit(tx, ctx, { action: 'api_key.revoke', targetType: 'api_key', targetId: keyId, data: { name: key.name, prefix: key.prefix, runId: key.runId } });
  });
  forgetApiKeys({ apiKeyId: keyId });
}

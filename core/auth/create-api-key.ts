import { apiKeys } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { generateApiKey } from './api-key-format';
import { createApiKeyInput } from './api-keys.schemas';

/**
 * Creates a key for the acting user. The secret is returned once and never again.
 * `runId` (internal, for jobs) binds the key to one run: it writes to that run only.
 */
export async function createApiKey(ctx: TenantContext, input: unknown, opts: { runId?: string } = {}) {
  assertCan(ctx, 'apikey:create');
  const data = parseInput(createApiKeyInput, input);
  if (ctx.actor.kind === 'api_key' && data.scopes.includes('admin') && !ctx.actor.scopes.includes('admin')) {
    throw new AppError('FORBIDDEN', 'A key cannot create a key with more scopes than its own');
  }
  const { key, prefix, secretHash } = generateApiKey();
  const id = newId('apiKey');
  const expiresAt = data.expiresInDays === null ? null : new Date(Date.now() + data.expiresInDays * 86_400_000);
  const row = await withTenant(ctx, async (tx) => {
    const [created] = await tx
      .insert(apiKeys)
      .values({ id, orgId: ctx.orgId, userId: ctx.actor.userId, name: data.name, prefix, secretHash, scopes: data.scopes, expiresAt, runId: opts.runId ?? null })
      .returning();
    await recordAudit(tx, ctx, {
      action: 'api_key.create',
      targetType: 'api_key',
      targetId: id,
      data: { name: data.name, prefix, scopes: data.scopes, expiresAt: expiresAt?.toISOString() ?? null, runId: opts.runId ?? null },
    });
    return created!;
  });
  return { apiKey: row, secret: key };
}

import { and, desc, eq, isNull } from 'drizzle-orm';
import { webhookDeliveries, webhookEndpoints, type WebhookDelivery, type WebhookEndpoint } from '../../db/schema';
import { encryptSecret } from '../compute/secret-box';
import { notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { webhookSecretAad } from './deliver-webhook';
import { createWebhookEndpointInput, endpointIdInput } from './monitoring.schemas';
import { newWebhookSecret } from './webhook-signature';

export type WebhookEndpointView = Omit<WebhookEndpoint, 'secretEncrypted'>;
const view = ({ secretEncrypted: _, ...rest }: WebhookEndpoint): WebhookEndpointView => rest;

/**
 * Adds an outbound webhook for the organization's alerts. The signing secret (`whsec_…`) is returned
 * this once and stored encrypted, bound to the organization and endpoint.
 */
export async function createWebhookEndpoint(ctx: TenantContext, input: unknown): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
  assertCan(ctx, 'org:update');
  const data = parseInput(createWebhookEndpointInput, input);
  const id = newId('webhookEndpoint');
  const secret = newWebhookSecret();
  return withTenant(ctx, async (tx) => {
    const [row] = await tx
      .insert(webhookEndpoints)
      .values({ id, orgId: ctx.orgId, url: data.url, description: data.description, secretEncrypted: encryptSecret(secret, webhookSecretAad(ctx.orgId, id)), createdBy: ctx.actor.userId })
      .returning();
    await recordAudit(tx, ctx, { action: 'webhook_endpoint.create', targetType: 'webhook_endpoint', targetId: id, data: { url: data.url } });
    return { endpoint: view(row!), secret };
  });
}

export async function listWebhookEndpoints(ctx: TenantContext): Promise<WebhookEndpointView[]> {
  assertCan(ctx, 'org:read');
  return withTenant(ctx, async (tx) =>
    (
      await tx
        .select()
        .from(webhookEndpoints)
        .where(and(eq(webhookEndpoints.orgId, ctx.orgId), isNull(webhookEndpoints.deletedAt)))
        .orderBy(webhookEndpoints.createdAt)
    ).map(view),
  );
}

/** Stops deliveries to the endpoint; its delivery log stays readable. */
export async function deleteWebhookEndpoint(ctx: TenantContext, input: unknown): Promise<void> {
  assertCan(ctx, 'org:update');
  const data = parseInput(endpointIdInput, input);
  await withTenant(ctx, async (tx) => {
    const [row] = await tx
      .update(webhookEndpoints)
      .set({ deletedAt: new Date(), enabled: false })
      .where(and(eq(webhookEndpoints.orgId, ctx.orgId), eq(webhookEndpoints.id, data.endpointId), isNull(webhookEndpoints.deletedAt)))
      .returning();
    if (!row) throw notFound(`Webhook endpoint '${data.endpointId.slice(0, 64)}'`);
    await recordAudit(tx, ctx, { action: 'webhook_endpoint.delete', targetType: 'webhook_endpoint', targetId: row.id, data: { url: row.url } });
  });
}

/** The endpoint's delivery log, newest first. */
export async function listWebhookDeliveries(ctx: TenantContext, input: unknown): Promise<WebhookDelivery[]> {
  assertCan(ctx, 'org:read');
  const data = parseInput(endpointIdInput, input);
  return withTenant(ctx, async (tx) => {
    const [e] = await tx.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(and(eq(webhookEndpoints.orgId, ctx.orgId), eq(webhookEndpoints.id, data.endpointId)));
    if (!e) throw notFound(`Webhook endpoint '${data.endpointId.slice(0, 64)}'`);
    return tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, e.id)).orderBy(desc(webhookDeliveries.createdAt)).limit(100);
  });
}

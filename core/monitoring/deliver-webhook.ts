import { lookup } from 'node:dns/promises';
import { and, eq, sql } from 'drizzle-orm';
import { env } from '../../config/env';
import { webhookDeliveries, webhookEndpoints } from '../../db/schema';
import { classifyAddress, ipLiteral } from '../compute/network-policy';
import { decryptSecret } from '../compute/secret-box';
import { AppError } from '../errors';
import type { SystemContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { webhookHeaders } from './webhook-signature';

/** How long a receiver has to answer one attempt. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

export const webhookSecretAad = (orgId: string, endpointId: string) => ({ purpose: 'webhook-endpoint', orgId, endpointId });

/**
 * Where a webhook may be sent: public addresses only, unless the operator allows private ones
 * (WEBHOOK_ALLOW_PRIVATE_ADDRESSES). The name is resolved here, before the request; the reason is
 * the delivery's error, never a request to the control plane's own network.
 */
export async function webhookAddressProblem(url: string): Promise<string | null> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'only http and https URLs are delivered to';
  if (env().WEBHOOK_ALLOW_PRIVATE_ADDRESSES) return null;
  const literal = ipLiteral(u.hostname);
  const addresses = literal ? [literal] : (await lookup(u.hostname, { all: true }).catch(() => [])).map((a) => a.address);
  if (!addresses.length) return `${u.hostname} does not resolve`;
  for (const a of addresses) {
    const c = classifyAddress(a);
    if (c) return `${u.hostname} resolves to ${a}, a ${c.category} address; webhooks go to public addresses only`;
  }
  return null;
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'already-done';

/**
 * One attempt at a webhook message: POSTed with its Standard Webhooks headers (the same `webhook-id`
 * on every attempt), the attempt recorded in the delivery log. A 2xx answer delivers it; anything
 * else throws UNAVAILABLE so the caller retries, unless this was the last attempt (`last`), which marks
 * it failed. A message already delivered or failed is not sent again.
 */
export async function deliverWebhook(ctx: SystemContext, input: { deliveryId: string; last: boolean }, deps: { fetch?: typeof fetch } = {}): Promise<DeliveryOutcome> {
  const found = await withTenant(ctx, async (tx) => {
    const [row] = await tx
      .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints })
      .from(webhookDeliveries)
      .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
      .where(eq(webhookDeliveries.id, input.deliveryId));
    return row ?? null;
  });
  if (!found || found.delivery.status !== 'pending') return 'already-done';
  const { delivery, endpoint } = found;
  // The stored payload is the body as sent: it already carries type, timestamp and data.
  const body = JSON.stringify(delivery.payload);
  let status: number | null = null;
  let error: string | null = null;
  if (endpoint.deletedAt || !endpoint.enabled) error = 'the endpoint was disabled or deleted';
  else error = await webhookAddressProblem(endpoint.url);
  if (!error) {
    const secret = decryptSecret(endpoint.secretEncrypted, webhookSecretAad(ctx.orgId, endpoint.id));
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const res = await (deps.fetch ?? fetch)(endpoint.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Gantry-Webhooks/1', ...webhookHeaders(secret, delivery.id, timestamp, body) },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      status = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (status < 200 || status >= 300) error = `the receiver answered ${status}`;
    } catch (e) {
      error = e instanceof Error ? e.message.slice(0, 300) : 'the request failed';
    }
  }
  const done = !error ? 'delivered' : input.last ? 'failed' : 'pending';
  await withTenant(ctx, (tx) =>
    tx
      .update(webhookDeliveries)
      .set({ attempts: sql`${webhookDeliveries.attempts} + 1`, lastStatusCode: status, lastError: error, lastAttemptAt: new Date(), status: done, deliveredAt: done === 'delivered' ? new Date() : null })
      .where(and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, 'pending'))),
  );
  if (done === 'pending') throw new AppError('UNAVAILABLE', `Webhook ${delivery.id} to ${new URL(endpoint.url).host} not delivered: ${error}`);
  return done;
}

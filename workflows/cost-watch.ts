import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../workers/activities';

/** Keep equal to WEBHOOK_MAX_ATTEMPTS in workers/activities/monitoring.ts (the last attempt records the failure). */
const WEBHOOK_ATTEMPTS = 6;

const steps = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
});

const webhooks = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: WEBHOOK_ATTEMPTS },
});

export interface CostWatchInput {
  /** The instant to look at (ISO); a firing takes its own start time. */
  at?: string;
}

export interface CostWatchOutcome {
  at: string;
  orgs: number;
  chargedMicros: number;
  alerts: number;
  stopped: number;
  failed: string[];
}

/**
 * The platform's cost watch (the `cost-watch` schedule, every five minutes; ADR 0026): for every
 * organization with a budget or a deployment, its deployments are charged to the ledger up to the
 * last whole hour and each budget is checked (threshold alerts once a month, running jobs stopped
 * for `block_and_stop` at the limit); the alerts' webhook messages are then delivered. One
 * organization failing does not hold up the others; it is named in the outcome and tried again at
 * the next firing.
 */
export async function costWatchWorkflow(input: CostWatchInput = {}): Promise<CostWatchOutcome> {
  const at = input.at ?? new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  const orgIds = await steps.orgsWithCosts();
  const out: CostWatchOutcome = { at, orgs: orgIds.length, chargedMicros: 0, alerts: 0, stopped: 0, failed: [] };
  for (const orgId of orgIds) {
    let watched: Awaited<ReturnType<Activities['watchOrgCosts']>>;
    try {
      watched = await steps.watchOrgCosts({ orgId, at });
    } catch {
      out.failed.push(orgId);
      continue;
    }
    out.chargedMicros += watched.chargedMicros;
    for (const c of watched.checks) {
      out.alerts += c.alerted.length;
      out.stopped += c.stopped.length;
      await Promise.all(c.deliveryIds.map((deliveryId) => webhooks.deliverWebhook({ orgId, deliveryId }).catch(() => 'failed' as const)));
    }
  }
  return out;
}

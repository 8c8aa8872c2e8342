import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../workers/activities';

const { reportSeatUsage } = proxyActivities<Activities>({
  // One Stripe call per subscribed organization; the heartbeat after each is what proves progress.
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '5 minutes',
  retry: { initialInterval: '30 seconds', maximumInterval: '10 minutes', maximumAttempts: 10 },
});

/**
 * Reports every subscribed organization's seats for the day to Stripe's meter. Started daily by the
 * `billing-seat-usage` schedule (workers/schedules.ts); safe to start again, since each organization's
 * report of a day is sent under one identifier that Stripe counts once.
 */
export async function seatUsageWorkflow(): Promise<{ orgs: number; sent: number; alreadyReported: number }> {
  return reportSeatUsage();
}

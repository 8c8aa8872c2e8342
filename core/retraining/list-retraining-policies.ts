import { and, desc, eq, isNull } from 'drizzle-orm';
import { retrainingPolicies, type RetrainingPolicy } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { createLogger } from '../observability/logger';
import { describeSchedule } from '../orchestration/schedules';
import { findModel } from '../registry/access';
import { assertCan, type TenantContext } from '../tenancy/context';
import { retrainingScheduleId } from './retraining-schedule';

const log = createLogger('retraining');

/**
 * How the policy's Temporal Schedule stands: `active` or `paused` (normally as the policy is),
 * `missing` (no schedule: its runs do not happen until the policy is paused and resumed), or
 * `unknown` (Temporal could not be asked; the run times are then unknown, not absent).
 */
export type RetrainingScheduleState = 'active' | 'paused' | 'missing' | 'unknown';

export interface RetrainingPolicyView extends RetrainingPolicy {
  scheduleState: RetrainingScheduleState;
  nextRunTimes: Date[];
  lastRunAt: Date | null;
}

/**
 * The model's live policies with their next run times from the schedule. The list still answers
 * when Temporal is down: each policy then says its schedule is `unknown`, and the failure is logged.
 */
export async function listRetrainingPolicies(ctx: TenantContext, modelId: string): Promise<RetrainingPolicyView[]> {
  assertCan(ctx, 'model:read');
  const rows = await withTenant(ctx, async (tx) => {
    const model = await findModel(tx, ctx, { modelId });
    return tx
      .select()
      .from(retrainingPolicies)
      .where(and(eq(retrainingPolicies.orgId, ctx.orgId), eq(retrainingPolicies.modelId, model.id), isNull(retrainingPolicies.deletedAt)))
      .orderBy(desc(retrainingPolicies.createdAt));
  });
  return Promise.all(rows.map(withSchedule));
}

/** The policy with its schedule's state and run times, as the list shows it (also for a policy just changed). */
export async function withSchedule(p: RetrainingPolicy): Promise<RetrainingPolicyView> {
  try {
    const s = await describeSchedule(retrainingScheduleId(p.id));
    if (!s) return { ...p, scheduleState: 'missing', nextRunTimes: [], lastRunAt: null };
    return { ...p, scheduleState: s.paused ? 'paused' : 'active', nextRunTimes: s.paused ? [] : s.nextActionTimes.slice(0, 3), lastRunAt: s.lastActionAt };
  } catch (e) {
    log.warn('retraining schedule could not be read; showing the policy without its run times', { policyId: p.id, err: e });
    return { ...p, scheduleState: 'unknown', nextRunTimes: [], lastRunAt: null };
  }
}

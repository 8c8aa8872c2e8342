import { and, eq, isNull } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { retrainingPolicies, type RetrainingPolicy } from '../../db/schema';
import { notFound } from '../errors';
import type { TemporalCall } from '../orchestration/record-then-start';
import { deleteSchedule, ensureSchedule } from '../orchestration/schedules';
import { workflowStart } from '../orchestration/workflows';
import type { ActingContext } from '../tenancy/context';

/**
 * Retraining policies: a job template and a cron schedule per registered model, run by the
 * Temporal Schedule `retraining/<policyId>`, which starts `retrainingWorkflow` (train → register →
 * evaluate → move `challenger`, or `champion` when the policy auto-promotes).
 *
 * The policy row is the truth; the schedule follows it. Each change writes the row and calls
 * Temporal in one `recordThenStart` transaction (the audit event last, so the organization's audit
 * chain is never locked across the call): if Temporal is unreachable the change is refused whole.
 * Only a commit that fails after the call leaves the schedule out of step, and it is healed:
 *  - a schedule without a live policy, or active for a paused one, fires into `startRetrainingJob`,
 *    which does nothing and deletes or pauses the schedule;
 *  - a missing or wrongly paused schedule of a live policy shows in the policy list
 *    (`scheduleState`), and the next pause or resume of that policy makes it match again.
 */

export const retrainingScheduleId = (policyId: string) => `retraining/${policyId}`;

export interface RetrainingWorkflowInput {
  policyId: string;
  orgId: string;
  /** Why this run started: `schedule`, `manual`, or a signal such as `drift`. */
  trigger?: string;
}

/** The policy, unless deleted; NOT_FOUND otherwise (also for another tenant's). */
export async function findLivePolicy(tx: Tx, ctx: ActingContext, id: string, opts: { forUpdate?: boolean } = {}): Promise<RetrainingPolicy> {
  const q = tx
    .select()
    .from(retrainingPolicies)
    .where(and(eq(retrainingPolicies.orgId, ctx.orgId), eq(retrainingPolicies.id, id), isNull(retrainingPolicies.deletedAt)));
  const [p] = opts.forUpdate ? await q.for('update') : await q;
  if (!p) throw notFound(`Retraining policy '${id.slice(0, 64)}'`);
  return p;
}

/**
 * Makes the policy's schedule match the row as written: none for a deleted policy, else one that
 * exists and is paused exactly when the policy is. Idempotent.
 */
export async function syncRetrainingSchedule(policy: RetrainingPolicy, opts: { modelName?: string; note: string }): Promise<void> {
  const scheduleId = retrainingScheduleId(policy.id);
  if (policy.deletedAt) return deleteSchedule(scheduleId);
  await ensureSchedule({
    scheduleId,
    cron: policy.cron,
    timezone: policy.timezone,
    paused: policy.paused,
    note: opts.note,
    start: workflowStart('retrainingWorkflow', scheduleId, [{ policyId: policy.id, orgId: policy.orgId, trigger: 'schedule' }], {
      staticSummary: opts.modelName ? `Retraining ${opts.modelName} (${policy.name})` : `Retraining ${policy.name}`,
    }),
    memo: { orgId: policy.orgId, modelId: policy.modelId },
  });
}

/** `syncRetrainingSchedule` as the call of a `recordThenStart`; a firing reads the policy only once that commits. */
export function syncScheduleCall(policy: RetrainingPolicy, opts: { modelName?: string; note: string }): TemporalCall {
  return { awaitedBy: [retrainingScheduleId(policy.id)], run: () => syncRetrainingSchedule(policy, opts) };
}

import { and, desc, eq, sql } from 'drizzle-orm';
import { evaluations, retrainingPolicies, trainingJobs, type RetrainingPolicy } from '../../db/schema';
import { createEvaluation } from '../evaluation/create-evaluation';
import { createLogger } from '../observability/logger';
import { awaitRecorded } from '../orchestration/record-then-start';
import { deleteSchedule } from '../orchestration/schedules';
import { findVersionById } from '../registry/access';
import { setModelAlias } from '../registry/set-model-alias';
import { systemContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { jobContext } from '../training/job-steps';
import { recordChildTrainingJob } from '../training/record-training-job';
import { retrainingScheduleId, syncRetrainingSchedule, type RetrainingWorkflowInput } from './retraining-schedule';

/** The steps of `retrainingWorkflow`, each run as one Temporal activity, each idempotent. */

const log = createLogger('retraining');

const system = (orgId: string, policyId: string) => systemContext(orgId, 'retraining', policyId);

/** The policy (deleted ones too), once the transaction that made or changed its schedule has ended. */
async function policyForRun(orgId: string, policyId: string): Promise<RetrainingPolicy | null> {
  await withTenant(system(orgId, policyId), (tx) => awaitRecorded(tx, retrainingScheduleId(policyId)));
  const [p] = await withTenant(system(orgId, policyId), (tx) => tx.select().from(retrainingPolicies).where(and(eq(retrainingPolicies.orgId, orgId), eq(retrainingPolicies.id, policyId))));
  return p ?? null;
}

/**
 * A schedule fired for a policy that is gone or paused: the change that should have deleted or
 * paused it committed without reaching Temporal, or the other way round. Bring the schedule into
 * line; the firing itself does nothing either way, so a failure here is logged, not retried.
 */
async function healSchedule(policyId: string, policy: RetrainingPolicy | null): Promise<void> {
  try {
    if (!policy) await deleteSchedule(retrainingScheduleId(policyId));
    else await syncRetrainingSchedule(policy, { note: policy.deletedAt ? 'the policy was deleted' : 'the policy is paused' });
  } catch (e) {
    log.warn('retraining schedule out of step with its policy and could not be fixed now; the next firing tries again', { policyId, err: e });
  }
}

/**
 * Creates this firing's training job (its workflow is the retraining
 * workflow's child). Keyed on the firing's workflow ID, so a retried step finds
 * the job it already made.
 */
export async function startRetrainingJob(input: RetrainingWorkflowInput & { firingId: string }): Promise<{ jobId: string | null; evaluate: boolean; autoPromote: boolean; reason: string | null }> {
  const policy = await policyForRun(input.orgId, input.policyId);
  const scheduled = (input.trigger ?? 'schedule') === 'schedule';
  if (!policy || policy.deletedAt) {
    if (scheduled) await healSchedule(input.policyId, policy);
    return { jobId: null, evaluate: false, autoPromote: false, reason: 'The policy was deleted' };
  }
  if (policy.paused && scheduled) {
    await healSchedule(input.policyId, policy);
    return { jobId: null, evaluate: false, autoPromote: false, reason: 'The policy is paused' };
  }
  const [existing] = await withTenant(system(input.orgId, policy.id), (tx) =>
    tx
      .select({ id: trainingJobs.id })
      .from(trainingJobs)
      .where(and(eq(trainingJobs.retrainingPolicyId, policy.id), sql`${trainingJobs.spec}->'systemEnv'->>'GANTRY_RETRAINING_FIRING' = ${input.firingId}`)),
  );
  if (existing) return { jobId: existing.id, evaluate: policy.evaluate, autoPromote: policy.autoPromote, reason: null };
  const ctx = await jobContext(input.orgId, policy.createdBy, policy.id);
  const job = await recordChildTrainingJob(ctx, { ...policy.jobTemplate, name: `${policy.name} (${input.trigger ?? 'schedule'})`.slice(0, 200) }, {
    retrainingPolicyId: policy.id,
    systemEnv: { GANTRY_RETRAINING_POLICY_ID: policy.id, GANTRY_RETRAINING_FIRING: input.firingId, GANTRY_RETRAINING_TRIGGER: input.trigger ?? 'schedule' },
  });
  return { jobId: job.id, evaluate: policy.evaluate, autoPromote: policy.autoPromote, reason: null };
}

/** The evaluation of the newly trained version (one per version per firing), or null when none is wanted. */
export async function findOrCreateRetrainingEvaluation(input: { orgId: string; policyId: string; modelVersionId: string }): Promise<{ evaluationId: string; jobId: string } | null> {
  const policy = await policyForRun(input.orgId, input.policyId);
  if (!policy) return null;
  const [existing] = await withTenant(system(input.orgId, policy.id), (tx) =>
    tx.select({ id: evaluations.id, jobId: evaluations.jobId }).from(evaluations).where(eq(evaluations.modelVersionId, input.modelVersionId)).orderBy(desc(evaluations.createdAt)).limit(1),
  );
  if (existing?.jobId) return { evaluationId: existing.id, jobId: existing.jobId };
  const ctx = await jobContext(input.orgId, policy.createdBy, policy.id);
  const ev = await createEvaluation(ctx, { modelVersionId: input.modelVersionId });
  return { evaluationId: ev.id, jobId: ev.jobId! };
}

/** Moves `challenger` (or `champion` when the policy auto-promotes) to the new version. */
export async function promoteRetrainedVersion(input: { orgId: string; policyId: string; modelVersionId: string }): Promise<{ alias: string; version: number } | null> {
  const policy = await policyForRun(input.orgId, input.policyId);
  if (!policy) return null;
  const ctx = await jobContext(input.orgId, policy.createdBy, policy.id);
  const { version } = await withTenant(ctx, (tx) => findVersionById(tx, ctx, input.modelVersionId));
  const alias = policy.autoPromote ? 'champion' : 'challenger';
  await setModelAlias(ctx, { model: { modelId: version.modelId }, alias, version: version.version });
  return { alias, version: version.version };
}

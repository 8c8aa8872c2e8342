import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { evaluationPolicies, evaluations, retrainingPolicies, trainingJobs, type RetrainingPolicy } from '../../db/schema';
import { withTenant } from '../../db/with-tenant';
import { jobSpecSchema } from '../../rules/job-spec';
import { AppError, notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { taskQueue, temporalClient } from '../orchestration/temporal';
import { createEvaluation } from '../evaluation/start-evaluation';
import { findModel, findVersionById } from '../registry/access';
import { modelRefSchema } from '../registry/registry.schemas';
import { setModelAlias } from '../registry/set-model-alias';
import { assertCan, type TenantContext } from '../tenancy/context';
import { idSchema, nameSchema, parseInput } from '../validation';
import { jobContext } from './job-steps';
import { submitTrainingJob } from './submit-training-job';

/**
 * Retraining policies: a job template and a cron schedule per registered model,
 * run by the Temporal Schedule `retraining/<policyId>`, which starts
 * `retrainingWorkflow` (train → register → evaluate → move `challenger`, or
 * `champion` when the policy auto-promotes). `triggerRetraining` is also the
 * entry point for retraining on other signals (drift, when monitoring lands).
 */

export const retrainingScheduleId = (policyId: string) => `retraining/${policyId}`;

/** Five-field cron (minute hour day-of-month month day-of-week), or an `@every`/`@daily`-style macro Temporal reads. */
const cronSchema = z
  .string()
  .trim()
  .max(100)
  .refine(
    (c) => /^@(yearly|annually|monthly|weekly|daily|hourly|every\s+\d+[smhd])$/.test(c) || /^(\S+\s+){4}\S+$/.test(c),
    'Write the schedule as cron with five fields (e.g. "0 3 * * 1" = Mondays 03:00) or a macro like @daily',
  );

const templateSchema = jobSpecSchema.omit({ registerModel: true }).extend({ project: jobSpecSchema.shape.project.optional() });

export const createRetrainingPolicyInput = z.object({
  model: modelRefSchema,
  name: nameSchema('Policy name', 100).default('scheduled retraining'),
  jobTemplate: templateSchema,
  /** The artifact path the training job saves its model under (registered as a new version). */
  artifactPath: z.string().trim().min(1).max(500).default('model'),
  cron: cronSchema,
  timezone: z.string().trim().max(64).default('UTC'),
  evaluate: z.boolean().default(true),
  autoPromote: z.boolean().default(false),
});

export interface RetrainingWorkflowInput {
  policyId: string;
  orgId: string;
  /** Why this run started: `schedule`, `manual`, or a signal such as `drift`. */
  trigger?: string;
}

async function scheduleHandle(policyId: string) {
  return (await temporalClient()).schedule.getHandle(retrainingScheduleId(policyId));
}

function asSchedulerError(e: unknown): never {
  if (e instanceof AppError) throw e;
  const msg = (e as Error).message ?? '';
  if (/cron|spec|invalid/i.test(msg)) throw new AppError('BAD_USER_INPUT', `The schedule is not valid: ${msg.slice(0, 200)}`, { fields: [{ path: 'cron', message: 'Invalid schedule' }] });
  throw new AppError('UNAVAILABLE', 'The workflow service (Temporal) is not reachable; try again shortly');
}

/** Creates the policy and its schedule in one step: the schedule is created inside the transaction. */
export async function createRetrainingPolicy(ctx: TenantContext, input: unknown): Promise<RetrainingPolicy> {
  assertCan(ctx, 'retraining:manage');
  const data = parseInput(createRetrainingPolicyInput, input);
  const id = newId('retrainingPolicy');
  return withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, async (tx) => {
    const model = await findModel(tx, ctx, data.model);
    if (data.evaluate) {
      const [p] = await tx.select({ id: evaluationPolicies.id }).from(evaluationPolicies).where(eq(evaluationPolicies.modelId, model.id));
      if (!p) throw new AppError('BAD_USER_INPUT', `'${model.name}' has no evaluation policy; set one, or turn evaluation off for this policy`, { fields: [{ path: 'evaluate', message: 'No evaluation policy' }] });
    }
    const jobTemplate = { ...data.jobTemplate, project: data.jobTemplate.project ?? model.projectId, registerModel: { name: model.name, artifactPath: data.artifactPath } };
    // Validate the template as a job now, so a broken one fails here and not at 3 a.m.
    parseInput(jobSpecSchema, jobTemplate);
    const [row] = await tx
      .insert(retrainingPolicies)
      .values({ id, orgId: ctx.orgId, modelId: model.id, name: data.name, jobTemplate, cron: data.cron, timezone: data.timezone, evaluate: data.evaluate, autoPromote: data.autoPromote, createdBy: ctx.actor.userId })
      .returning();
    await recordAudit(tx, ctx, { action: 'retraining_policy.create', targetType: 'registered_model', targetId: model.id, data: { policyId: id, cron: data.cron, evaluate: data.evaluate, autoPromote: data.autoPromote } });
    try {
      await (await temporalClient()).schedule.create({
        scheduleId: retrainingScheduleId(id),
        spec: { cronExpressions: [data.cron], timezone: data.timezone },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
        action: {
          type: 'startWorkflow',
          workflowType: 'retrainingWorkflow',
          workflowId: retrainingScheduleId(id),
          taskQueue: taskQueue(),
          args: [{ policyId: id, orgId: ctx.orgId, trigger: 'schedule' } satisfies RetrainingWorkflowInput],
          staticSummary: `Retraining ${model.name} (${data.name})`,
        },
        memo: { orgId: ctx.orgId, modelId: model.id },
      });
    } catch (e) {
      if (!(e instanceof ScheduleAlreadyRunning)) asSchedulerError(e);
    }
    return row!;
  });
}

async function findPolicy(ctx: TenantContext, id: string) {
  const [p] = await withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, (tx) =>
    tx.select().from(retrainingPolicies).where(and(eq(retrainingPolicies.orgId, ctx.orgId), eq(retrainingPolicies.id, id), isNull(retrainingPolicies.deletedAt))),
  );
  if (!p) throw notFound(`Retraining policy '${id.slice(0, 64)}'`);
  return p;
}

export const policyIdInput = z.object({ policyId: idSchema('Retraining policy ID'), paused: z.boolean().optional() });

/** Pauses or resumes the schedule (the row and the Temporal Schedule together). */
export async function setRetrainingPaused(ctx: TenantContext, input: unknown): Promise<RetrainingPolicy> {
  assertCan(ctx, 'retraining:manage');
  const data = parseInput(policyIdInput.required({ paused: true }), input);
  const policy = await findPolicy(ctx, data.policyId);
  return withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, async (tx) => {
    const [row] = await tx.update(retrainingPolicies).set({ paused: data.paused, updatedAt: new Date() }).where(eq(retrainingPolicies.id, policy.id)).returning();
    await recordAudit(tx, ctx, { action: data.paused ? 'retraining_policy.pause' : 'retraining_policy.resume', targetType: 'registered_model', targetId: policy.modelId, data: { policyId: policy.id } });
    try {
      const h = await scheduleHandle(policy.id);
      if (data.paused) await h.pause(`paused by ${ctx.actor.email}`);
      else await h.unpause(`resumed by ${ctx.actor.email}`);
    } catch (e) {
      asSchedulerError(e);
    }
    return row!;
  });
}

/** Runs the policy now, outside its schedule (also the entry point for drift-triggered retraining). */
export async function triggerRetraining(ctx: TenantContext, input: unknown): Promise<void> {
  assertCan(ctx, 'retraining:manage');
  const data = parseInput(policyIdInput, input);
  const policy = await findPolicy(ctx, data.policyId);
  await withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, (tx) =>
    recordAudit(tx, ctx, { action: 'retraining_policy.trigger', targetType: 'registered_model', targetId: policy.modelId, data: { policyId: policy.id } }),
  );
  try {
    await (await scheduleHandle(policy.id)).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  } catch (e) {
    asSchedulerError(e);
  }
}

export async function deleteRetrainingPolicy(ctx: TenantContext, input: unknown): Promise<void> {
  assertCan(ctx, 'retraining:manage');
  const data = parseInput(policyIdInput, input);
  const policy = await findPolicy(ctx, data.policyId);
  await withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, async (tx) => {
    await tx.update(retrainingPolicies).set({ deletedAt: new Date(), paused: true }).where(eq(retrainingPolicies.id, policy.id));
    await recordAudit(tx, ctx, { action: 'retraining_policy.delete', targetType: 'registered_model', targetId: policy.modelId, data: { policyId: policy.id } });
    try {
      await (await scheduleHandle(policy.id)).delete();
    } catch (e) {
      if (!(e instanceof ScheduleNotFoundError)) asSchedulerError(e);
    }
  });
}

export interface RetrainingPolicyView extends RetrainingPolicy {
  nextRunTimes: Date[];
  lastRunAt: Date | null;
}

/** The model's live policies with their next run times from the schedule. */
export async function listRetrainingPolicies(ctx: TenantContext, modelId: string): Promise<RetrainingPolicyView[]> {
  assertCan(ctx, 'model:read');
  const rows = await withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, async (tx) => {
    const model = await findModel(tx, ctx, { modelId });
    return tx
      .select()
      .from(retrainingPolicies)
      .where(and(eq(retrainingPolicies.orgId, ctx.orgId), eq(retrainingPolicies.modelId, model.id), isNull(retrainingPolicies.deletedAt)))
      .orderBy(desc(retrainingPolicies.createdAt));
  });
  return Promise.all(
    rows.map(async (p) => {
      try {
        const d = await (await scheduleHandle(p.id)).describe();
        const last = d.info.recentActions.at(-1);
        return { ...p, nextRunTimes: p.paused ? [] : d.info.nextActionTimes.slice(0, 3), lastRunAt: last ? last.takenAt : null };
      } catch {
        return { ...p, nextRunTimes: [], lastRunAt: null };
      }
    }),
  );
}

// ---- steps of retrainingWorkflow (run as activities) ----------------------------------------

/** The policy and a context to act in: the user who created the policy. */
async function policyForRun(orgId: string, policyId: string) {
  const [p] = await withTenant({ orgId, userId: null }, (tx) => tx.select().from(retrainingPolicies).where(and(eq(retrainingPolicies.orgId, orgId), eq(retrainingPolicies.id, policyId))));
  return p ?? null;
}

/**
 * Creates this firing's training job (its workflow is the retraining
 * workflow's child). Keyed on the firing's workflow ID, so a retried step finds
 * the job it already made.
 */
export async function startRetrainingJob(input: RetrainingWorkflowInput & { firingId: string }): Promise<{ jobId: string | null; evaluate: boolean; autoPromote: boolean; reason: string | null }> {
  const policy = await policyForRun(input.orgId, input.policyId);
  if (!policy || policy.deletedAt) return { jobId: null, evaluate: false, autoPromote: false, reason: 'The policy was deleted' };
  if (policy.paused && input.trigger === 'schedule') return { jobId: null, evaluate: false, autoPromote: false, reason: 'The policy is paused' };
  const [existing] = await withTenant({ orgId: input.orgId, userId: null }, (tx) =>
    tx
      .select({ id: trainingJobs.id })
      .from(trainingJobs)
      .where(and(eq(trainingJobs.retrainingPolicyId, policy.id), sql`${trainingJobs.spec}->'systemEnv'->>'GANTRY_RETRAINING_FIRING' = ${input.firingId}`)),
  );
  if (existing) return { jobId: existing.id, evaluate: policy.evaluate, autoPromote: policy.autoPromote, reason: null };
  const ctx = await jobContext(input.orgId, policy.createdBy, policy.id);
  const job = await submitTrainingJob(ctx, { ...policy.jobTemplate, name: `${policy.name} (${input.trigger ?? 'schedule'})`.slice(0, 200) }, {
    retrainingPolicyId: policy.id,
    startWorkflow: false,
    systemEnv: { GANTRY_RETRAINING_POLICY_ID: policy.id, GANTRY_RETRAINING_FIRING: input.firingId, GANTRY_RETRAINING_TRIGGER: input.trigger ?? 'schedule' },
  });
  return { jobId: job.id, evaluate: policy.evaluate, autoPromote: policy.autoPromote, reason: null };
}

/** The evaluation of the newly trained version (one per version per firing), or null when none is wanted. */
export async function findOrCreateRetrainingEvaluation(input: { orgId: string; policyId: string; modelVersionId: string }): Promise<{ evaluationId: string; jobId: string } | null> {
  const policy = await policyForRun(input.orgId, input.policyId);
  if (!policy) return null;
  const [existing] = await withTenant({ orgId: input.orgId, userId: null }, (tx) =>
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
  const { version } = await withTenant({ orgId: input.orgId, userId: ctx.actor.userId }, (tx) => findVersionById(tx, ctx, input.modelVersionId));
  const alias = policy.autoPromote ? 'champion' : 'challenger';
  await setModelAlias(ctx, { model: { modelId: version.modelId }, alias, version: version.version });
  return { alias, version: version.version };
}

import { listJobsOfRetrainingPolicies } from '../../core/training/list-training-jobs';
import { createRetrainingPolicy } from '../../core/retraining/create-retraining-policy';
import { deleteRetrainingPolicy } from '../../core/retraining/delete-retraining-policy';
import { listRetrainingPolicies, withSchedule, type RetrainingPolicyView } from '../../core/retraining/list-retraining-policies';
import { setRetrainingPaused } from '../../core/retraining/set-retraining-paused';
import { triggerRetraining } from '../../core/retraining/trigger-retraining';
import type { Builder } from '../builder';
import { pageArgs, toConnection } from '../pagination';
import { JobSpecInputs, JobTypeRef, toSpec } from './training-job';

export function register(builder: Builder) {
  const ScheduleStateEnum = builder.enumType('RetrainingScheduleState', {
    description: 'How the policy’s Temporal Schedule stands',
    values: {
      active: { description: 'The schedule runs the policy at its next run times' },
      paused: { description: 'The schedule is paused (as the policy normally is when `paused`)' },
      missing: { description: 'There is no schedule, so no scheduled runs happen; pausing and resuming the policy creates it again' },
      unknown: { description: 'The workflow service could not be reached: the next run times are unknown, not absent' },
    } as const,
  });

  const RetrainingPolicyRef = builder.objectRef<RetrainingPolicyView>('RetrainingPolicy').implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      modelId: t.exposeID('modelId'),
      name: t.exposeString('name'),
      cron: t.exposeString('cron'),
      timezone: t.exposeString('timezone'),
      evaluate: t.exposeBoolean('evaluate'),
      autoPromote: t.exposeBoolean('autoPromote'),
      paused: t.exposeBoolean('paused'),
      scheduleState: t.expose('scheduleState', { type: ScheduleStateEnum }),
      nextRunTimes: t.field({ type: ['DateTime'], description: 'The next (up to three) scheduled runs; empty when paused, and when `scheduleState` is `unknown`', resolve: (p) => p.nextRunTimes }),
      lastRunAt: t.expose('lastRunAt', { type: 'DateTime', nullable: true }),
      command: t.stringList({ resolve: (p) => [...((p.jobTemplate.command as string[]) ?? []), ...((p.jobTemplate.args as string[]) ?? [])] }),
      jobs: t.connection({
        type: JobTypeRef(builder),
        description: 'The jobs this policy started, newest first',
        resolve: async (p, args, ctx) => {
          const page = pageArgs(args);
          const tenant = await ctx.tenant();
          // Sibling policies ask for the same page, so the page is part of the batch's name.
          const rows = await ctx.batch(`retrainingJobs:${page.first}:${page.after ?? ''}`, p.id, (ids) => listJobsOfRetrainingPolicies(tenant, ids, page));
          return toConnection(rows ?? [], page.first, (j) => j.id);
        },
      }),
    }),
  });

  // ---- inputs -------------------------------------------------------------------------------
  const RetrainingInput = builder.inputType('CreateRetrainingPolicyInput', {
    fields: (t) => ({
      modelId: t.id({ required: true }),
      name: t.string(),
      jobTemplate: t.field({ type: JobSpecInputs(builder).JobTemplateInput, required: true }),
      artifactPath: t.string(),
      cron: t.string({ required: true, description: 'Five-field cron, e.g. "0 3 * * 1"' }),
      timezone: t.string(),
      evaluate: t.boolean(),
      autoPromote: t.boolean(),
    }),
  });

  // ---- queries ------------------------------------------------------------------------------
  builder.queryFields((t) => ({
    retrainingPolicies: t.field({
      type: [RetrainingPolicyRef],
      authScopes: { permission: 'model:read' },
      args: { modelId: t.arg.id({ required: true }) },
      resolve: async (_r, { modelId }, ctx) => listRetrainingPolicies(await ctx.tenant(), String(modelId)),
    }),
  }));

  // ---- mutations ----------------------------------------------------------------------------
  builder.mutationFields((t) => ({
    createRetrainingPolicy: t.field({
      type: RetrainingPolicyRef,
      authScopes: { permission: 'retraining:manage' },
      args: { input: t.arg({ type: RetrainingInput, required: true }) },
      resolve: async (_r, { input }, ctx) => {
        const c = await ctx.tenant();
        const p = await createRetrainingPolicy(c, {
          model: { modelId: String(input.modelId) },
          jobTemplate: toSpec(input.jobTemplate),
          cron: input.cron,
          ...(input.name ? { name: input.name } : {}),
          ...(input.artifactPath ? { artifactPath: input.artifactPath } : {}),
          ...(input.timezone ? { timezone: input.timezone } : {}),
          ...(input.evaluate != null ? { evaluate: input.evaluate } : {}),
          ...(input.autoPromote != null ? { autoPromote: input.autoPromote } : {}),
        });
        return withSchedule(p);
      },
    }),
    setRetrainingPaused: t.field({
      type: RetrainingPolicyRef,
      authScopes: { permission: 'retraining:manage' },
      args: { policyId: t.arg.id({ required: true }), paused: t.arg.boolean({ required: true }) },
      resolve: async (_r, args, ctx) => {
        const c = await ctx.tenant();
        return withSchedule(await setRetrainingPaused(c, { policyId: String(args.policyId), paused: args.paused }));
      },
    }),
    triggerRetraining: t.boolean({
      authScopes: { permission: 'retraining:manage' },
      description: 'Runs the policy now, outside its schedule (also when it is paused); each call is a new run',
      args: { policyId: t.arg.id({ required: true }) },
      resolve: async (_r, { policyId }, ctx) => {
        await triggerRetraining(await ctx.tenant(), { policyId: String(policyId) });
        return true;
      },
    }),
    deleteRetrainingPolicy: t.boolean({
      authScopes: { permission: 'retraining:manage' },
      args: { policyId: t.arg.id({ required: true }) },
      resolve: async (_r, { policyId }, ctx) => {
        await deleteRetrainingPolicy(await ctx.tenant(), { policyId: String(policyId) });
        return true;
      },
    }),
  }));
}

import { getRollout, listRollouts } from '../../core/serving/list-rollouts';
import type { RolloutView } from '../../core/serving/rollout-access';
import { abortRollout, approveRollout, pauseRollout, resumeRollout, skipRolloutAnalysis } from '../../core/serving/rollout-signals';
import { startRollout } from '../../core/serving/start-rollout';
import { ROLLOUT_PRESETS, ROLLOUT_STATES, type AnalysisThresholds, type ArmNumbers, type CheckResult, type RolloutPlan, type RolloutStep, type StepVerdict } from '../../rules/serving/rollout-plan';
import type { Builder } from '../builder';

export function register(builder: Builder) {
  const RolloutStateEnum = builder.enumType('RolloutState', { values: ROLLOUT_STATES });
  const RolloutPresetEnum = builder.enumType('RolloutPreset', { values: ROLLOUT_PRESETS, description: 'A named plan: standard (5→25→50→100%), quick (10→50→100%), careful (1→5→25→50→100% with approval)' });
  const VerdictOutcomeEnum = builder.enumType('RolloutVerdictOutcome', { values: ['passed', 'failed', 'skipped', 'timeout'] as const });

  const Step = builder.objectRef<RolloutStep>('RolloutStep').implement({
    fields: (t) => ({
      weight: t.exposeInt('weight', { description: 'Percent of requests the canary answers in this step; 100 is the promotion' }),
      minRequests: t.exposeInt('minRequests', { description: 'Canary requests the step needs before it is judged' }),
      minDurationSeconds: t.exposeInt('minDurationSeconds'),
    }),
  });
  const Thresholds = builder.objectRef<AnalysisThresholds>('RolloutThresholds').implement({
    fields: (t) => ({
      maxErrorRateIncrease: t.exposeFloat('maxErrorRateIncrease'),
      maxLatencyRatio: t.exposeFloat('maxLatencyRatio'),
      latencyToleranceMs: t.exposeFloat('latencyToleranceMs'),
      maxPredictionDistance: t.exposeFloat('maxPredictionDistance', { description: 'Largest two-sample KS distance between the canary’s and stable’s predictions' }),
      significance: t.exposeFloat('significance'),
      minShadowAgreement: t.exposeFloat('minShadowAgreement'),
    }),
  });
  const Plan = builder.objectRef<RolloutPlan>('RolloutPlan').implement({
    fields: (t) => ({
      steps: t.field({ type: [Step], resolve: (p) => p.steps }),
      thresholds: t.field({ type: Thresholds, resolve: (p) => p.thresholds }),
      requireApproval: t.exposeBoolean('requireApproval'),
      stepTimeoutSeconds: t.exposeInt('stepTimeoutSeconds'),
    }),
  });
  const Arm = builder.objectRef<ArmNumbers>('RolloutArmNumbers').implement({
    fields: (t) => ({
      requests: t.exposeInt('requests'),
      errors: t.exposeInt('errors'),
      errorRate: t.exposeFloat('errorRate', { nullable: true }),
      p95LatencyMs: t.exposeFloat('p95LatencyMs', { nullable: true }),
      samples: t.exposeInt('samples', { description: 'Sampled predictions the distribution check read' }),
      meanPrediction: t.exposeFloat('meanPrediction', { nullable: true }),
    }),
  });
  const Check = builder.objectRef<CheckResult>('RolloutCheck').implement({
    fields: (t) => ({
      name: t.exposeString('name', { description: 'error_rate, latency_p95, prediction_distance or shadow_agreement' }),
      value: t.exposeFloat('value', { nullable: true }),
      threshold: t.exposeFloat('threshold'),
      passed: t.exposeBoolean('passed'),
      detail: t.exposeString('detail'),
    }),
  });
  const Verdict = builder.objectRef<StepVerdict>('RolloutVerdict').implement({
    fields: (t) => ({
      step: t.exposeInt('step', { description: 'Index into the plan’s steps' }),
      weight: t.exposeInt('weight'),
      windowStart: t.field({ type: 'DateTime', resolve: (v) => new Date(v.from) }),
      windowEnd: t.field({ type: 'DateTime', resolve: (v) => new Date(v.to) }),
      canary: t.field({ type: Arm, resolve: (v) => v.canary }),
      stable: t.field({ type: Arm, resolve: (v) => v.stable }),
      checks: t.field({ type: [Check], resolve: (v) => v.checks }),
      ksDistance: t.float({ nullable: true, resolve: (v) => v.distance.ks }),
      ksPValue: t.float({ nullable: true, resolve: (v) => v.distance.pValue }),
      psi: t.float({ nullable: true, resolve: (v) => v.distance.psi }),
      shadowPairs: t.int({ resolve: (v) => v.shadowAgreement.pairs }),
      shadowAgreement: t.float({ nullable: true, resolve: (v) => v.shadowAgreement.agreement }),
      passed: t.exposeBoolean('passed'),
      outcome: t.field({ type: VerdictOutcomeEnum, resolve: (v) => v.outcome }),
      reason: t.exposeString('reason', { nullable: true }),
      skippedBy: t.string({ nullable: true, resolve: (v) => v.skippedBy ?? null }),
    }),
  });

  const RolloutRef = builder.objectRef<RolloutView>('Rollout').implement({
    description: 'A canary rollout of one model version on a deployment, run by the workflow `rollout/<deploymentId>/<n>`',
    fields: (t) => ({
      id: t.exposeID('id'),
      n: t.exposeInt('n', { description: '1, 2, … per deployment' }),
      deploymentId: t.exposeID('deploymentId'),
      deploymentName: t.exposeString('deploymentName'),
      workflowId: t.exposeString('workflowId'),
      fromVersion: t.exposeInt('fromVersion', { description: 'The stable version when the rollout started' }),
      toVersion: t.exposeInt('toVersion', { description: 'The canary' }),
      plan: t.field({ type: Plan, resolve: (r) => r.plan }),
      state: t.field({ type: RolloutStateEnum, resolve: (r) => r.state }),
      currentStep: t.exposeInt('currentStep', { description: 'Index into the plan’s steps; -1 before the first step takes traffic' }),
      currentWeight: t.exposeInt('currentWeight'),
      stepStartedAt: t.expose('stepStartedAt', { type: 'DateTime', nullable: true }),
      stepCanaryRequests: t.exposeInt('stepCanaryRequests', { nullable: true, description: 'Requests the canary answered in the current step so far' }),
      stepRequests: t.exposeInt('stepRequests', { nullable: true, description: 'All requests the deployment answered in the current step so far' }),
      verdicts: t.field({ type: [Verdict], resolve: (r) => r.verdicts }),
      approvedBy: t.exposeString('approvedBy', { nullable: true }),
      startedBy: t.exposeString('startedByLabel', { description: 'A person, or `system (rollout)` when an alias move started it' }),
      reason: t.exposeString('reason', { nullable: true }),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
      updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
      finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    }),
  });

  const StepInput = builder.inputType('RolloutStepInput', {
    fields: (t) => ({
      weight: t.int({ required: true }),
      minRequests: t.int({ required: false }),
      minDurationSeconds: t.int({ required: false }),
    }),
  });

  builder.queryFields((t) => ({
    rollouts: t.field({
      type: [RolloutRef],
      description: 'A deployment’s rollouts, newest first',
      authScopes: { permission: 'deployment:read' },
      args: { deploymentId: t.arg.id({ required: true }), limit: t.arg.int({ required: false }) },
      resolve: async (_r, a, ctx) => listRollouts(await ctx.tenant(), { deployment: { deploymentId: String(a.deploymentId) }, limit: a.limit ?? undefined }),
    }),
    rollout: t.field({
      type: RolloutRef,
      authScopes: { permission: 'deployment:read' },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_r, { id }, ctx) => getRollout(await ctx.tenant(), { rolloutId: String(id) }),
    }),
  }));

  const action = (description: string, fn: typeof approveRollout) =>
    builder.mutationField(description.split(':')[0]!, (t) =>
      t.field({
        type: RolloutRef,
        description: description.split(':').slice(1).join(':').trim(),
        authScopes: { permission: 'deployment:write' },
        args: { id: t.arg.id({ required: true }), reason: t.arg.string({ required: false }) },
        resolve: async (_r, a, ctx) => fn(await ctx.tenant(), { rolloutId: String(a.id), reason: a.reason }),
      }),
    );

  builder.mutationFields((t) => ({
    startRollout: t.field({
      type: RolloutRef,
      description:
        'Starts a canary rollout of a version on a deployment: a plan preset (standard when none) or steps written out, each step judged against the stable version before the next. One rollout per deployment at a time: while one runs this is a CONFLICT naming it. Fails whole (nothing recorded) when the workflow service is unreachable.',
      authScopes: { permission: 'deployment:write' },
      args: {
        deploymentId: t.arg.id({ required: true }),
        version: t.arg.int({ required: true }),
        preset: t.arg({ type: RolloutPresetEnum, required: false }),
        steps: t.arg({ type: [StepInput], required: false }),
        requireApproval: t.arg.boolean({ required: false }),
        reason: t.arg.string({ required: false }),
      },
      resolve: async (_r, a, ctx) =>
        startRollout(await ctx.tenant(), {
          deployment: { deploymentId: String(a.deploymentId) },
          version: a.version,
          preset: a.preset,
          plan: a.steps ? { steps: a.steps.map((s) => ({ weight: s.weight, minRequests: s.minRequests ?? undefined, minDurationSeconds: s.minDurationSeconds ?? undefined })) } : null,
          requireApproval: a.requireApproval,
          reason: a.reason,
        }),
    }),
  }));
  action('approveRollout: Lets the canary take all the traffic at the plan’s approval gate (given early, it is kept until the gate)', approveRollout);
  action('pauseRollout: Holds the canary at its current weight: no analysis and no next step until resumed', pauseRollout);
  action('resumeRollout: Continues a paused rollout', resumeRollout);
  action('abortRollout: Ends the rollout now, all traffic back on the stable version', abortRollout);
  action('skipRolloutAnalysis: Ends the current step’s wait and passes it without judging it (its numbers are still recorded)', skipRolloutAnalysis);
}

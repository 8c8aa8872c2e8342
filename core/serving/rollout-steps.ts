import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { and, eq, gte, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { deployments, modelVersions, predictions, rollouts, type Rollout } from '../../db/schema';
import { earlyFailure, firstNumericOutput, isRolloutEnded, judgeStep, outputsAgree, type ArmSample, type RolloutState, type StepVerdict } from '../../rules/serving/rollout-plan';
import { policyVersions, promoteCanary, rollBackCanary, stableOnly, withCanary, type TrafficPolicy } from '../../rules/serving/routing';
import type { ArtifactStore } from '../artifacts/artifact-store';
import { artifactStore } from '../artifacts/store-from-config';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { createLogger } from '../observability/logger';
import { awaitRecorded } from '../orchestration/record-then-start';
import { setModelAlias } from '../registry/set-model-alias';
import { systemContext, type SystemContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseTraffic } from './access';
import type { ModelRuntime } from './model-runtime';
import { findRollout, requestsSince } from './rollout-access';
import { localRuntimes } from './runtimes';
import { downloadModelDir, servingPlan, type ServingRuntimeKind } from './servable';

/**
 * The steps of `canaryRolloutWorkflow`, each run as one activity, each idempotent: keyed on the
 * rollout and its step, so a step retried after a crash finds what the first attempt did. They act as
 * `system (rollout)`; every traffic change is audited as the system, with the rollout's ID.
 */

const log = createLogger('rollout');

export interface RolloutRef {
  rolloutId: string;
  orgId: string;
}

export interface RolloutStepDeps {
  store?: ArtifactStore;
  runtimes?: Partial<Record<ServingRuntimeKind, ModelRuntime>>;
  pollIntervalMs?: number;
  /** How often a step that has its minimum requests but not yet its minimum duration is judged on what it has so far. */
  earlyCheckIntervalMs?: number;
}

const system = (ref: RolloutRef): SystemContext => systemContext(ref.orgId, 'rollout', ref.rolloutId);

/** What the workflow needs to run the plan, once the transaction that started it has ended; null when it never committed. */
export async function prepareRollout(ref: RolloutRef & { workflowId: string }): Promise<Pick<Rollout, 'plan' | 'deploymentId' | 'toVersion' | 'fromVersion' | 'toVersionId' | 'fromVersionId' | 'state'> | null> {
  const ctx = system(ref);
  await withTenant(ctx, (tx) => awaitRecorded(tx, ref.workflowId));
  return withTenant(ctx, async (tx) => {
    const [r] = await tx.select().from(rollouts).where(and(eq(rollouts.orgId, ref.orgId), eq(rollouts.id, ref.rolloutId)));
    return r ? { plan: r.plan, deploymentId: r.deploymentId, toVersion: r.toVersion, fromVersion: r.fromVersion, toVersionId: r.toVersionId, fromVersionId: r.fromVersionId, state: r.state } : null;
  });
}

/**
 * Loads the canary's version with the runtime a gateway would use (the same plan, files and
 * `accepts`/`load`), then lets it go: a version that cannot load fails the rollout here, before it
 * takes any traffic. Gateways load it themselves once the policy names it.
 */
export async function provisionRolloutVersion(ref: RolloutRef, deps: RolloutStepDeps = {}): Promise<{ ok: true; runtime: string } | { ok: false; reason: string }> {
  const ctx = system(ref);
  const version = await withTenant(ctx, async (tx) => {
    const r = await findRollout(tx, ctx, ref.rolloutId);
    const [v] = await tx.select().from(modelVersions).where(eq(modelVersions.id, r.toVersionId));
    return v;
  });
  if (!version) return { ok: false, reason: 'the version to roll out no longer exists' };
  const store = deps.store ?? artifactStore();
  const plan = await servingPlan(store, version);
  if (!plan.ok) return { ok: false, reason: plan.reason };
  const runtime = (deps.runtimes ?? localRuntimes())[plan.runtime];
  if (!runtime) return { ok: false, reason: `version ${version.version} needs the ${plan.runtime} runtime, which the gateway does not run` };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-provision-'));
  try {
    const modelDir = path.join(dir, 'model');
    await downloadModelDir(store, plan.modelKey, modelDir);
    const spec = { versionId: version.id, modelDir, framework: version.framework };
    const accepted = await runtime.accepts(spec);
    if (!accepted.ok) return { ok: false, reason: accepted.reason };
    try {
      const model = await runtime.load(spec);
      const ready = await model.ready();
      await model.close();
      if (!ready) return { ok: false, reason: `version ${version.version} loaded but did not become ready` };
    } catch (e) {
      return { ok: false, reason: `version ${version.version} did not load: ${e instanceof Error ? e.message : String(e)}`.slice(0, 1000) };
    }
    return { ok: true, runtime: plan.runtime };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The rollout and its deployment, both locked: every step that changes traffic takes them in this order. */
async function lockBoth(tx: Tx, ref: RolloutRef) {
  const r = await findRollout(tx, system(ref), ref.rolloutId, { forUpdate: true });
  const [dep] = await tx.select().from(deployments).where(eq(deployments.id, r.deploymentId)).for('update');
  if (!dep) throw new AppError('NOT_FOUND', 'The rollout’s deployment was deleted');
  return { r, dep };
}

async function writeTraffic(tx: Tx, ref: RolloutRef, depId: string, policy: TrafficPolicy, why: Record<string, unknown>): Promise<void> {
  await tx
    .update(deployments)
    .set({ traffic: policy, trafficGeneration: sql`${deployments.trafficGeneration} + 1`, updatedAt: new Date() })
    .where(eq(deployments.id, depId));
  await recordAudit(tx, system(ref), {
    action: 'deployment.traffic',
    targetType: 'deployment',
    targetId: depId,
    data: { rolloutId: ref.rolloutId, ...why, arms: policy.arms.map((a) => ({ version: a.version, weight: a.weight, role: a.role })), shadows: policy.shadows.map((s) => s.version) },
  });
}

/**
 * Sends the canary the step's weight (the stable version keeps the rest) and starts the step's
 * window. A retry of the same step finds it already set and returns the window's start unchanged.
 */
export async function setRolloutStep(ref: RolloutRef & { step: number }): Promise<{ stepStartedAt: string; weight: number }> {
  return withTenant(system(ref), async (tx) => {
    const { r, dep } = await lockBoth(tx, ref);
    if (isRolloutEnded(r.state)) throw new AppError('CONFLICT', `The rollout has ended (${r.state})`);
    const step = r.plan.steps[ref.step];
    if (!step) throw new AppError('BAD_USER_INPUT', `The plan has no step ${ref.step + 1}`);
    if (r.currentStep === ref.step && r.stepStartedAt) return { stepStartedAt: r.stepStartedAt.toISOString(), weight: r.currentWeight };
    const policy = withCanary(parseTraffic(dep), { versionId: r.toVersionId, version: r.toVersion }, step.weight);
    await writeTraffic(tx, ref, dep.id, policy, { step: ref.step + 1, weight: step.weight });
    const now = new Date();
    await tx.update(rollouts).set({ state: 'stepping', currentStep: ref.step, currentWeight: step.weight, stepStartedAt: now, updatedAt: now }).where(eq(rollouts.id, r.id));
    return { stepStartedAt: now.toISOString(), weight: step.weight };
  });
}

/** Records a state the workflow is in (paused, awaiting approval, back to stepping); an ended rollout stays ended. */
export async function recordRolloutState(ref: RolloutRef & { state: Extract<RolloutState, 'stepping' | 'analysing' | 'paused' | 'awaiting_approval'> }): Promise<void> {
  await withTenant(system(ref), async (tx) => {
    const r = await findRollout(tx, system(ref), ref.rolloutId, { forUpdate: true });
    if (isRolloutEnded(r.state) || r.state === ref.state) return;
    await tx.update(rollouts).set({ state: ref.state, updatedAt: new Date() }).where(eq(rollouts.id, r.id));
  });
}

/**
 * Waits until the step has seen its minimum canary requests and lasted its minimum duration, or its
 * timeout passes; `heartbeat` is called on every poll (the activity's proof of life), `signal` ends the
 * wait early. Counting from the step's start again after a crash gives the same answer.
 *
 * Failing needs less than passing: once the canary has answered the step's minimum requests, the
 * window so far is judged every few seconds, and a judgement that fails on evidence of its own
 * (`earlyFailure`: errors, prediction distance, shadow agreement; not latency) ends the wait at once
 * (`failingEarly`), so the analysis that follows rolls a bad canary back without sitting out the
 * rest of the step's minimum duration. A judgement that passes never shortens the step.
 */
export async function awaitStepTraffic(
  ref: RolloutRef & { since: string; minRequests: number; minDurationSeconds: number; timeoutSeconds: number },
  deps: RolloutStepDeps,
  hooks: { heartbeat: (details: unknown) => void; signal?: AbortSignal },
): Promise<{ canaryRequests: number; reached: boolean; failingEarly?: string }> {
  const since = new Date(ref.since);
  const ctx = system(ref);
  const r = await withTenant(ctx, (tx) => findRollout(tx, ctx, ref.rolloutId));
  const poll = deps.pollIntervalMs ?? 500;
  const earlyEvery = deps.earlyCheckIntervalMs ?? 5_000;
  let lastEarlyCheck = 0;
  for (;;) {
    const { canary } = await withTenant(ctx, (tx) => requestsSince(tx, r, since));
    const elapsed = (Date.now() - since.getTime()) / 1000;
    hooks.heartbeat({ canaryRequests: canary, elapsedSeconds: Math.round(elapsed) });
    if (canary >= ref.minRequests && elapsed >= ref.minDurationSeconds) return { canaryRequests: canary, reached: true };
    if (elapsed >= ref.timeoutSeconds) return { canaryRequests: canary, reached: false };
    if (canary >= ref.minRequests && Date.now() - lastEarlyCheck >= earlyEvery) {
      lastEarlyCheck = Date.now();
      const to = new Date();
      const window = await withTenant(ctx, (tx) => readWindow(tx, r, since, to));
      // Only the checks are used here; the step's verdict is the analysis's to record.
      const failing = earlyFailure(judgeStep({ step: 0, weight: 0, window: { from: since.toISOString(), to: to.toISOString() }, ...window, thresholds: r.plan.thresholds }));
      if (failing) {
        log.info('rollout step failing before its minimum duration', { rolloutId: r.id, elapsedSeconds: Math.round(elapsed), reason: failing });
        return { canaryRequests: canary, reached: true, failingEarly: failing };
      }
    }
    if (hooks.signal?.aborted) throw hooks.signal.reason instanceof Error ? hooks.signal.reason : new Error('the wait was stopped');
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        hooks.signal?.removeEventListener('abort', wake);
        resolve();
      }, poll);
      hooks.signal?.addEventListener('abort', wake, { once: true });
    });
  }
}

/** Answers at the start of an arm's window that its latency leaves out (warm-up). */
const WARMUP_ANSWERS = 5;

/** At most this many sampled predictions per arm are compared (the newest). */
const MAX_SAMPLES = 5_000;

/** What the stable version and the canary answered in the window, read from the prediction log. */
async function readWindow(tx: Tx, r: Rollout, from: Date, to: Date): Promise<{ stable: ArmSample; canary: ArmSample; shadowPairs: { agreed: number; total: number } }> {
  const inWindow = and(eq(predictions.orgId, r.orgId), eq(predictions.deploymentId, r.deploymentId), gte(predictions.at, from), lt(predictions.at, to));
  const arms = [
    { key: 'stable' as const, arm: 'stable', version: r.fromVersion },
    { key: 'canary' as const, arm: 'canary', version: r.toVersion },
  ];
  const out = {} as Record<'stable' | 'canary', ArmSample>;
  for (const a of arms) {
    const where = and(inWindow, eq(predictions.arm, a.arm), eq(predictions.version, a.version));
    const [agg] = await tx
      .select({ requests: sql<number>`count(*)::int`, errors: sql<number>`(count(*) filter (where ${predictions.status} >= 500))::int` })
      .from(predictions)
      .where(where);
    const lat = await tx.select({ ms: predictions.latencyMs }).from(predictions).where(and(where, lt(predictions.status, 500))).orderBy(sql`${predictions.at} desc`).limit(50_000);
    // A version's first answers after it is loaded (a new session's first runs) are slow whatever the
    // model: the oldest few of each arm's window are left out of its latency.
    if (lat.length > WARMUP_ANSWERS * 2) lat.splice(lat.length - WARMUP_ANSWERS, WARMUP_ANSWERS);
    const sampled = await tx
      .select({ outputs: predictions.outputs })
      .from(predictions)
      .where(and(where, isNotNull(predictions.outputs), eq(predictions.status, 200)))
      .orderBy(sql`${predictions.at} desc`)
      .limit(MAX_SAMPLES);
    out[a.key] = {
      requests: agg?.requests ?? 0,
      errors: agg?.errors ?? 0,
      latenciesMs: lat.map((l) => l.ms),
      predictions: sampled.flatMap((s) => firstNumericOutput(s.outputs) ?? []),
    };
  }
  // Shadow agreement: the canary's version mirrored on requests the stable version answered.
  const shadows = await tx
    .select({ requestId: predictions.requestId, outputs: predictions.outputs })
    .from(predictions)
    .where(and(inWindow, eq(predictions.arm, 'shadow'), eq(predictions.version, r.toVersion), isNotNull(predictions.outputs)))
    .limit(MAX_SAMPLES);
  let agreed = 0;
  let total = 0;
  if (shadows.length) {
    const answered = await tx
      .select({ requestId: predictions.requestId, outputs: predictions.outputs })
      .from(predictions)
      .where(and(inWindow, eq(predictions.arm, 'stable'), eq(predictions.version, r.fromVersion), isNotNull(predictions.outputs), inArray(predictions.requestId, shadows.map((s) => s.requestId))));
    const byRequest = new Map(answered.map((a) => [a.requestId, firstNumericOutput(a.outputs)]));
    for (const s of shadows) {
      const stable = byRequest.get(s.requestId);
      const mine = firstNumericOutput(s.outputs);
      if (!stable || !mine) continue;
      total++;
      if (outputsAgree(stable, mine)) agreed++;
    }
  }
  return { ...out, shadowPairs: { agreed, total } };
}

/**
 * Judges a step over its window (from its start to now): canary against stable. The verdict, with
 * its numbers, replaces any earlier verdict of the same step (a retried analysis). `skippedBy` records
 * a person's skip (the numbers are kept, the step passes); `timedOut` a step that never saw its
 * minimum requests (it fails: too little evidence to promote on).
 */
export async function analyseRolloutStep(ref: RolloutRef & { step: number; since: string; skippedBy?: string | null; timedOut?: { canaryRequests: number } | null }): Promise<Pick<StepVerdict, 'passed' | 'outcome' | 'reason'>> {
  const ctx = system(ref);
  await recordRolloutState({ ...ref, state: 'analysing' });
  return withTenant(ctx, async (tx) => {
    const r = await findRollout(tx, ctx, ref.rolloutId, { forUpdate: true });
    const existing = r.verdicts.find((v) => v.step === ref.step);
    if (existing) return { passed: existing.passed, outcome: existing.outcome, reason: existing.reason };
    const from = new Date(ref.since);
    const to = new Date();
    const step = r.plan.steps[ref.step]!;
    const window = await readWindow(tx, r, from, to);
    let verdict = judgeStep({ step: ref.step, weight: step.weight, window: { from: from.toISOString(), to: to.toISOString() }, ...window, thresholds: r.plan.thresholds });
    if (ref.skippedBy) {
      verdict = { ...verdict, passed: true, outcome: 'skipped', reason: `analysis skipped by ${ref.skippedBy}`, skippedBy: ref.skippedBy };
    } else if (ref.timedOut) {
      verdict = {
        ...verdict,
        passed: false,
        outcome: 'timeout',
        reason: `the canary answered ${ref.timedOut.canaryRequests} of the ${step.minRequests} requests step ${ref.step + 1} needs within ${r.plan.stepTimeoutSeconds} s`,
      };
    }
    await tx
      .update(rollouts)
      .set({ verdicts: [...r.verdicts, verdict], updatedAt: new Date() })
      .where(eq(rollouts.id, r.id));
    log.info('rollout step analysed', { rolloutId: r.id, step: ref.step + 1, outcome: verdict.outcome, reason: verdict.reason });
    return { passed: verdict.passed, outcome: verdict.outcome, reason: verdict.reason };
  });
}

export type RolloutOutcome = Extract<RolloutState, 'promoted' | 'rolled_back' | 'aborted' | 'failed'>;

/**
 * Ends the rollout. Promoted: the canary becomes the stable version with all the traffic, and a
 * deployment that follows an alias has the alias moved to it (through the registry's own use case, as
 * the system). Otherwise: all traffic back on the stable version, the canary out of the policy. A
 * rollout already ended is left as it is (a retried step); the alias move is retried regardless.
 */
export async function finishRollout(ref: RolloutRef & { outcome: RolloutOutcome; reason: string | null }): Promise<{ state: RolloutState; reason: string | null; trafficGeneration: number }> {
  const ctx = system(ref);
  const done = await withTenant(ctx, async (tx) => {
    const { r, dep } = await lockBoth(tx, ref);
    if (isRolloutEnded(r.state)) return { r, dep, generation: dep.trafficGeneration };
    const policy = parseTraffic(dep);
    const canary = policy.arms.find((a) => a.role === 'canary');
    let next: TrafficPolicy | null = null;
    if (ref.outcome === 'promoted') {
      if (canary?.versionId === r.toVersionId) next = promoteCanary(policy);
      else if (!policy.arms.some((a) => a.role === 'stable' && a.versionId === r.toVersionId))
        next = { ...stableOnly({ versionId: r.toVersionId, version: r.toVersion }), sticky: policy.sticky, shadows: policy.shadows.filter((s) => s.versionId !== r.toVersionId) };
    } else if (canary?.versionId === r.toVersionId) {
      next = rollBackCanary(policy);
    }
    if (next) await writeTraffic(tx, ref, dep.id, next, { outcome: ref.outcome });
    const now = new Date();
    const [ended] = await tx
      .update(rollouts)
      .set({ state: ref.outcome, reason: ref.reason ?? r.reason, currentWeight: ref.outcome === 'promoted' ? 100 : 0, finishedAt: now, updatedAt: now })
      .where(eq(rollouts.id, r.id))
      .returning();
    await recordAudit(tx, ctx, {
      action: `rollout.${ref.outcome}`,
      targetType: 'deployment',
      targetId: dep.id,
      data: { rolloutId: r.id, n: r.n, from: r.fromVersion, to: r.toVersion, reason: ref.reason, versions: policyVersions(next ?? policy).map((v) => v.version) },
    });
    return { r: ended!, dep, generation: dep.trafficGeneration + (next ? 1 : 0) };
  });
  if (done.r.state === 'promoted' && done.dep.followAlias) {
    try {
      await setModelAlias(ctx, { model: { modelId: done.dep.modelId }, alias: done.dep.followAlias, version: done.r.toVersion });
    } catch (e) {
      // The traffic moved; an alias the rules keep from moving (a protected alias whose evaluation
      // requirement the version does not meet) stays, and the log says why.
      log.warn('a promoted rollout could not move the alias its deployment follows', { rolloutId: ref.rolloutId, alias: done.dep.followAlias, err: e });
    }
  }
  return { state: done.r.state, reason: done.r.reason, trafficGeneration: done.generation };
}

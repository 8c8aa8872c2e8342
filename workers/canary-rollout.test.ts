import path from 'node:path';
import type { Client } from '@temporalio/client';
import { and, eq, min } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../core/auth/create-api-key';
import { AppError } from '../core/errors';
import { listAuditEvents } from '../core/governance/audit-log';
import { setModelAlias } from '../core/registry/set-model-alias';
import { createDeployment } from '../core/serving/create-deployment';
import { getDeployment } from '../core/serving/get-deployment';
import { getRollout, listRollouts } from '../core/serving/list-rollouts';
import { abortRollout, approveRollout, pauseRollout, resumeRollout, skipRolloutAnalysis } from '../core/serving/rollout-signals';
import { startRollout } from '../core/serving/start-rollout';
import type { Gateway } from '../core/serving/gateway/server';
import { systemContext } from '../core/tenancy/context';
import { withTenant } from '../core/tenancy/with-tenant';
import { predictions } from '../db/schema';
import type { RolloutPlanInput } from '../rules/serving/rollout-plan';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { churnTrafficRows, startTestGateway, startTraffic, type TrafficGenerator } from '../testing/rollout-traffic';
import { churnRows, registerModelDir, writeChurnModel } from '../testing/serving-models';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';
import { waitFor } from '../testing/wait-for';
import { replayRuns } from './histories';

/**
 * Canary rollouts on a real Temporal dev server and PostgreSQL, with an in-process gateway serving
 * real ONNX churn models and callers sending it requests the whole time. A version with the stable
 * one's coefficients is a good canary; the same model with a large bias (it says "churn" to
 * everyone) is a bad one.
 */

let platform: TemporalPlatform;
let client: Client;
let A: SignedUp;
let gateway: Gateway;
let traffic: TrafficGenerator;
const runs: { label: string; workflowId: string }[] = [];

/** Small steps so the tests stay quick: each needs 40 canary requests and 2 seconds. */
const PLAN: RolloutPlanInput = {
  steps: [
    { weight: 25, minRequests: 40, minDurationSeconds: 2 },
    { weight: 50, minRequests: 40, minDurationSeconds: 2 },
    { weight: 100, minRequests: 1, minDurationSeconds: 1 },
  ],
  stepTimeoutSeconds: 60,
};

async function code(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return { code: (e as AppError).code, message: (e as AppError).message };
}

const finished = (workflowId: string, label: string) => {
  runs.push({ label, workflowId });
  return client.workflow.getHandle(workflowId).result();
};

const traffic100 = async (name: string) => (await getDeployment(A.ctx, { name })).traffic;

beforeAll(async () => {
  platform = await startTemporalPlatform('rollout', { ARTIFACT_STORE: 'filesystem' });
  ({ client } = platform);
  await platform.startWorker();
  A = await signUpUser('rollout');
  const home = path.join(platform.dir, 'models');
  const rows = churnRows(4, 5);
  // v1 and v2: the same coefficients (a good canary); v3: the same with a bias of 4 (a bad one); v4: good again.
  for (const [n, opts] of [
    [1, { seed: 1, bias: 0.3 }],
    [2, { seed: 1, bias: 0.3 }],
    [3, { seed: 1, bias: 4 }],
    [4, { seed: 1, bias: 0.3 }],
  ] as const) {
    const m = writeChurnModel(path.join(home, `v${n}`), { ...opts, rows });
    await registerModelDir(A.ctx, { model: 'churn', dir: m.dir });
  }
  await createDeployment(A.ctx, { name: 'churn', model: { name: 'churn' }, version: 1, sampleRate: 1 });
  await setModelAlias(A.ctx, { model: { name: 'churn' }, alias: 'champion', version: 1 });
  await createDeployment(A.ctx, { name: 'churn-auto', model: { name: 'churn' }, alias: 'champion', autoRollout: true, sampleRate: 1 });
  const key = (await createApiKey(A.ctx, { name: 'callers', scopes: ['inference'] })).secret;
  let url: string;
  ({ gateway, url } = await startTestGateway(platform.dir));
  traffic = startTraffic({ url, key, deployments: ['churn'], rows: churnTrafficRows(1, 400) });
}, 240_000);

afterAll(async () => {
  await traffic?.stop();
  await gateway?.close();
  await platform?.stop();
});

describe('a canary rollout', () => {
  it('promotes a good canary by itself through every step', async () => {
    const before = await getDeployment(A.ctx, { name: 'churn' });
    const ro = await startRollout(A.ctx, { deployment: { name: 'churn' }, version: 2, plan: PLAN });
    expect(ro).toMatchObject({ n: 1, fromVersion: 1, toVersion: 2, state: 'provisioning', workflowId: `rollout/${before.id}/1` });
    expect(await finished(ro.workflowId, 'rollout-promoted'), JSON.stringify((await getRollout(A.ctx, { rolloutId: ro.id })).verdicts)).toMatchObject({ state: 'promoted' });

    const done = await getRollout(A.ctx, { rolloutId: ro.id });
    expect(done.state).toBe('promoted');
    expect(done.verdicts.map((v) => [v.weight, v.outcome])).toEqual([
      [25, 'passed'],
      [50, 'passed'],
    ]);
    for (const v of done.verdicts) {
      expect(v.canary.requests).toBeGreaterThanOrEqual(40);
      expect(v.stable.requests).toBeGreaterThan(0);
      expect(v.checks.map((c) => c.name)).toEqual(['error_rate', 'latency_p95', 'prediction_distance', 'shadow_agreement']);
      expect(v.distance.ks).not.toBeNull();
    }
    const after = await getDeployment(A.ctx, { name: 'churn' });
    expect(after.traffic.arms).toEqual([{ versionId: ro.toVersionId, version: 2, weight: 100, role: 'stable' }]);
    // Two steps and the promotion, each one generation.
    expect(after.trafficGeneration).toBe(before.trafficGeneration + 3);
    // Every traffic change is the system's, naming the rollout.
    const events = await listAuditEvents(A.ctx, { first: 50 }, { actions: ['deployment.traffic', 'rollout.*'] });
    const mine = events.filter((e) => (e.data as { rolloutId?: string } | null)?.rolloutId === ro.id);
    expect(mine.map((e) => [e.action, e.actorLabel]).reverse()).toEqual([
      ['rollout.start', A.actor.email],
      ['deployment.traffic', 'system (rollout)'],
      ['deployment.traffic', 'system (rollout)'],
      ['deployment.traffic', 'system (rollout)'],
      ['rollout.promoted', 'system (rollout)'],
    ]);
  }, 120_000);

  it('rolls a bad canary back by itself at its first analysis, with the distance in the verdict', async () => {
    const ro = await startRollout(A.ctx, { deployment: { name: 'churn' }, version: 3, plan: PLAN });
    expect(await finished(ro.workflowId, 'rollout-rolled-back'), JSON.stringify((await getRollout(A.ctx, { rolloutId: ro.id })).verdicts)).toMatchObject({ state: 'rolled_back' });
    const done = await getRollout(A.ctx, { rolloutId: ro.id });
    expect(done.state).toBe('rolled_back');
    expect(done.verdicts).toHaveLength(1);
    const [v] = done.verdicts;
    expect(v).toMatchObject({ step: 0, weight: 25, outcome: 'failed', passed: false });
    const distance = v!.checks.find((c) => c.name === 'prediction_distance')!;
    expect(distance.passed).toBe(false);
    expect(distance.value!).toBeGreaterThan(0.5);
    expect(v!.distance.pValue!).toBeLessThan(0.01);
    expect(v!.distance.psi!).toBeGreaterThan(0.25);
    expect(v!.canary.meanPrediction!).toBeGreaterThan(v!.stable.meanPrediction!);
    // Its latency may fail too (a version's first answers after loading are slow); the distance always does.
    expect(done.reason).toMatch(/^step 1 \(25%\) failed its analysis: (.*; )?prediction distance: KS distance/);
    expect((await traffic100('churn')).arms).toEqual([{ versionId: done.fromVersionId, version: 2, weight: 100, role: 'stable' }]);

    // From the bad canary's first answer to all traffic back on stable.
    const [first] = await withTenant(systemContext(A.orgId, 'rollout', 'test'), (tx) =>
      tx
        .select({ at: min(predictions.at) })
        .from(predictions)
        .where(and(eq(predictions.deploymentId, done.deploymentId), eq(predictions.arm, 'canary'), eq(predictions.version, 3))),
    );
    console.log(`bad canary: first canary answer to 100% stable in ${((done.finishedAt!.getTime() - first!.at!.getTime()) / 1000).toFixed(2)} s (step minimum 2 s, 40 requests)`);
  }, 120_000);

  it('obeys pause, resume, skip analysis, approval and abort, and refuses a second rollout while one runs', async () => {
    // A good canary behind an approval gate, paused as soon as it takes traffic.
    const good = await startRollout(A.ctx, { deployment: { name: 'churn' }, version: 4, plan: { ...PLAN, requireApproval: true } });
    await waitFor('the first step', async () => (await getRollout(A.ctx, { rolloutId: good.id })).state === 'stepping');
    const conflict = await code(startRollout(A.ctx, { deployment: { name: 'churn' }, version: 3 }));
    expect(conflict.code).toBe('CONFLICT');
    expect(conflict.message).toContain(good.id);
    expect(conflict.message).toMatch(/Rollout #3 .* of version 4/);

    await pauseRollout(A.ctx, { rolloutId: good.id });
    await waitFor('the pause', async () => (await getRollout(A.ctx, { rolloutId: good.id })).state === 'paused');
    expect((await code(pauseRollout(A.ctx, { rolloutId: good.id }))).code).toBe('CONFLICT');
    // Paused: the step's requirements are met meanwhile, yet nothing is judged and the weight stays.
    await waitFor('the step to be long done', async () => ((await getRollout(A.ctx, { rolloutId: good.id })).stepCanaryRequests ?? 0) >= 120, 60_000);
    const held = await getRollout(A.ctx, { rolloutId: good.id });
    expect(held).toMatchObject({ state: 'paused', currentStep: 0, currentWeight: 25, verdicts: [] });
    expect((await traffic100('churn')).arms.map((a) => [a.version, a.weight])).toEqual([
      [2, 75],
      [4, 25],
    ]);
    await resumeRollout(A.ctx, { rolloutId: good.id });
    await waitFor('the approval gate', async () => (await getRollout(A.ctx, { rolloutId: good.id })).state === 'awaiting_approval', 60_000);
    expect((await traffic100('churn')).arms.map((a) => [a.version, a.weight])).toEqual([
      [2, 50],
      [4, 50],
    ]);
    await approveRollout(A.ctx, { rolloutId: good.id });
    expect(await finished(good.workflowId, 'rollout-approved')).toMatchObject({ state: 'promoted' });
    expect((await getRollout(A.ctx, { rolloutId: good.id })).approvedBy).toBe(A.actor.email);
    expect((await code(abortRollout(A.ctx, { rolloutId: good.id }))).code).toBe('CONFLICT');

    // A bad canary whose steps wait for more requests than will come: skipped, then aborted.
    const slow = { steps: [{ weight: 10, minRequests: 1_000_000, minDurationSeconds: 1 }, { weight: 20, minRequests: 1_000_000, minDurationSeconds: 1 }, { weight: 100 }], stepTimeoutSeconds: 600 };
    const bad = await startRollout(A.ctx, { deployment: { name: 'churn' }, version: 3, plan: slow });
    await waitFor('the first step', async () => (await getRollout(A.ctx, { rolloutId: bad.id })).state === 'stepping');
    await skipRolloutAnalysis(A.ctx, { rolloutId: bad.id });
    await waitFor('the second step', async () => (await getRollout(A.ctx, { rolloutId: bad.id })).currentStep === 1);
    const skipped = await getRollout(A.ctx, { rolloutId: bad.id });
    expect(skipped.verdicts).toHaveLength(1);
    expect(skipped.verdicts[0]).toMatchObject({ outcome: 'skipped', passed: true, skippedBy: A.actor.email });
    expect((await traffic100('churn')).arms.map((a) => [a.version, a.weight])).toEqual([
      [4, 80],
      [3, 20],
    ]);
    await abortRollout(A.ctx, { rolloutId: bad.id, reason: 'enough' });
    expect(await finished(bad.workflowId, 'rollout-skipped-aborted')).toMatchObject({ state: 'aborted' });
    const aborted = await getRollout(A.ctx, { rolloutId: bad.id });
    expect(aborted.reason).toBe(`aborted by ${A.actor.email}: enough`);
    expect((await traffic100('churn')).arms.map((a) => [a.version, a.weight])).toEqual([[4, 100]]);

    // Each hand on a rollout is audited as the person.
    const events = await listAuditEvents(A.ctx, { first: 100 }, { actions: ['rollout.*'] });
    const acts = events.filter((e) => [good.id, bad.id].includes((e.data as { rolloutId?: string }).rolloutId ?? '') && e.actorLabel === A.actor.email).map((e) => e.action);
    expect(acts.reverse()).toEqual(['rollout.start', 'rollout.pause', 'rollout.resume', 'rollout.approve', 'rollout.start', 'rollout.skip_analysis', 'rollout.abort']);
    expect((await listRollouts(A.ctx, { deployment: { name: 'churn' } })).map((r) => [r.n, r.state])).toEqual([
      [4, 'aborted'],
      [3, 'promoted'],
      [2, 'rolled_back'],
      [1, 'promoted'],
    ]);
  }, 180_000);

  it('refuses what cannot be rolled out, with the reason, recording nothing', async () => {
    const before = (await listRollouts(A.ctx, { deployment: { name: 'churn' } })).length;
    const stable = (await traffic100('churn')).arms.find((a) => a.role === 'stable')!.version;
    expect(await code(startRollout(A.ctx, { deployment: { name: 'churn' }, version: stable }))).toMatchObject({ code: 'BAD_USER_INPUT', message: `Version ${stable} is already the stable version of 'churn'` });
    expect((await code(startRollout(A.ctx, { deployment: { name: 'churn' }, version: 99 }))).code).toBe('NOT_FOUND');
    expect((await code(startRollout(A.ctx, { deployment: { name: 'nope' }, version: 2 }))).code).toBe('NOT_FOUND');
    expect(await code(startRollout(A.ctx, { deployment: { name: 'churn' }, version: 2, plan: { steps: [{ weight: 50 }, { weight: 20 }] } }))).toMatchObject({ code: 'BAD_USER_INPUT', message: 'Step weights must grow from step to step' });
    expect(await code(startRollout(A.ctx, { deployment: { name: 'churn' }, version: 2, preset: 'quick', plan: PLAN }))).toMatchObject({ code: 'BAD_USER_INPUT', message: 'Give a plan preset or a plan, not both' });
    expect((await listRollouts(A.ctx, { deployment: { name: 'churn' } })).length).toBe(before);
  });

  it('starts a rollout by itself when the alias a deployment follows moves', async () => {
    await setModelAlias(A.ctx, { model: { name: 'churn' }, alias: 'champion', version: 2 });
    const [auto] = await listRollouts(A.ctx, { deployment: { name: 'churn-auto' } });
    expect(auto).toMatchObject({ n: 1, fromVersion: 1, toVersion: 2, startedByLabel: 'system (rollout)', startedBy: null, reason: '@champion moved to version 2' });
    await abortRollout(A.ctx, { rolloutId: auto!.id });
    expect(await finished(auto!.workflowId, 'rollout-auto-aborted')).toMatchObject({ state: 'aborted' });
    expect((await traffic100('churn-auto')).arms.map((a) => [a.version, a.weight])).toEqual([[1, 100]]);
  }, 60_000);

  it('rolls a bad canary back as soon as its step has its minimum requests, while a good one still sits out its minimum duration', async () => {
    const seconds = (v: { from: string; to: string }) => (new Date(v.to).getTime() - new Date(v.from).getTime()) / 1000;
    // A first step of two minutes: the bad canary fails on its first 40 requests, long before that.
    const long = { steps: [{ weight: 25, minRequests: 40, minDurationSeconds: 120 }, { weight: 100 }], stepTimeoutSeconds: 300 };
    const bad = await startRollout(A.ctx, { deployment: { name: 'churn' }, version: 3, plan: long });
    expect(await finished(bad.workflowId, 'rollout-failed-early')).toMatchObject({ state: 'rolled_back' });
    const [failed] = (await getRollout(A.ctx, { rolloutId: bad.id })).verdicts;
    expect(failed).toMatchObject({ step: 0, outcome: 'failed', passed: false });
    expect(failed!.reason).toMatch(/prediction distance/);
    expect(failed!.canary.requests).toBeGreaterThanOrEqual(40);
    expect(seconds(failed!)).toBeLessThan(120);
    expect((await traffic100('churn')).arms.map((a) => [a.version, a.weight])).toEqual([[4, 100]]);

    // A good canary is never promoted early: its step lasts its full minimum duration.
    const good = await startRollout(A.ctx, { deployment: { name: 'churn' }, version: 2, plan: { steps: [{ weight: 25, minRequests: 40, minDurationSeconds: 8 }, { weight: 100 }] } });
    expect(await finished(good.workflowId, 'rollout-promoted-full-step')).toMatchObject({ state: 'promoted' });
    const [passed] = (await getRollout(A.ctx, { rolloutId: good.id })).verdicts;
    expect(passed).toMatchObject({ outcome: 'passed', passed: true });
    expect(seconds(passed!)).toBeGreaterThanOrEqual(8);
  }, 240_000);

  it('leaves histories that replay against the current workflow code', async () => {
    const results = await replayRuns(
      runs.map((r) => ({ label: r.label, handle: client.workflow.getHandle(r.workflowId) })),
      'canary-rollout',
    );
    expect(results).toHaveLength(runs.length);
    for (const r of results) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
  }, 60_000);
});

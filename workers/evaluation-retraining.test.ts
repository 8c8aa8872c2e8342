import path from 'node:path';
import { Readable } from 'node:stream';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemArtifactStore } from '../core/artifacts/filesystem-artifact-store';
import { uploadArtifact } from '../core/artifacts/upload-artifact';
import { getEvaluation } from '../core/evaluation/get-evaluation';
import { setEvaluationPolicy } from '../core/evaluation/set-evaluation-policy';
import { evaluationWorkflowId, startEvaluation } from '../core/evaluation/start-evaluation';
import { createModelVersion } from '../core/registry/create-model-version';
import { createRegisteredModel } from '../core/registry/create-registered-model';
import { listModelAliases } from '../core/registry/list-model-aliases';
import { protectModelAlias } from '../core/registry/protect-model-alias';
import { searchModelVersions } from '../core/registry/search-model-versions';
import { setModelAlias } from '../core/registry/set-model-alias';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { createExperiment } from '../core/tracking/create-experiment';
import { createRun } from '../core/tracking/create-run';
import { logBatch } from '../core/tracking/log-batch';
import { getTrainingJob, listTrainingJobs } from '../core/training/list-training-jobs';
import { createRetrainingPolicy } from '../core/retraining/create-retraining-policy';
import { listRetrainingPolicies } from '../core/retraining/list-retraining-policies';
import { retrainingScheduleId } from '../core/retraining/retraining-schedule';
import { setRetrainingPaused } from '../core/retraining/set-retraining-paused';
import { triggerRetraining } from '../core/retraining/trigger-retraining';
import { recordHistory } from './histories';
import { WORKFLOWS_PATH } from './worker';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';
import { waitFor } from '../testing/wait-for';

/**
 * Evaluations gate promotion and retraining policies run on Temporal Schedules,
 * on a real dev server with the local backend. The jobs here stand in for
 * training and evaluation code: while each runs, the test logs what such code
 * would (metrics, the model's files) through the same use cases the API calls.
 */

let platform: TemporalPlatform;
let dir: string;
let store: FilesystemArtifactStore;
let client: Client;
let A: SignedUp;
let projectId: string;
let runId: string;
/** Workflow IDs whose histories the last test replays (and records, with GANTRY_RECORD_HISTORIES=1). */
const finished: { label: string; workflowId: string }[] = [];

const sleeper = (ms: number) => ({ command: [process.execPath, '-e', `console.log('model', process.env.GANTRY_MODEL_URI ?? 'training'); setTimeout(() => {}, ${ms})`] });
const metric = (key: string, value: number) => ({ key, value, step: 0, timestamp: Date.now() });


async function versionOf(n: number) {
  const found = (await searchModelVersions(A.ctx, { model: { name: 'churn' } })).versions.find((v) => v.version === n);
  if (!found) throw new Error(`version ${n} missing`);
  return found;
}

/** Plays the evaluation code: logs `auc` into the evaluation job's run while the job runs. */
async function evaluateAs(evaluationId: string, auc: number) {
  const ev = await getEvaluation(A.ctx, evaluationId);
  const run = await waitFor('the evaluation run', async () => (await getTrainingJob(A.ctx, ev.jobId!)).job.runId);
  await logBatch(A.ctx, { runId: run, metrics: [metric('auc', auc)] });
}

beforeAll(async () => {
  platform = await startTemporalPlatform('eval');
  ({ dir, client } = platform);
  store = new FilesystemArtifactStore(path.join(dir, 'artifacts'));
  await platform.startWorker({ artifactStore: store });

  A = await signUpUser('eval');
  const team = await createTeam(A.ctx, { name: 'ML' });
  projectId = (await createProject(A.ctx, { teamId: team.id, name: 'Churn' })).id;
  const exp = await createExperiment(A.ctx, { name: 'churn', projectId });
  runId = (await createRun(A.ctx, { experimentId: exp.id })).id;
  await logBatch(A.ctx, { runId, metrics: [metric('auc', 0.8)] });
  await createRegisteredModel(A.ctx, { name: 'churn', projectId });
  for (let i = 0; i < 3; i++) await createModelVersion(A.ctx, { model: { name: 'churn' }, source: `runs:/${runId}/model`, runId });
  await setModelAlias(A.ctx, { model: { name: 'churn' }, alias: 'champion', version: 1 });
  await setEvaluationPolicy(A.ctx, {
    model: { name: 'churn' },
    checks: ['auc >= 0.7', 'auc >= champion.auc - 0.01'],
    jobTemplate: { ...sleeper(2500), name: 'evaluate' },
  });
});

afterAll(async () => platform?.stop());

describe('evaluations', () => {
  it('run the policy’s job, compare with thresholds and the champion, and record each check', async () => {
    const v2 = await versionOf(2);
    const ev = await startEvaluation(A.ctx, { modelVersionId: v2.id });
    expect(ev.status).toBe('running');
    await evaluateAs(ev.id, 0.85);
    const verdict = await client.workflow.getHandle(evaluationWorkflowId(ev.id)).result();
    expect(verdict.status).toBe('passed');
    finished.push({ label: 'evaluation-passed', workflowId: evaluationWorkflowId(ev.id) });
    const done = await getEvaluation(A.ctx, ev.id);
    expect(done.metrics).toEqual({ auc: 0.85 });
    expect(done.championMetrics).toEqual({ auc: 0.8 });
    expect(done.results!.map((r) => [r.expression, r.passed])).toEqual([
      ['auc >= 0.7', true],
      ['auc >= champion.auc - 0.01', true],
    ]);
    const job = (await getTrainingJob(A.ctx, done.jobId!)).job;
    expect(job).toMatchObject({ kind: 'evaluation', status: 'succeeded' });
    expect(job.spec.systemEnv.GANTRY_MODEL_URI).toBe('models:/churn/2');
  });

  it('fail a worse version, and then a protected champion refuses it', async () => {
    const v3 = await versionOf(3);
    const ev = await startEvaluation(A.ctx, { modelVersionId: v3.id });
    await evaluateAs(ev.id, 0.6);
    expect((await client.workflow.getHandle(evaluationWorkflowId(ev.id)).result()).status).toBe('failed');
    finished.push({ label: 'evaluation-failed', workflowId: evaluationWorkflowId(ev.id) });
    const done = await getEvaluation(A.ctx, ev.id);
    expect(done.results!.map((r) => r.passed)).toEqual([false, false]);
    expect(done.message).toContain('auc >= 0.7');

    await protectModelAlias(A.ctx, { model: { name: 'churn' }, alias: 'champion', minRole: 'member', requiresPassingEvaluation: true });
    await expect(setModelAlias(A.ctx, { model: { name: 'churn' }, alias: 'champion', version: 3 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await setModelAlias(A.ctx, { model: { name: 'churn' }, alias: 'champion', version: 2 });
  });
});

describe('retraining policies', () => {
  it('schedule training; "run now" trains, registers, evaluates and moves challenger; pause and resume hold', async () => {
    const policy = await createRetrainingPolicy(A.ctx, {
      model: { name: 'churn' },
      name: 'weekly',
      jobTemplate: { ...sleeper(2500), hyperparameters: { lr: 0.1 } },
      cron: '0 3 * * 1',
      evaluate: true,
    });
    const [listed] = await listRetrainingPolicies(A.ctx, policy.modelId);
    expect(listed!.nextRunTimes.length).toBeGreaterThan(0);
    expect(listed!.nextRunTimes[0]!.getUTCDay()).toBe(1);
    expect(listed!.nextRunTimes[0]!.getUTCHours()).toBe(3);

    await triggerRetraining(A.ctx, { policyId: policy.id });
    const trainJob = await waitFor('the retraining job', async () => (await listTrainingJobs(A.ctx, { retrainingPolicyId: policy.id })).rows.find((j) => j.kind === 'training' && j.runId));
    // The training code saves its model…
    await uploadArtifact(A.ctx, { runId: trainJob.runId!, path: 'model/MLmodel', body: Readable.from([Buffer.from('flavors: {}\n')]) }, { store });
    await logBatch(A.ctx, { runId: trainJob.runId!, metrics: [metric('auc', 0.9)] });
    // …then the evaluation of the version it produced runs, and its code logs the metric.
    const version = await waitFor('the new version', async () => (await getTrainingJob(A.ctx, trainJob.id)).job.modelVersionId, 60_000);
    const evJob = await waitFor('the evaluation job', async () => (await listTrainingJobs(A.ctx, { kind: 'evaluation' })).rows.find((j) => j.spec.systemEnv.GANTRY_MODEL_VERSION_ID === version && j.runId));
    await logBatch(A.ctx, { runId: evJob.runId!, metrics: [metric('auc', 0.91)] });

    const challenger = await waitFor('challenger to move', async () => {
      const aliases = await listModelAliases(A.ctx, { modelId: policy.modelId });
      const c = aliases.find((a) => a.alias === 'challenger');
      return c?.version === 4 ? c : null;
    });
    expect(challenger.history[0]).toMatchObject({ action: 'set', toVersion: 4 });
    // The champion stays where it was: this policy does not auto-promote.
    expect((await listModelAliases(A.ctx, { modelId: policy.modelId })).find((a) => a.alias === 'champion')?.version).toBe(2);
    const history = (await listTrainingJobs(A.ctx, { retrainingPolicyId: policy.id })).rows;
    const retrainings = [];
    for await (const w of client.workflow.list({ query: `WorkflowType = 'retrainingWorkflow'` })) retrainings.push(w);
    expect(retrainings).toHaveLength(1);
    const retraining = retrainings[0];
    const outcome = await client.workflow.getHandle(retraining!.workflowId).result();
    expect(outcome).toMatchObject({ status: 'promoted', alias: 'challenger', jobId: trainJob.id, modelVersionId: version });
    finished.push({ label: 'retraining-promoted', workflowId: retraining!.workflowId });
    expect(history.map((j) => j.status)).toEqual(['succeeded']);

    await setRetrainingPaused(A.ctx, { policyId: policy.id, paused: true });
    expect((await client.schedule.getHandle(retrainingScheduleId(policy.id)).describe()).state.paused).toBe(true);
    expect((await listRetrainingPolicies(A.ctx, policy.modelId))[0]!.nextRunTimes).toEqual([]);
    await setRetrainingPaused(A.ctx, { policyId: policy.id, paused: false });
    expect((await client.schedule.getHandle(retrainingScheduleId(policy.id)).describe()).state.paused).toBe(false);
  });

  it('refuse a bad cron, and evaluation without a policy', async () => {
    await expect(createRetrainingPolicy(A.ctx, { model: { name: 'churn' }, jobTemplate: sleeper(10), cron: 'every tuesday' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await createRegisteredModel(A.ctx, { name: 'no-policy', projectId });
    await expect(createRetrainingPolicy(A.ctx, { model: { name: 'no-policy' }, jobTemplate: sleeper(10), cron: '@daily' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

describe('workflow histories', () => {
  it('replay without determinism errors', async () => {
    expect(finished.length).toBe(3);
    const histories = await Promise.all(finished.map(async (f) => ({ ...f, history: await client.workflow.getHandle(f.workflowId).fetchHistory() })));
    if (process.env.GANTRY_RECORD_HISTORIES === '1') for (const h of histories) recordHistory(h.label, h.history);
    for await (const r of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH, replayName: 'evaluation-retraining' }, histories)) {
      expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
    }
  });
});

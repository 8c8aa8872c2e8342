import net from 'node:net';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { env, resetEnvCache } from '../config/env';
import { getEvaluation } from '../core/evaluation/get-evaluation';
import { setEvaluationPolicy } from '../core/evaluation/set-evaluation-policy';
import { clearTemporalStartup, writeTemporalStartup } from '../core/orchestration/temporal-startup';
import { platformStatus } from '../core/platform/status';
import { evaluationWorkflowId, startEvaluation } from '../core/evaluation/start-evaluation';
import { createModelVersion } from '../core/registry/create-model-version';
import { createRegisteredModel } from '../core/registry/create-registered-model';
import { createRetrainingPolicy } from '../core/retraining/create-retraining-policy';
import { deleteRetrainingPolicy } from '../core/retraining/delete-retraining-policy';
import { listRetrainingPolicies } from '../core/retraining/list-retraining-policies';
import { retrainingScheduleId } from '../core/retraining/retraining-schedule';
import { setRetrainingPaused } from '../core/retraining/set-retraining-paused';
import { triggerRetraining } from '../core/retraining/trigger-retraining';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { createExperiment } from '../core/tracking/create-experiment';
import { createRun } from '../core/tracking/create-run';
import { jobWorkflowId } from '../core/training/access';
import { submitTrainingJob } from '../core/training/submit-training-job';
import { type TestDatabase } from '../db/test/database';
import { freePort } from '../scripts/lib/net';
import { type TemporalDevServer } from '../scripts/lib/temporal-binary';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';
import { waitFor } from '../testing/wait-for';

/**
 * "Record, then start" under failure, on a real Temporal dev server and a real worker: Temporal
 * cut off while a request is between its rows and its workflow, a commit that fails after the
 * workflow started, retried requests, and schedules that fell out of step with their policies.
 * Cutting Temporal off means pointing the application's TEMPORAL_ADDRESS elsewhere (the worker
 * keeps its own connection): at a closed port (refused at once), or at a socket that accepts and
 * never answers, which keeps the request waiting on Temporal for the client's whole connect timeout.
 */

let platform: TemporalPlatform;
let server: TemporalDevServer;
let db: TestDatabase;
let client: Client;
let taskQueue: string;
let A: SignedUp;
let projectId: string;

function pointTemporalAt(address: string) {
  process.env.TEMPORAL_ADDRESS = address;
  resetEnvCache();
}

async function withTemporalAt<T>(address: string, fn: () => Promise<T>): Promise<T> {
  pointTemporalAt(address);
  try {
    return await fn();
  } finally {
    pointTemporalAt(server.address);
  }
}

const closedPort = async () => `127.0.0.1:${await freePort()}`;

async function count(query: string, ...params: string[]): Promise<number> {
  const [r] = await db.ownerSql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${query}`, params);
  return r!.n;
}

const audits = (action: string) => count(`audit_events where org_id = $1 and action = $2`, A.orgId, action);

async function workflowIds(type: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowType = '${type}' AND TaskQueue = '${taskQueue}'` })) ids.push(w.workflowId);
  return ids;
}

/**
 * Runs `call` against a Temporal that never answers (a socket that accepts and stays silent) and,
 * once the call is waiting there, an audited write in the same organization: the write must finish
 * while the call still waits. A fresh socket per call: the gRPC client shares connections to the
 * same address between clients, so a second call to an old one might not connect anew.
 */
async function auditedWriteWhileWaiting(call: () => Promise<unknown>): Promise<unknown> {
  const sockets = new Set<net.Socket>();
  let connected!: () => void;
  const waiting = new Promise<void>((r) => (connected = r));
  const silent = net.createServer((socket) => {
    sockets.add(socket);
    connected();
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    let settled = false;
    const outcome = withTemporalAt(`127.0.0.1:${(silent.address() as net.AddressInfo).port}`, () => call()).then(
      (v) => ({ ok: true as const, v }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    void outcome.finally(() => (settled = true));
    await waiting;
    const began = Date.now();
    await createTeam(A.ctx, { name: `while waiting ${began}` });
    expect(settled, 'the audited write finished while the call still waited on Temporal').toBe(false);
    expect(Date.now() - began).toBeLessThan(2500);
    const r = await outcome;
    if (r.ok) throw new Error('the call succeeded without Temporal');
    return r.e;
  } finally {
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => silent.close(r));
  }
}

beforeAll(async () => {
  platform = await startTemporalPlatform('record-start');
  ({ db, server, client, taskQueue } = platform);
  await platform.startWorker();

  A = await signUpUser('record-start');
  const team = await createTeam(A.ctx, { name: 'ML' });
  projectId = (await createProject(A.ctx, { teamId: team.id, name: 'Churn' })).id;
  const exp = await createExperiment(A.ctx, { name: 'churn', projectId });
  const runId = (await createRun(A.ctx, { experimentId: exp.id })).id;
  await createRegisteredModel(A.ctx, { name: 'churn', projectId });
  for (let i = 0; i < 3; i++) await createModelVersion(A.ctx, { model: { name: 'churn' }, source: `runs:/${runId}/model`, runId });
  await setEvaluationPolicy(A.ctx, {
    model: { name: 'churn' },
    checks: ['auc >= 0.7'],
    jobTemplate: { command: [process.execPath, '-e', 'setTimeout(() => {}, 1500)'], name: 'evaluate' },
  });
});

afterAll(async () => platform?.stop());

async function versionId(n: number): Promise<string> {
  const [v] = await db.ownerSql<{ id: string }[]>`select v.id from model_versions v join registered_models m on m.id = v.model_id where m.org_id = ${A.orgId} and m.name = 'churn' and v.version = ${n}`;
  return v!.id;
}

describe('starting an evaluation', () => {
  it('with Temporal unreachable, records nothing: no queued job, no running evaluation, no audit event', async () => {
    const v1 = await versionId(1);
    await expect(withTemporalAt(await closedPort(), () => startEvaluation(A.ctx, { modelVersionId: v1 }))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    // Cut between the steps: the rows are written, and Temporal keeps the request waiting.
    const e = await auditedWriteWhileWaiting(() => startEvaluation(A.ctx, { modelVersionId: v1 }));
    expect(e).toMatchObject({ code: 'UNAVAILABLE' });
    expect(await count(`evaluations where model_version_id = $1`, v1)).toBe(0);
    expect(await count(`training_jobs where org_id = $1 and kind = 'evaluation'`, A.orgId)).toBe(0);
    expect(await audits('evaluation.start')).toBe(0);
    expect(await audits('job.submit-evaluation')).toBe(0);
  });

  it('retried while it runs, returns the same evaluation, with one job and one workflow', async () => {
    const v1 = await versionId(1);
    const [first, concurrent] = await Promise.all([startEvaluation(A.ctx, { modelVersionId: v1 }), startEvaluation(A.ctx, { modelVersionId: v1 })]);
    const retried = await startEvaluation(A.ctx, { modelVersionId: v1 });
    expect(concurrent.id).toBe(first.id);
    expect(retried.id).toBe(first.id);
    expect(await count(`evaluations where model_version_id = $1`, v1)).toBe(1);
    expect(await count(`training_jobs where org_id = $1 and kind = 'evaluation'`, A.orgId)).toBe(1);
    expect(await audits('evaluation.start')).toBe(1);
    expect((await workflowIds('evaluationWorkflow')).filter((id) => id === evaluationWorkflowId(first.id))).toHaveLength(1);

    // Once it has ended, starting again evaluates again.
    await client.workflow.getHandle(evaluationWorkflowId(first.id)).result();
    expect((await getEvaluation(A.ctx, first.id)).status).not.toBe('running');
    const again = await startEvaluation(A.ctx, { modelVersionId: v1 });
    expect(again.id).not.toBe(first.id);
    await client.workflow.getHandle(evaluationWorkflowId(again.id)).result();
  });

  it('whose commit fails after the workflow started, leaves nothing: the workflow finds no rows and ends', async () => {
    const v2 = await versionId(2);
    const before = new Set(await workflowIds('evaluationWorkflow'));
    const jobs = await count(`training_jobs where org_id = $1 and kind = 'evaluation'`, A.orgId);
    await db.ownerSql.unsafe(`
      create function refuse_commit() returns trigger language plpgsql as $$ begin raise exception 'commit refused'; end $$;
      create constraint trigger refuse_commit after insert on evaluations deferrable initially deferred for each row execute function refuse_commit();`);
    try {
      await expect(startEvaluation(A.ctx, { modelVersionId: v2 })).rejects.toThrow(/commit refused/);
    } finally {
      await db.ownerSql.unsafe(`drop trigger refuse_commit on evaluations; drop function refuse_commit();`);
    }
    const started = (await workflowIds('evaluationWorkflow')).filter((id) => !before.has(id));
    expect(started).toHaveLength(1);
    expect(await client.workflow.getHandle(started[0]!).result()).toMatchObject({ status: 'error', message: expect.stringContaining('never recorded') });
    expect(await count(`evaluations where model_version_id = $1`, v2)).toBe(0);
    expect(await count(`training_jobs where org_id = $1 and kind = 'evaluation'`, A.orgId)).toBe(jobs);
  });
});

describe('retraining policies', () => {
  const policyInput = (name: string) => ({ model: { name: 'churn' }, name, jobTemplate: { command: ['true'] }, cron: '0 3 * * 1', evaluate: false });

  it('while Temporal does not answer, refuse the change whole and never hold up audited writes of the organization', async () => {
    const e = await auditedWriteWhileWaiting(() => createRetrainingPolicy(A.ctx, policyInput('while down')));
    expect(e).toMatchObject({ code: 'UNAVAILABLE' });
    expect(await count(`retraining_policies where org_id = $1`, A.orgId)).toBe(0);
    expect(await audits('retraining_policy.create')).toBe(0);

    const policy = await createRetrainingPolicy(A.ctx, policyInput('weekly'));
    expect((await client.schedule.getHandle(retrainingScheduleId(policy.id)).describe()).state.paused).toBe(false);

    expect(await auditedWriteWhileWaiting(() => setRetrainingPaused(A.ctx, { policyId: policy.id, paused: true }))).toMatchObject({ code: 'UNAVAILABLE' });
    expect(await auditedWriteWhileWaiting(() => triggerRetraining(A.ctx, { policyId: policy.id }))).toMatchObject({ code: 'UNAVAILABLE' });
    expect(await auditedWriteWhileWaiting(() => deleteRetrainingPolicy(A.ctx, { policyId: policy.id }))).toMatchObject({ code: 'UNAVAILABLE' });
    const [row] = await db.ownerSql<{ paused: boolean; deleted_at: Date | null }[]>`select paused, deleted_at from retraining_policies where id = ${policy.id}`;
    expect(row).toEqual({ paused: false, deleted_at: null });
    for (const action of ['pause', 'trigger', 'delete']) expect(await audits(`retraining_policy.${action}`)).toBe(0);
    expect(await workflowIds('retrainingWorkflow')).toEqual([]);

    // The list still answers, and says the schedule is unknown rather than that no runs are coming.
    const listed = await withTemporalAt(await closedPort(), () => listRetrainingPolicies(A.ctx, policy.modelId));
    expect(listed.map((p) => [p.id, p.scheduleState, p.nextRunTimes])).toEqual([[policy.id, 'unknown', []]]);

    await deleteRetrainingPolicy(A.ctx, { policyId: policy.id });
    await expect(client.schedule.getHandle(retrainingScheduleId(policy.id)).describe()).rejects.toThrow();
  });

  it('refuse a cron Temporal cannot read, recording nothing', async () => {
    const before = await count(`retraining_policies where org_id = $1`, A.orgId);
    await expect(createRetrainingPolicy(A.ctx, { ...policyInput('bad'), cron: '61 3 * * 1' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await count(`retraining_policies where org_id = $1`, A.orgId)).toBe(before);
  });

  it('bring a schedule that fell out of step back in line: a firing for a paused policy pauses it, a repeated resume recreates a missing one', async () => {
    const policy = await createRetrainingPolicy(A.ctx, policyInput('drifting'));
    const handle = client.schedule.getHandle(retrainingScheduleId(policy.id));
    // As if the pause had committed without reaching Temporal.
    await db.ownerSql`update retraining_policies set paused = true where id = ${policy.id}`;
    expect((await listRetrainingPolicies(A.ctx, policy.modelId)).find((p) => p.id === policy.id)).toMatchObject({ paused: true, scheduleState: 'active' });
    const before = new Set(await workflowIds('retrainingWorkflow'));
    await handle.trigger();
    const fired = await waitFor('a new retraining firing', async () => (await workflowIds('retrainingWorkflow')).find((id) => !before.has(id)));
    expect(await client.workflow.getHandle(fired).result()).toMatchObject({ status: 'skipped', reason: 'The policy is paused' });
    expect((await handle.describe()).state.paused).toBe(true);

    // As if a delete of the schedule had happened without its policy's.
    await handle.delete();
    await setRetrainingPaused(A.ctx, { policyId: policy.id, paused: false });
    expect((await listRetrainingPolicies(A.ctx, policy.modelId)).find((p) => p.id === policy.id)).toMatchObject({ paused: false, scheduleState: 'active' });
    await handle.delete();
    expect((await listRetrainingPolicies(A.ctx, policy.modelId)).find((p) => p.id === policy.id)).toMatchObject({ scheduleState: 'missing', nextRunTimes: [] });
    const audited = await audits('retraining_policy.resume');
    await setRetrainingPaused(A.ctx, { policyId: policy.id, paused: false });
    expect(await audits('retraining_policy.resume')).toBe(audited);
    expect((await handle.describe()).state.paused).toBe(false);
  });
});

describe('while the launcher reports Temporal still starting', () => {
  // The launcher writes this report while it builds and starts Temporal; this test process plays the launcher.
  const report = (state: 'building' | 'ready') => writeTemporalStartup(env().GANTRY_HOME, { state, detail: state === 'building' ? 'building the Temporal CLI' : undefined });
  const featureState = async () => Object.fromEntries((await platformStatus()).features.map((f) => [f.key, f.state]));

  it('refuses what needs Temporal with a coded error saying so, records nothing, and switches on by itself once the report says ready', async () => {
    const v3 = await versionId(3);
    const jobs = await count(`training_jobs where org_id = $1`, A.orgId);
    const policies = await count(`retraining_policies where org_id = $1`, A.orgId);
    report('building');
    try {
      await waitFor('the features to wait on Temporal', async () => (await featureState()).jobs === 'waiting for Temporal');
      expect(await featureState()).toEqual({ tracking: 'ready', registry: 'ready', jobs: 'waiting for Temporal', evaluations: 'waiting for Temporal', retraining: 'waiting for Temporal' });
      const refusals = await Promise.all([
        submitTrainingJob(A.ctx, { project: projectId, command: ['true'] }).catch((e: unknown) => e),
        startEvaluation(A.ctx, { modelVersionId: v3 }).catch((e: unknown) => e),
        createRetrainingPolicy(A.ctx, { model: { name: 'churn' }, name: 'while building', jobTemplate: { command: ['true'] }, cron: '0 3 * * 1', evaluate: false }).catch((e: unknown) => e),
      ]);
      for (const e of refusals) {
        expect(e).toMatchObject({ code: 'UNAVAILABLE', retryAfterSeconds: 30, message: expect.stringMatching(/^Temporal is still starting: the Temporal CLI is being built \(\d+s so far\)\. Training jobs, evaluations and retraining switch on by themselves once it is up/) });
      }
      expect(await count(`training_jobs where org_id = $1`, A.orgId)).toBe(jobs);
      expect(await count(`evaluations where model_version_id = $1`, v3)).toBe(0);
      expect(await count(`retraining_policies where org_id = $1`, A.orgId)).toBe(policies);
      expect(await audits('job.submit')).toBe(0);

      report('ready');
      await waitFor('the features to switch on', async () => (await featureState()).jobs === 'ready');
      const job = await submitTrainingJob(A.ctx, { project: projectId, command: ['true'] });
      await client.workflow.getHandle(jobWorkflowId(job.id)).result();
    } finally {
      clearTemporalStartup(env().GANTRY_HOME);
    }
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadArtifact } from '../core/artifacts/upload-artifact';
import { createAlertRule } from '../core/monitoring/create-alert-rule';
import { driftMonitorScheduleId, lastDriftMonitorRun } from '../core/monitoring/drift-monitor-schedule';
import { getDeploymentMonitoring } from '../core/monitoring/get-deployment-monitoring';
import { listAlerts } from '../core/monitoring/list-alerts';
import { listNotifications, markNotificationsRead } from '../core/monitoring/notifications';
import { runDriftCheck } from '../core/monitoring/run-drift-check';
import { setAlertStatus } from '../core/monitoring/set-alert-status';
import { setDriftMonitor } from '../core/monitoring/set-drift-monitor';
import { createWebhookEndpoint, listWebhookDeliveries } from '../core/monitoring/webhook-endpoints';
import { createRegisteredModel } from '../core/registry/create-registered-model';
import { createRetrainingPolicy } from '../core/retraining/create-retraining-policy';
import { createDeployment } from '../core/serving/create-deployment';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { logInputs } from '../core/tracking/log-inputs';
import { listTrainingJobs } from '../core/training/list-training-jobs';
import { auditEvents, predictions } from '../db/schema';
import { inTenantScope } from '../db/with-tenant';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { registerModelDir, writeChurnModel } from '../testing/serving-models';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';
import { startWebhookReceiver, type ReceivedWebhook } from '../testing/webhook-receiver';
import { waitFor } from '../testing/wait-for';
import type { DriftMonitorOutcome } from '../workflows/drift-monitor';
import { recordHistory } from './histories';
import { WORKFLOWS_PATH } from './worker';
import { Worker } from '@temporalio/worker';

/**
 * The drift monitor on a real Temporal dev server and PostgreSQL: the churn model's baseline read from
 * the training CSV its run logged, prediction rows as the gateway writes them (inputs as an FP32 [n, 10]
 * tensor), a shifted feature distribution that opens one alert, counts into it and keeps quiet through the
 * cooldown, a webhook receiver on loopback that checks every signature by the Standard Webhooks recipe
 * (with its own HMAC code, not Gantry's), and the rule's retraining policy starting a training job.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const CSV = readFileSync(path.join(HERE, '..', 'examples', 'churn', 'data', 'churn.csv'), 'utf8');
const FEATURES = ['tenure_months', 'contract_months', 'monthly_charges', 'total_charges', 'support_calls', 'late_payments', 'auto_pay', 'has_fiber', 'senior', 'num_products'];

let platform: TemporalPlatform;
let client: Client;
let A: SignedUp;
let deploymentId: string;
let v1: { versionId: string; version: number; runId: string };
let v2: { versionId: string; version: number; runId: string };
let policyId: string;
let endpointId: string;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let received: ReceivedWebhook[];
const finished: { label: string; workflowId: string }[] = [];

/** The training rows' feature values, as the gateway would receive them. */
const rows: number[][] = (() => {
  const [header, ...lines] = CSV.trim().split('\n');
  const cols = header!.split(',');
  return lines.map((l) => {
    const cells = l.split(',');
    return FEATURES.map((f) => Number(cells[cols.indexOf(f)]));
  });
})();

const minute = 60_000;
/** Window ends on a fixed grid, so each run's business key is chosen by the test. */
const T0 = new Date(Math.floor(Date.now() / minute) * minute - 6 * 60 * minute);

let seq = 0;
/** Prediction rows as the gateway writes them: one sampled request of `batch` rows each, spread over `[from, to)`. */
async function insertPredictions(o: { versionId: string; version: number; from: Date; to: Date; requests: number; shift?: number; errors?: number }) {
  const batch = 5;
  const values = Array.from({ length: o.requests }, (_, i) => {
    const at = new Date(o.from.getTime() + ((o.to.getTime() - o.from.getTime()) * i) / o.requests);
    const data = Array.from({ length: batch }, (_, r) => rows[(seq * batch + r) % rows.length]!).flatMap((row) => row.map((x, j) => (j < 4 && o.shift ? x * o.shift : x)));
    seq++;
    return {
      orgId: A.orgId,
      deploymentId,
      modelVersionId: o.versionId,
      version: o.version,
      arm: 'stable',
      requestId: `req-${seq}`,
      protocol: 'oip' as const,
      at,
      latencyMs: 3 + (i % 10),
      status: i < (o.errors ?? 0) ? 500 : 200,
      inputs: [{ name: 'features', datatype: 'FP32', shape: [batch, 10], data }],
      outputs: [{ name: 'probability', datatype: 'FP32', shape: [batch], data: Array(batch).fill(0.3) }],
    };
  });
  await inTenantScope({ orgId: A.orgId, userId: null }, (tx) => tx.insert(predictions).values(values));
}

async function runMonitor(label: string, windowEnd: Date, workflowId = `drift-test/${label}`) {
  const out = await client.workflow.execute('driftMonitorWorkflow', { workflowId, taskQueue: platform.taskQueue, args: [{ orgId: A.orgId, deploymentId, windowEnd: windowEnd.toISOString() }] });
  finished.push({ label: `drift-monitor-${label}`, workflowId });
  return out as { windowEnd: string; skipped: string | null; versions: number; notified: { alertId: string; deliveries: number; retrainingWorkflowId: string | null }[] };
}

beforeAll(async () => {
  platform = await startTemporalPlatform('drift', { WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true', ARTIFACT_STORE: 'filesystem' });
  client = platform.client;
  await platform.startWorker();
  // The first message is refused once, so its retry is seen with the same webhook-id.
  receiver = await startWebhookReceiver({ failNext: 1 });
  received = receiver.received;

  A = await signUpUser('drift');
  const team = await createTeam(A.ctx, { name: 'ML' });
  const projectId = (await createProject(A.ctx, { teamId: team.id, name: 'Churn' })).id;
  await createRegisteredModel(A.ctx, { name: 'churn', projectId });
  v1 = await registerModelDir(A.ctx, { model: 'churn', dir: writeChurnModel(path.join(platform.dir, 'm1'), { seed: 1 }).dir });
  v2 = await registerModelDir(A.ctx, { model: 'churn', dir: writeChurnModel(path.join(platform.dir, 'm2'), { seed: 2 }).dir });
  // Version 1's run logged its training data as train.py does, the file kept among the run's artifacts.
  await uploadArtifact(A.ctx, { runId: v1.runId, path: 'data/churn.csv', body: Readable.from([Buffer.from(CSV)]) });
  await logInputs(A.ctx, {
    runId: v1.runId,
    datasets: [{ dataset: { name: 'churn', digest: 'd41d8cd9', sourceType: 'local', source: JSON.stringify({ uri: `runs:/${v1.runId}/data/churn.csv` }) }, tags: [{ key: 'mlflow.data.context', value: 'training' }] }],
  });
  deploymentId = (await createDeployment(A.ctx, { name: 'churn-prod', model: { name: 'churn' }, version: 1 })).id;
  const policy = await createRetrainingPolicy(A.ctx, {
    model: { name: 'churn' },
    name: 'on drift',
    jobTemplate: { command: [process.execPath, '-e', 'setTimeout(() => {}, 1500)'] },
    cron: '0 3 1 1 *',
    evaluate: false,
  });
  policyId = policy.id;
  const hook = await createWebhookEndpoint(A.ctx, { url: receiver.url, description: 'on-call' });
  receiver.setSecret(hook.secret);
  endpointId = hook.endpoint.id;
}, 240_000);

afterAll(async () => {
  await receiver?.close();
  await platform?.stop();
});

describe('the drift monitor', () => {
  it('starts with the first alert rule, on its own schedule', async () => {
    const rule = await createAlertRule(A.ctx, { deploymentId, name: 'tenure drift', metric: 'psi', threshold: 0.25, windowMinutes: 60, cooldownMinutes: 30, retrainingPolicyId: policyId });
    expect(rule).toMatchObject({ metric: 'psi', feature: null, comparator: 'above' });
    await createAlertRule(A.ctx, { deploymentId, name: 'errors', metric: 'error_rate', threshold: 0.5, windowMinutes: 15, cooldownMinutes: 0 });
    const schedule = await client.schedule.getHandle(driftMonitorScheduleId(deploymentId)).describe();
    expect(schedule.state.paused).toBe(false);
    expect(schedule.spec.calendars?.length ?? schedule.spec.intervals?.length ?? 1).toBeGreaterThan(0);
    // A live baseline for version 2 (whose run logged no dataset) from its first 50 sampled requests.
    await setDriftMonitor(A.ctx, { deploymentId, enabled: true, intervalMinutes: 5, windowMinutes: 60, baselineSamples: 50 });
    await expect(createAlertRule(A.ctx, { deploymentId, name: 'errors', metric: 'error_rate', threshold: 0.1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(createAlertRule(A.ctx, { deploymentId, name: 'bad', metric: 'p95_latency_ms', feature: 'features[0]', threshold: 1 })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('profiles the training data the run logged, and finds no drift in traffic like it', async () => {
    await insertPredictions({ versionId: v1.versionId, version: 1, from: new Date(T0.getTime() - 50 * minute), to: T0, requests: 120 });
    const out = await runMonitor('calm', T0);
    expect(out).toMatchObject({ skipped: null, versions: 1, notified: [] });
    const m = await getDeploymentMonitoring(A.ctx, { deploymentId });
    const v = m.versions.find((x) => x.version === 1)!;
    expect(v.baseline).toMatchObject({ source: 'training_data', fallbackReason: null, rows: rows.length });
    expect(v.baseline!.sourceLabel).toContain(`runs:/${v1.runId}/data/churn.csv`);
    expect(Object.keys(v.baseline!.features)).toEqual(FEATURES.map((_, i) => `features[${i}]`));
    expect(v.baseline!.features['features[0]']).toMatchObject({ kind: 'numeric', column: 'tenure_months' });
    expect(v.latest).toMatchObject({ requests: 120, errors: 0, samples: 120, note: null });
    expect(v.latest!.maxPsi!).toBeLessThan(0.1);
    expect(await listAlerts(A.ctx, { deploymentId })).toEqual([]);
  });

  it('opens one alert on a shifted distribution, notifies, delivers a signed webhook after a retry, and starts retraining', async () => {
    const T1 = new Date(T0.getTime() + 70 * minute);
    await insertPredictions({ versionId: v1.versionId, version: 1, from: new Date(T1.getTime() - 20 * minute), to: T1, requests: 100, shift: 1.6 });
    const out = await runMonitor('shifted', T1);
    expect(out.notified).toHaveLength(1);
    expect(out.notified[0]!.deliveries).toBe(1);
    expect(out.notified[0]!.retrainingWorkflowId).toBe(`retraining/${policyId}-alert-${out.notified[0]!.alertId}-1`);

    const [alert] = await listAlerts(A.ctx, { deploymentId });
    expect(alert).toMatchObject({ ruleName: 'tenure drift', status: 'open', count: 1, notifications: 1 });
    expect(alert!.value).toBeGreaterThan(0.25);
    expect(alert!.feature).toMatch(/^features\[[0-3]\]$/);

    // The receiver saw the message twice (503, then accepted), the same webhook-id both times, both signed.
    expect(received).toHaveLength(2);
    expect(received.every((r) => r.verified)).toBe(true);
    expect(received[0]!.id).toBe(received[1]!.id);
    const payload = JSON.parse(received[1]!.body) as { type: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({ type: 'alert.fired', data: { alertId: alert!.id, rule: 'tenure drift', deployment: 'churn-prod', metric: 'psi', count: 1 } });
    const [delivery] = await listWebhookDeliveries(A.ctx, { endpointId });
    expect(delivery).toMatchObject({ id: received[0]!.id, status: 'delivered', attempts: 2, lastStatusCode: 204 });

    const bell = await listNotifications(A.ctx);
    expect(bell.unread).toBe(1);
    expect(bell.items[0]).toMatchObject({ kind: 'alert', title: 'tenure drift on churn-prod', link: '/deployments/churn-prod/monitoring', alertId: alert!.id });

    // The retraining policy ran: a training job is recorded.
    const job = await waitFor('the retraining job', async () => (await listTrainingJobs(A.ctx, { retrainingPolicyId: policyId })).rows.find((j) => j.kind === 'training'));
    expect(job.retrainingPolicyId).toBe(policyId);
    const audits = await inTenantScope({ orgId: A.orgId, userId: null }, (tx) => tx.select().from(auditEvents).where(and(eq(auditEvents.orgId, A.orgId), eq(auditEvents.action, 'retraining_policy.trigger'))));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorUserId: null, data: { trigger: 'drift', alertId: alert!.id } });
  });

  it('counts further breaches into the open alert and stays quiet through the cooldown; a retried run counts nothing twice', async () => {
    const T2 = new Date(T0.getTime() + 75 * minute);
    const out = await runMonitor('cooldown', T2);
    expect(out.notified).toEqual([]);
    await runMonitor('cooldown-retry', T2);
    const [alert] = await listAlerts(A.ctx, { deploymentId });
    expect(alert).toMatchObject({ count: 2, notifications: 1, status: 'open' });
    expect(received).toHaveLength(2);
    expect((await listNotifications(A.ctx)).items).toHaveLength(1);
    expect((await listTrainingJobs(A.ctx, { retrainingPolicyId: policyId })).rows).toHaveLength(1);
  });

  it('notifies again once the cooldown has passed, into the same alert', async () => {
    const T3 = new Date(T0.getTime() + 101 * minute);
    await insertPredictions({ versionId: v1.versionId, version: 1, from: new Date(T3.getTime() - 30 * minute), to: T3, requests: 60, shift: 1.6 });
    const out = await runMonitor('after-cooldown', T3);
    expect(out.notified).toHaveLength(1);
    const [alert] = await listAlerts(A.ctx, { deploymentId });
    expect(alert).toMatchObject({ count: 3, notifications: 2 });
    expect(received).toHaveLength(3);
    expect(received[2]!.verified).toBe(true);
    expect(received[2]!.id).not.toBe(received[0]!.id);
    expect(await markNotificationsRead(A.ctx, {})).toBe(2);
    expect((await listNotifications(A.ctx)).unread).toBe(0);
    // Resolved, the next breach opens a new alert.
    await setAlertStatus(A.ctx, { alertId: alert!.id, status: 'resolved' });
    await expect(setAlertStatus(A.ctx, { alertId: alert!.id, status: 'acknowledged' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('takes a baseline from live traffic when the run logged no dataset, and says so', async () => {
    const T4 = new Date(T0.getTime() + 130 * minute);
    await insertPredictions({ versionId: v2.versionId, version: 2, from: new Date(T4.getTime() - 20 * minute), to: T4, requests: 30 });
    await runMonitor('collecting', T4);
    let v = (await getDeploymentMonitoring(A.ctx, { deploymentId })).versions.find((x) => x.version === 2)!;
    expect(v.baseline).toBeNull();
    expect(v.latest!.note).toMatch(/Collecting a baseline from live traffic \(30 of 50 sampled requests\): the run logged no dataset/);
    await insertPredictions({ versionId: v2.versionId, version: 2, from: new Date(T4.getTime() + minute), to: new Date(T4.getTime() + 5 * minute), requests: 30 });
    await runMonitor('live-baseline', new Date(T4.getTime() + 5 * minute));
    v = (await getDeploymentMonitoring(A.ctx, { deploymentId })).versions.find((x) => x.version === 2)!;
    expect(v.baseline).toMatchObject({ source: 'live_traffic', rows: 50, fallbackReason: 'the run logged no dataset (mlflow.log_input)' });
    expect(v.baseline!.sourceLabel).toBe('the first 50 sampled requests to churn-prod');
    expect(v.latest!.note).toBeNull();
  });

  it('checks now: the schedule runs at once over the window ending now, and the alert it opens links the retraining job', async () => {
    // The alert the earlier windows left open is resolved, so the check opens (and notifies) a new one.
    for (const a of await listAlerts(A.ctx, { deploymentId })) await setAlertStatus(A.ctx, { alertId: a.id, status: 'resolved' });
    // Shifted requests of the last minutes; every earlier window of this test lies hours back.
    const now = Date.now();
    await insertPredictions({ versionId: v1.versionId, version: 1, from: new Date(now - 10 * minute), to: new Date(now - 2_000), requests: 100, shift: 1.6 });
    const check = await runDriftCheck(A.ctx, { deploymentId });
    expect(check.monitor).toMatchObject({ deploymentId, enabled: true });
    const run = await waitFor('the check to finish', async () => {
      const r = await lastDriftMonitorRun(check.monitor);
      return r && r.startedAt.getTime() >= check.requestedAt.getTime() && r.status !== 'running' ? r : null;
    });
    expect(run).toMatchObject({ status: 'completed' });
    expect(run.workflowId.startsWith(`${driftMonitorScheduleId(deploymentId)}-`)).toBe(true);
    const outcome = (await client.workflow.getHandle(run.workflowId).result()) as DriftMonitorOutcome;
    // The window ends when the check started, to the second: the requests of a moment ago are in it.
    expect(new Date(outcome.windowEnd).getTime()).toBeGreaterThanOrEqual(Math.floor(check.requestedAt.getTime() / 1000) * 1000);
    expect(outcome).toMatchObject({ skipped: null, versions: 1 });
    finished.push({ label: 'drift-monitor-check-now', workflowId: run.workflowId });

    // (A scheduled firing in the same moments could have opened it first; either way one alert, with its job.)
    const alert = await waitFor('the alert with its retraining job', async () => (await listAlerts(A.ctx, { deploymentId })).find((a) => a.retrainingJobId));
    expect(alert).toMatchObject({ ruleName: 'tenure drift', status: 'open' });
    expect(alert.retrainingWorkflowId).toBe(`retraining/${policyId}-alert-${alert.id}-1`);
    const jobs = (await listTrainingJobs(A.ctx, { retrainingPolicyId: policyId })).rows;
    expect(jobs.map((j) => j.id)).toContain(alert.retrainingJobId);

    const audits = await inTenantScope({ orgId: A.orgId, userId: null }, (tx) => tx.select().from(auditEvents).where(and(eq(auditEvents.orgId, A.orgId), eq(auditEvents.action, 'drift_monitor.check'))));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorUserId: A.actor.userId, targetId: deploymentId });
  });

  it('runs when its schedule fires', async () => {
    const handle = client.schedule.getHandle(driftMonitorScheduleId(deploymentId));
    await handle.trigger();
    const fired = await waitFor('a scheduled run', async () => (await handle.describe()).info.recentActions[0]);
    const result = await client.workflow.getHandle(fired.action.workflow.workflowId).result();
    expect(result).toMatchObject({ skipped: null });
    // Turned off, the schedule goes away.
    await setDriftMonitor(A.ctx, { deploymentId, enabled: false });
    await expect(handle.describe()).rejects.toThrow();
    // Off, a check is refused rather than turning it back on.
    await expect(runDriftCheck(A.ctx, { deploymentId })).rejects.toMatchObject({ code: 'CONFLICT', message: "The drift monitor of 'churn-prod' is off; turn it on (or add an alert rule) to check it now" });
    expect(await lastDriftMonitorRun({ deploymentId, enabled: false })).toBeNull();
  });
});

describe('workflow histories', () => {
  it('replay without determinism errors', async () => {
    const histories = await Promise.all(finished.map(async (f) => ({ ...f, history: await client.workflow.getHandle(f.workflowId).fetchHistory() })));
    if (process.env.GANTRY_RECORD_HISTORIES === '1') for (const h of histories) recordHistory(h.label, h.history);
    for await (const r of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH, replayName: 'drift-monitor' }, histories)) {
      expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
    }
  });
});

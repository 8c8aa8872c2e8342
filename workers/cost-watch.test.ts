import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listClusters } from '../core/compute/list-clusters';
import { updateClusterPrices } from '../core/compute/update-cluster-prices';
import { setBudget } from '../core/costs/budgets';
import { costBreakdown } from '../core/costs/explore';
import { newId } from '../core/ids';
import { createWebhookEndpoint } from '../core/monitoring/webhook-endpoints';
import { listNotifications } from '../core/monitoring/notifications';
import { createDeployment } from '../core/serving/create-deployment';
import { deleteDeployment } from '../core/serving/delete-deployment';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { jobWorkflowId } from '../core/training/access';
import { getTrainingJob } from '../core/training/list-training-jobs';
import { submitTrainingJob } from '../core/training/submit-training-job';
import { auditEvents, costLines } from '../db/schema';
import { inTenantScope } from '../db/with-tenant';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { registerModelDir, writeChurnModel } from '../testing/serving-models';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';
import { waitFor } from '../testing/wait-for';
import { startWebhookReceiver } from '../testing/webhook-receiver';
import { replayRuns } from './histories';
import type { CostWatchOutcome } from '../workflows/cost-watch';

/**
 * The platform's cost watch on a real Temporal server and worker: a budget's thresholds alerted
 * once each (in-app and by a signed webhook) as a running job's cost accrues, the job stopped at
 * the limit of a `block_and_stop` budget, and a deployment's runtime charged to the ledger by the
 * hour and at its deletion, each span once.
 */

let platform: TemporalPlatform;
let A: SignedUp;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
const DOLLAR = 1_000_000;
const runs: { label: string; workflowId: string }[] = [];

async function watch(at: Date, label: string): Promise<CostWatchOutcome> {
  const workflowId = `cost-watch-test/${at.getTime()}/${runs.length}`;
  const out = await platform.client.workflow.execute('costWatchWorkflow', { workflowId, taskQueue: platform.taskQueue, args: [{ at: at.toISOString() }] });
  runs.push({ label: `cost-watch-${label}`, workflowId });
  return out as CostWatchOutcome;
}

beforeAll(async () => {
  platform = await startTemporalPlatform('cost-watch', { WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true', ARTIFACT_STORE: 'filesystem' });
  await platform.startWorker();
  receiver = await startWebhookReceiver();
  A = await signUpUser('cost-watch');
  const local = (await listClusters(A.ctx)).find((c) => c.kind === 'local')!;
  // $1 a second per core: a job's cost is easy to read off its runtime.
  await updateClusterPrices(A.ctx, { clusterId: local.id, cpuCoreHourMicros: 3600 * DOLLAR, memoryGibHourMicros: 0, gpu: [] });
  const hook = await createWebhookEndpoint(A.ctx, { url: receiver.url, description: 'finance' });
  receiver.setSecret(hook.secret);
}, 180_000);

afterAll(async () => {
  await receiver?.close();
  await platform?.stop();
});

describe('the cost watch', () => {
  it('alerts each threshold once as a running job accrues, then stops the job at the limit', async () => {
    const team = await createTeam(A.ctx, { name: 'Vision' });
    const project = await createProject(A.ctx, { teamId: team.id, name: 'Detector' });
    await setBudget(A.ctx, { teamId: team.id, amountMicros: 100 * DOLLAR, action: 'block_and_stop' });
    // $60 already spent this month (an earlier job's line).
    await inTenantScope({ orgId: A.orgId }, (tx) =>
      tx.insert(costLines).values({ id: newId('costLine'), orgId: A.orgId, source: 'training', sourceKey: 'job/earlier', amountMicros: 60 * DOLLAR, occurredAt: new Date(), teamId: team.id, projectId: project.id }),
    );
    // Up to $40 more: its worst case fits exactly.
    const job = await submitTrainingJob(A.ctx, { project: project.slug, command: [process.execPath, '-e', 'setTimeout(() => {}, 120000)'], resources: { cpu: 1 }, maxRuntimeSeconds: 40 });
    const started = await waitFor('the job to run', async () => {
      const { job: j } = await getTrainingJob(A.ctx, job.id);
      return j.status === 'running' && j.startedAt ? j.startedAt : null;
    }, 60_000);

    // 25 seconds in: $85 of $100, so 50% and 80% are reached.
    const first = await watch(new Date(started.getTime() + 25_000), 'thresholds');
    expect(first).toMatchObject({ alerts: 2, stopped: 0, failed: [] });
    const mine = async () => (await listNotifications(A.ctx)).items.filter((n) => n.kind === 'budget');
    expect((await mine()).map((n) => n.title).sort()).toEqual(['team Vision reached 50% of its ' + monthName() + ' budget', 'team Vision reached 80% of its ' + monthName() + ' budget']);
    // Again at the same instant: nothing is alerted twice.
    expect(await watch(new Date(started.getTime() + 25_000), 'thresholds-again')).toMatchObject({ alerts: 0, stopped: 0 });
    expect(await mine()).toHaveLength(2);

    // 41 seconds in: $101, over the budget: 100% is alerted and the job is stopped.
    const limit = await watch(new Date(started.getTime() + 41_000), 'stop');
    expect(limit).toMatchObject({ alerts: 1, stopped: 1 });
    const final = (await platform.client.workflow.getHandle(jobWorkflowId(job.id)).result()) as { status: string };
    expect(final.status).toBe('cancelled');
    const titles = (await mine()).map((n) => n.title);
    expect(titles).toContain(`team Vision reached 100% of its ${monthName()} budget`);
    expect((await mine()).find((n) => n.title.includes('100%'))!.body).toContain('New jobs are refused and running jobs are being stopped.');

    // One signed webhook message per threshold (those of one check are sent at once, in any order).
    await waitFor('three webhook messages', async () => receiver.received.length >= 3, 30_000);
    const payloads = receiver.received.map((r) => JSON.parse(r.body) as { type: string; data: { threshold: number; budgetId: string } });
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect(payloads.map((p) => [p.type, p.data.threshold]).sort((x, y) => Number(x[1]) - Number(y[1]))).toEqual([
      ['budget.threshold', 50],
      ['budget.threshold', 80],
      ['budget.threshold', 100],
    ]);
    const audited = await inTenantScope({ orgId: A.orgId }, (tx) => tx.select({ action: auditEvents.action }).from(auditEvents).where(and(eq(auditEvents.orgId, A.orgId), eq(auditEvents.targetType, 'budget'))));
    expect(audited.map((a) => a.action).sort()).toEqual(['budget.set', 'budget.stop-jobs', 'budget.threshold', 'budget.threshold', 'budget.threshold']);
  }, 240_000);

  it('charges a deployment’s runtime by the hour and at its deletion, each span once', async () => {
    const team = await createTeam(A.ctx, { name: 'Serving' });
    const project = await createProject(A.ctx, { teamId: team.id, name: 'Churn API' });
    const v = await registerModelDir(A.ctx, { model: 'churn', dir: writeChurnModel(path.join(platform.dir, 'churn'), { seed: 1 }).dir });
    // Half a core, no memory price: $0.50 a second per replica, two replicas.
    const dep = await createDeployment(A.ctx, { name: 'churn-api', model: { name: 'churn' }, version: 1, projectId: project.id, replicas: 2, cpu: 0.5 });
    const created = new Date(dep.createdAt);
    const hour = 3_600_000;
    const nextHour = Math.ceil(created.getTime() / hour) * hour;

    // A watch two hours on charges up to the last whole hour; the same watch again charges nothing.
    const at = new Date(nextHour + hour + 60_000);
    expect((await watch(at, 'charge')).chargedMicros).toBeGreaterThan(0);
    expect((await watch(at, 'charge-again')).chargedMicros).toBe(0);
    const lines = await inTenantScope({ orgId: A.orgId }, (tx) => tx.select().from(costLines).where(eq(costLines.deploymentId, dep.id)));
    expect(lines).toHaveLength(1);
    const seconds = (nextHour + hour - created.getTime()) / 1000;
    expect(lines[0]).toMatchObject({ source: 'deployment', teamId: team.id, projectId: project.id, modelVersionId: v.versionId, seconds: Math.round(seconds * 2), amountMicros: Math.round(seconds * 2 * 0.5 * DOLLAR) });

    const range = { from: new Date(created.getTime() - hour), to: new Date(at.getTime() + hour) };
    const byVersion = await costBreakdown(A.ctx, { range, groupBy: ['deployment', 'modelVersion'], filter: { teamId: team.id } });
    expect(byVersion.groups.map((g) => [g.keys[0]!.id, g.keys[1]!.label, g.amountMicros])).toEqual([[dep.id, 'churn v1', lines[0]!.amountMicros]]);

    // A deployment deleted before the watch came by: its runtime up to the deletion is charged in the same transaction.
    const short = await createDeployment(A.ctx, { name: 'churn-short', model: { name: 'churn' }, version: 1, projectId: project.id, replicas: 2, cpu: 0.5 });
    await new Promise((r) => setTimeout(r, 1500));
    await deleteDeployment(A.ctx, { deployment: { deploymentId: short.id } });
    const charged = await inTenantScope({ orgId: A.orgId }, (tx) => tx.select().from(costLines).where(eq(costLines.deploymentId, short.id)));
    expect(charged).toHaveLength(1);
    expect(charged[0]!.seconds).toBeGreaterThanOrEqual(3);
    expect(charged[0]!.amountMicros).toBe(Math.round(((charged[0]!.endedAt!.getTime() - charged[0]!.startedAt!.getTime()) / 1000) * 2 * 0.5 * DOLLAR));
    // Gone from the watch's view too: a later watch charges it nothing more.
    expect((await watch(new Date(at.getTime() + hour), 'after-delete')).chargedMicros).toBe(Math.round(2 * 3600 * 0.5 * DOLLAR));
  }, 180_000);

  it('leaves histories that replay against the current workflow code', async () => {
    const results = await replayRuns(
      runs.map((r) => ({ label: r.label, handle: platform.client.workflow.getHandle(r.workflowId) })),
      'cost-watch',
    );
    for (const r of results) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
  });
});

function monthName() {
  return new Date().toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../core/auth/create-api-key';
import { listAuditEvents } from '../core/governance/audit-log';
import { createDeployment } from '../core/serving/create-deployment';
import { getDeployment } from '../core/serving/get-deployment';
import { getRollout } from '../core/serving/list-rollouts';
import { startRollout } from '../core/serving/start-rollout';
import type { Gateway } from '../core/serving/gateway/server';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { churnTrafficRows, startTestGateway, startTraffic, type TrafficGenerator } from '../testing/rollout-traffic';
import { churnRows, registerModelDir, writeChurnModel } from '../testing/serving-models';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';
import { waitFor } from '../testing/wait-for';
import { exited, workerProcesses } from '../testing/worker-processes';

/**
 * The worker process is killed with SIGKILL in the middle of a rollout's second step, while callers
 * keep sending requests. A new worker process resumes the workflow: the rollout ends promoted, each
 * step changed the traffic once (no step applied twice, no generation skipped), each step has one verdict.
 */

let platform: TemporalPlatform;
let client: Client;
let A: SignedUp;
let gateway: Gateway;
let traffic: TrafficGenerator;

const workers = workerProcesses();
const startWorker = workers.start;


beforeAll(async () => {
  platform = await startTemporalPlatform('rollout-crash', { ARTIFACT_STORE: 'filesystem' });
  ({ client } = platform);
  A = await signUpUser('rollout-crash');
  const rows = churnRows(4, 5);
  for (const n of [1, 2]) await registerModelDir(A.ctx, { model: 'churn', dir: writeChurnModel(path.join(platform.dir, 'models', `v${n}`), { seed: 1, bias: 0.3, rows }).dir });
  await createDeployment(A.ctx, { name: 'churn', model: { name: 'churn' }, version: 1, sampleRate: 1 });
  const key = (await createApiKey(A.ctx, { name: 'callers', scopes: ['inference'] })).secret;
  let url: string;
  ({ gateway, url } = await startTestGateway(platform.dir));
  traffic = startTraffic({ url, key, deployments: ['churn'], rows: churnTrafficRows(1, 400) });
}, 240_000);

afterAll(async () => {
  await workers.killAll();
  await traffic?.stop();
  await gateway?.close();
  await platform?.stop();
});

describe('a worker killed mid-rollout', () => {
  it('loses nothing: a new worker finishes the rollout and the traffic ends consistent', async () => {
    const before = await getDeployment(A.ctx, { name: 'churn' });
    // The worker process bundles the workflow code when it starts: slow on a busy machine.
    const first = startWorker();
    const ro = await startRollout(A.ctx, {
      deployment: { name: 'churn' },
      version: 2,
      plan: { steps: [{ weight: 20, minRequests: 40, minDurationSeconds: 3 }, { weight: 50, minRequests: 40, minDurationSeconds: 3 }, { weight: 100 }], stepTimeoutSeconds: 120 },
    });
    await waitFor('the second step under the first worker', async () => (await getRollout(A.ctx, { rolloutId: ro.id })).currentStep === 1, 240_000);
    first.kill('SIGKILL');
    await exited(first);
    expect(first.signalCode).toBe('SIGKILL');
    // While no worker runs, the canary keeps its weight: nothing half-applied.
    const down = await getDeployment(A.ctx, { name: 'churn' });
    expect(down.traffic.arms.map((a) => [a.version, a.weight, a.role])).toEqual([
      [1, 50, 'stable'],
      [2, 50, 'canary'],
    ]);

    startWorker();
    expect(await client.workflow.getHandle(ro.workflowId).result()).toMatchObject({ state: 'promoted' });
    const done = await getRollout(A.ctx, { rolloutId: ro.id });
    expect(done.verdicts.map((v) => [v.step, v.outcome])).toEqual([
      [0, 'passed'],
      [1, 'passed'],
    ]);
    const after = await getDeployment(A.ctx, { name: 'churn' });
    expect(after.traffic.arms).toEqual([{ versionId: done.toVersionId, version: 2, weight: 100, role: 'stable' }]);
    expect(after.trafficGeneration).toBe(before.trafficGeneration + 3);
    const changes = (await listAuditEvents(A.ctx, { first: 50 }, { actions: ['deployment.traffic'] })).filter((e) => (e.data as { rolloutId?: string }).rolloutId === ro.id);
    expect(changes.map((e) => (e.data as { weight?: number; outcome?: string }).weight ?? (e.data as { outcome?: string }).outcome).reverse()).toEqual([20, 50, 'promoted']);
  }, 420_000);
});

import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys } from '../db/schema';
import { inTenantScope } from '../db/with-tenant';
import { startKubeControlPlane, type KubeControlPlane } from '../testing/kube-control-plane';
import { startOipModelServer, type OipModelServer } from '../testing/oip-model-server';
import { churnRows, registerModelDir, writeChurnModel, type ChurnModel } from '../testing/serving-models';
import { signUpUser, testMeta, type SignedUp } from '../testing/fixtures';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';
import { waitFor } from '../testing/wait-for';
import { workflowResult } from '../testing/workflow-result';
import { artifactStore } from '../core/artifacts/store-from-config';
import { authenticateApiKey } from '../core/auth/authenticate-api-key';
import { createApiKey } from '../core/auth/create-api-key';
import { connectCluster } from '../core/compute/connect-cluster';
import { createDeployment } from '../core/serving/create-deployment';
import { deleteDeployment } from '../core/serving/delete-deployment';
import { RoutingTable } from '../core/serving/gateway/routing-table';
import { createGateway, type Gateway } from '../core/serving/gateway/server';
import { getDeployment } from '../core/serving/get-deployment';
import { localRuntimes } from '../core/serving/runtimes';
import { servingObjectName, type ServingEndpoint } from '../core/serving/kubernetes/manifests';
import { kubernetesRuntime } from '../core/serving/kubernetes/runtime';
import { replayRuns } from './histories';
import { updateDeployment } from '../core/serving/update-deployment';
import { getRollout } from '../core/serving/list-rollouts';
import { startRollout } from '../core/serving/start-rollout';
import { setDeploymentTraffic } from '../core/serving/set-deployment-traffic';
import { applyResourcesWorkflowId, provisionWorkflowId, teardownWorkflowId, trafficWorkflowId } from '../core/serving/kubernetes/version-steps';

/**
 * Deployments on a tenant's Kubernetes cluster, end to end: created through the use case, provisioned
 * by the real workflow on a real worker against a real control plane (KWOK makes the model-server
 * pods Ready), routed by the in-process gateway, and removed with the deployment. KWOK's pods run no
 * process, so their HTTP is played by a model server on loopback (testing/oip-model-server.ts) that
 * the gateway's resolver maps each version's Service to. Two organizations share one namespace.
 */

const NS = 'serving';
let platform: TemporalPlatform;
let cp: KubeControlPlane;
let A: SignedUp;
let B: SignedUp;
let churnA: ChurnModel;
let churnB: ChurnModel;
let serverA: OipModelServer;
let serverB: OipModelServer;
let gateway: Gateway;
let url = '';
let keyA = '';
let keyB = '';
const rows = churnRows(4, 11);
/** Service name → the loopback process standing in for its pods. */
const services = new Map<string, string>();
const resolved: ServingEndpoint[] = [];

const infer = (dep: string, key: string) =>
  fetch(`${url}/v2/models/${dep}/infer`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [rows.length, 10], data: rows.flat() }] }),
  }).then(async (r) => ({ status: r.status, version: r.headers.get('x-gantry-model-version'), body: (await r.json()) as { error?: string; outputs?: { name: string; data: number[] }[]; predictions?: unknown } }));

const k8sObjects = async (deploymentId: string) => {
  const selector = `gantry.dev/deployment=${deploymentId}`;
  const [d, s, sec] = await Promise.all([
    cp.admin.apps.listNamespacedDeployment({ namespace: NS, labelSelector: selector }),
    cp.admin.core.listNamespacedService({ namespace: NS, labelSelector: selector }),
    cp.admin.core.listNamespacedSecret({ namespace: NS, labelSelector: selector }),
  ]);
  return [...d.items.map((x) => `Deployment/${x.metadata!.name}`), ...s.items.map((x) => `Service/${x.metadata!.name}`), ...sec.items.map((x) => `Secret/${x.metadata!.name}`)].sort();
};

beforeAll(async () => {
  platform = await startTemporalPlatform('k8s-serving', { ARTIFACT_STORE: 'filesystem', CLUSTER_ALLOW_PRIVATE_ADDRESSES: 'true', GANTRY_PUBLIC_URL: 'https://gantry.example.com' });
  cp = await startKubeControlPlane();
  await cp.namespace(NS);
  A = await signUpUser('k8s-serve-a');
  B = await signUpUser('k8s-serve-b');
  // Each organization connects the same namespace with its own service account (Gantry's Role).
  await connectCluster(A.ctx, { name: 'prod', namespace: NS, kubeconfig: await cp.serviceAccount({ namespace: NS, name: 'gantry-a' }) });
  await connectCluster(B.ctx, { name: 'prod', namespace: NS, kubeconfig: await cp.serviceAccount({ namespace: NS, name: 'gantry-b' }) });
  churnA = writeChurnModel(path.join(platform.dir, 'a'), { seed: 5, rows });
  churnB = writeChurnModel(path.join(platform.dir, 'b'), { seed: 6, bias: 3, rows });
  await registerModelDir(A.ctx, { model: 'churn', dir: churnA.dir });
  await registerModelDir(B.ctx, { model: 'churn', dir: churnB.dir });
  serverA = await startOipModelServer(churnA.dir);
  serverB = await startOipModelServer(churnB.dir);
  keyA = (await createApiKey(A.ctx, { name: 'svc', scopes: ['inference'] })).secret;
  keyB = (await createApiKey(B.ctx, { name: 'svc', scopes: ['inference'] })).secret;
  await platform.startWorker();
  gateway = createGateway({
    store: artifactStore(),
    runtimes: { ...localRuntimes(), kubernetes: kubernetesRuntime({ resolve: (e) => (resolved.push(e), services.get(e.service) ?? 'http://127.0.0.1:1'), timeoutMs: 10_000 }) },
    cacheDir: mkdtempSync(path.join(platform.dir, 'gw-')),
    maxPayloadBytes: 256 * 1024,
    defaultRateLimitPerSecond: 100_000,
    routing: new RoutingTable({ ttlMs: 3_600_000, negativeTtlMs: 0 }),
  });
  await gateway.routing.start();
  await new Promise<void>((resolve) => gateway.server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
}, 240_000);

afterAll(async () => {
  await gateway?.close();
  await serverA?.close();
  await serverB?.close();
  await platform?.stop();
  await cp?.stop();
});

/** Workflows the tests waited for, replayed (and recorded with GANTRY_RECORD_HISTORIES=1) at the end. */
const runs: { label: string; workflowId: string }[] = [];
const finished = <T = unknown>(workflowId: string, label: string): Promise<T> => {
  runs.push({ label, workflowId });
  return settled<T>(workflowId);
};
/** A workflow's result; one that does not end within 90 seconds fails the test with where it stands. */
const settled = <T = unknown>(workflowId: string): Promise<T> => workflowResult<T>(platform.client, workflowId, { timeoutMs: 90_000, explain: () => clusterState(workflowId.split('/')[1]!) });

/** The deployment's objects and every pod of the namespace, as a failed wait reports them. */
async function clusterState(deploymentId: string): Promise<string> {
  const [deps, pods] = await Promise.all([
    cp.admin.apps.listNamespacedDeployment({ namespace: NS, labelSelector: `gantry.dev/deployment=${deploymentId}` }),
    cp.admin.core.listNamespacedPod({ namespace: NS }),
  ]);
  const cond = (cs: { type: string; status: string; reason?: string; message?: string }[] | undefined) => (cs ?? []).map((c) => `${c.type}=${c.status}${c.reason ? `(${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`).join(' ');
  return [
    ...deps.items.map((d) => `Deployment/${d.metadata!.name} generation ${d.metadata!.generation} observed ${d.status?.observedGeneration} updated ${d.status?.updatedReplicas} available ${d.status?.availableReplicas} of ${d.spec?.replicas}; ${cond(d.status?.conditions)}`),
    ...pods.items.map((p) => `Pod/${p.metadata!.name} on ${p.spec?.nodeName ?? '-'} ${p.status?.phase}${p.metadata?.deletionTimestamp ? ' deleting' : ''}; ${cond(p.status?.conditions)}`),
  ].join('\n');
}

describe('a deployment on a Kubernetes cluster', () => {
  it("is provisioned by its workflow, answers through the gateway at its version's Service, and leaves the cluster with the deployment, never taking another organization's objects", async () => {
    const dep = await createDeployment(A.ctx, { name: 'churn-k8s', model: { name: 'churn' }, version: 1, cluster: 'prod', replicas: 2, cpu: 0.5, memoryMib: 512 });
    expect(dep).toMatchObject({ status: 'provisioning', clusterKind: 'kubernetes' });
    const depB = await createDeployment(B.ctx, { name: 'churn-k8s', model: { name: 'churn' }, version: 1, cluster: 'prod' });
    const nameA = servingObjectName(dep.id, 1);
    const nameB = servingObjectName(depB.id, 1);
    services.set(nameA, serverA.url);
    services.set(nameB, serverB.url);

    expect(await finished(provisionWorkflowId(dep.id), 'deployment-provision-ready')).toEqual({ status: 'ready', message: null });
    expect(await settled(provisionWorkflowId(depB.id))).toEqual({ status: 'ready', message: null });
    expect(await getDeployment(A.ctx, { deploymentId: dep.id })).toMatchObject({ status: 'ready', statusMessage: null });
    expect(await k8sObjects(dep.id)).toEqual([`Deployment/${nameA}`, `Secret/${nameA}-model`, `Service/${nameA}`]);
    const k8sDeployment = await cp.admin.apps.readNamespacedDeployment({ name: nameA, namespace: NS });
    expect(k8sDeployment.spec!.replicas).toBe(2);
    expect(k8sDeployment.metadata!.labels!['gantry.dev/org']).toBe(A.orgId);
    expect(k8sDeployment.status!.availableReplicas).toBe(2);

    // The init container's key is a real, read-only key of A's, bound to the version's run.
    const secret = await cp.admin.core.readNamespacedSecret({ name: `${nameA}-model`, namespace: NS });
    const token = Buffer.from(secret.data!.MLFLOW_TRACKING_TOKEN!, 'base64').toString();
    const actor = await authenticateApiKey(token, testMeta());
    expect(actor).toMatchObject({ kind: 'api_key', orgId: A.orgId, scopes: ['read'] });
    const keyId = secret.metadata!.annotations!['gantry.dev/api-key-id']!;

    const answer = await infer('churn-k8s', keyA);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.version).toBe('1');
    answer.body.outputs!.find((o) => o.name === 'probability')!.data.forEach((p, i) => expect(p).toBeCloseTo(churnA.probability[i]!, 5));
    expect(resolved).toContainEqual({ service: nameA, namespace: NS, port: 8080 });
    expect(serverA.calls).toContain('/v2/models/model/infer');
    const scored = await fetch(`${url}/deployments/churn-k8s/invocations`, { method: 'POST', headers: { authorization: `Bearer ${keyA}`, 'content-type': 'application/json' }, body: JSON.stringify({ inputs: rows }) });
    expect(scored.status).toBe(200);
    // B's deployment of the same name answers B with B's model; neither key reaches the other's.
    const answerB = await infer('churn-k8s', keyB);
    answerB.body.outputs!.find((o) => o.name === 'probability')!.data.forEach((p, i) => expect(p).toBeCloseTo(churnB.probability[i]!, 5));
    expect(serverB.calls).toContain('/v2/models/model/infer');

    // New resources are applied to the version's Deployment in place, and the endpoint answers throughout.
    const resized = await updateDeployment(A.ctx, { deployment: { deploymentId: dep.id }, replicas: 3, cpu: 0.25 });
    expect(resized).toMatchObject({ status: 'ready', statusMessage: 'Applying the new replicas, cpu to the model servers on prod' });
    expect(await finished(applyResourcesWorkflowId(dep.id, resized.updatedAt), 'deployment-resources-applied')).toEqual({ status: 'applied', message: null });
    const applied = await cp.admin.apps.readNamespacedDeployment({ name: nameA, namespace: NS });
    expect(applied.spec!.replicas).toBe(3);
    expect(applied.spec!.template.spec!.containers[0]!.resources!.requests!.cpu).toBe('250m');
    // The new pods are the ready ones (the old ReplicaSet's may still be on their way out).
    expect(applied.status!.updatedReplicas).toBe(3);
    expect(applied.status!.availableReplicas).toBeGreaterThanOrEqual(3);
    expect(await getDeployment(A.ctx, { deploymentId: dep.id })).toMatchObject({ replicas: 3, cpu: 0.25, status: 'ready', statusMessage: null });
    expect((await infer('churn-k8s', keyA)).status).toBe(200);

    // A model server that fails is a 503, not a 500.
    serverA.failing = true;
    expect(await infer('churn-k8s', keyA)).toMatchObject({ status: 503, body: { error: expect.stringContaining("Version 1's model server failed (HTTP 500)") } });
    serverA.failing = false;

    await deleteDeployment(A.ctx, { deployment: { deploymentId: dep.id } });
    const torn = await finished<{ removed: string[] }>(teardownWorkflowId(dep.id), 'deployment-teardown');
    expect(torn.removed).toEqual([`Deployment/${nameA}`, `Service/${nameA}`, `Secret/${nameA}-model`]);
    expect(await k8sObjects(dep.id)).toEqual([]);
    const [key] = await inTenantScope({ orgId: A.orgId }, (tx) => tx.select().from(apiKeys).where(and(eq(apiKeys.orgId, A.orgId), eq(apiKeys.id, keyId))));
    expect(key!.revokedAt).not.toBeNull();
    await waitFor('the gateway to forget the deployment', async () => (await infer('churn-k8s', keyA)).status === 404);

    // B's objects, in the same namespace, are untouched and still answer.
    expect(await k8sObjects(depB.id)).toEqual([`Deployment/${nameB}`, `Secret/${nameB}-model`, `Service/${nameB}`]);
    expect((await infer('churn-k8s', keyB)).status).toBe(200);
  });

  it('answers 503 while its model servers cannot be placed, says why once they are gone, and leaves nothing behind when deleted', async () => {
    // 64 CPUs per replica: no fake node has that many, so the pod stays Pending and the deployment provisioning.
    const dep = await createDeployment(A.ctx, { name: 'too-big', model: { name: 'churn' }, version: 1, cluster: 'prod', cpu: 64 });
    const name = servingObjectName(dep.id, 1);
    await waitFor('the model-server Deployment', async () => (await k8sObjects(dep.id)).includes(`Deployment/${name}`), 60_000);
    // Its resources cannot change while its first model servers are still starting.
    await expect(updateDeployment(A.ctx, { deployment: { deploymentId: dep.id }, cpu: 1 })).rejects.toMatchObject({ code: 'CONFLICT', message: "'too-big' is still provisioning its model servers: change its resources once it is ready" });
    expect(await infer('too-big', keyA)).toMatchObject({ status: 503, body: { error: "Deployment 'too-big' is provisioning: its model servers are starting" } });

    await cp.admin.apps.deleteNamespacedDeployment({ name, namespace: NS });
    expect(await finished(provisionWorkflowId(dep.id), 'deployment-provision-failed')).toMatchObject({ status: 'failed', message: expect.stringMatching(/its Deployment .* is gone/) });
    const failed = await waitFor('the gateway to hear of the failure', async () => {
      const a = await infer('too-big', keyA);
      return a.body.error?.includes('failed to start') ? a : null;
    });
    expect(failed).toMatchObject({ status: 503, body: { error: expect.stringMatching(/^Deployment 'too-big' failed to start: Version 1's model server on cluster prod cannot start: its Deployment .* is gone/) } });

    await deleteDeployment(A.ctx, { deployment: { deploymentId: dep.id } });
    await settled(teardownWorkflowId(dep.id));
    expect(await k8sObjects(dep.id)).toEqual([]);
  });

  it('rolls a version out on the cluster: its model servers ready before any traffic, the old stable removed after promotion, a bad canary removed after rollback', async () => {
    // v2 answers as v1 does (a good canary); v3 is shifted (a bad one).
    const good = writeChurnModel(path.join(platform.dir, 'a2'), { seed: 5, rows });
    const bad = writeChurnModel(path.join(platform.dir, 'a3'), { seed: 5, bias: 4, rows });
    await registerModelDir(A.ctx, { model: 'churn', dir: good.dir });
    await registerModelDir(A.ctx, { model: 'churn', dir: bad.dir });
    const [server2, server3] = await Promise.all([startOipModelServer(good.dir), startOipModelServer(bad.dir)]);
    try {
      const dep = await createDeployment(A.ctx, { name: 'churn-roll', model: { name: 'churn' }, version: 1, cluster: 'prod', sampleRate: 1 });
      const [n1, n2, n3] = [1, 2, 3].map((v) => servingObjectName(dep.id, v)) as [string, string, string];
      services.set(n1, serverA.url);
      services.set(n2, server2.url);
      services.set(n3, server3.url);
      expect(await settled(provisionWorkflowId(dep.id))).toEqual({ status: 'ready', message: null });
      const objects = (n: string) => [`Deployment/${n}`, `Secret/${n}-model`, `Service/${n}`];

      // Callers keep asking while the rollouts run.
      let calling = true;
      const answeredBy = new Set<string>();
      const caller = (async () => {
        while (calling) {
          const a = await infer('churn-roll', keyA);
          expect(a.status, JSON.stringify(a.body)).toBe(200);
          answeredBy.add(a.version!);
        }
      })();
      const plan = { steps: [{ weight: 50, minRequests: 30, minDurationSeconds: 1 }, { weight: 100 }], stepTimeoutSeconds: 120 };
      try {
        const promote = await startRollout(A.ctx, { deployment: { deploymentId: dep.id }, version: 2, plan });
        // No traffic reaches v2 before its model servers are ready.
        await waitFor('the canary’s first step', async () => (await getRollout(A.ctx, { rolloutId: promote.id })).state === 'stepping', 60_000);
        expect(await k8sObjects(dep.id)).toEqual([...objects(n1), ...objects(n2)].sort());
        expect((await cp.admin.apps.readNamespacedDeployment({ name: n2, namespace: NS })).status!.readyReplicas).toBe(1);
        expect(await finished(promote.workflowId, 'rollout-kubernetes-promoted')).toMatchObject({ state: 'promoted' });
        expect(await k8sObjects(dep.id)).toEqual(objects(n2));
        expect(server2.calls.filter((c) => c.endsWith('/infer')).length).toBeGreaterThanOrEqual(30);

        const rollback = await startRollout(A.ctx, { deployment: { deploymentId: dep.id }, version: 3, plan });
        expect(await finished(rollback.workflowId, 'rollout-kubernetes-rolled-back')).toMatchObject({ state: 'rolled_back' });
        expect((await getRollout(A.ctx, { rolloutId: rollback.id })).reason).toMatch(/prediction distance/);
        expect(await k8sObjects(dep.id)).toEqual(objects(n2));
      } finally {
        calling = false;
        await caller;
      }
      expect([...answeredBy].sort()).toEqual(['1', '2', '3']);
      expect((await infer('churn-roll', keyA)).version).toBe('2');
      await deleteDeployment(A.ctx, { deployment: { deploymentId: dep.id } });
      await settled(teardownWorkflowId(dep.id));
      expect(await k8sObjects(dep.id)).toEqual([]);
    } finally {
      await Promise.all([server2.close(), server3.close()]);
    }
  }, 240_000);

  it('starts the model servers of versions a traffic change adds before any request reaches them, and removes those it drops', async () => {
    // churn v2 and v3 of A exist from the rollout test; the deployment starts on v2.
    // Small replicas: the fake nodes' CPUs are shared with the deployments the other tests leave running.
    const dep = await createDeployment(A.ctx, { name: 'churn-ab', model: { name: 'churn' }, version: 2, cluster: 'prod', cpu: 0.25, memoryMib: 256 });
    const [n1, n2, n3] = [1, 2, 3].map((v) => servingObjectName(dep.id, v)) as [string, string, string];
    for (const n of [n1, n2, n3]) services.set(n, serverA.url);
    expect(await settled(provisionWorkflowId(dep.id))).toEqual({ status: 'ready', message: null });
    const objects = (...names: string[]) => names.flatMap((n) => [`Deployment/${n}`, `Secret/${n}-model`, `Service/${n}`]).sort();

    // An A/B test of v1 and v2 with v3 as a shadow: the traffic waits for v1's and v3's servers.
    const asked = await setDeploymentTraffic(A.ctx, {
      deployment: { deploymentId: dep.id },
      arms: [
        { version: 1, weight: 50, role: 'variant' },
        { version: 2, weight: 50, role: 'variant' },
      ],
      shadows: [3],
    });
    expect(asked.traffic.arms.map((a) => [a.version, a.weight])).toEqual([[2, 100]]);
    expect(asked.statusMessage).toBe('Starting model servers for v1, v3 on prod: the new traffic applies once they are ready');
    expect(await finished(trafficWorkflowId(dep.id, asked.updatedAt), 'deployment-traffic-added')).toEqual({ status: 'applied', message: null });
    expect(await k8sObjects(dep.id)).toEqual(objects(n1, n2, n3));
    const ab = await getDeployment(A.ctx, { deploymentId: dep.id });
    expect(ab.traffic.arms.map((a) => [a.version, a.weight])).toEqual([
      [1, 50],
      [2, 50],
    ]);
    expect(ab.traffic.shadows.map((s) => s.version)).toEqual([3]);
    expect(ab).toMatchObject({ status: 'ready', statusMessage: null, trafficGeneration: asked.trafficGeneration + 1 });
    expect((await infer('churn-ab', keyA)).status).toBe(200);

    // Back to v2 alone: written at once, and v1's and v3's servers go.
    const back = await setDeploymentTraffic(A.ctx, { deployment: { deploymentId: dep.id }, arms: [{ version: 2, weight: 100, role: 'stable' }] });
    expect(back.traffic.arms.map((a) => [a.version, a.weight])).toEqual([[2, 100]]);
    expect(await finished(trafficWorkflowId(dep.id, back.updatedAt), 'deployment-traffic-dropped')).toEqual({ status: 'applied', message: null });
    expect(await k8sObjects(dep.id)).toEqual(objects(n2));

    await deleteDeployment(A.ctx, { deployment: { deploymentId: dep.id } });
    await settled(teardownWorkflowId(dep.id));
    expect(await k8sObjects(dep.id)).toEqual([]);
  }, 300_000);

  it('leaves histories that replay against the current workflow code', async () => {
    const results = await replayRuns(
      runs.map((r) => ({ label: r.label, handle: platform.client.workflow.getHandle(r.workflowId) })),
      'deployment-serving',
    );
    expect(results).toHaveLength(8);
    for (const r of results) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
  }, 60_000);
});

import { and, eq, sql } from 'drizzle-orm';
import { env } from '../../../config/env';
import { clusters, deployments, modelVersions, type Cluster, type Deployment, type ModelVersion } from '../../../db/schema';
import { parseMlflowArtifactPath } from '../../artifacts/mlflow-artifact-path';
import { createApiKey } from '../../auth/create-api-key';
import { getUser } from '../../auth/get-user';
import { revokeRunApiKey } from '../../auth/revoke-run-api-key';
import type { TrafficPolicy } from '../../../rules/serving/routing';
import { AppError } from '../../errors';
import { recordAudit } from '../../governance/audit';
import { parseTraffic } from '../access';
import { awaitRecorded } from '../../orchestration/record-then-start';
import { systemContext, systemMeta, type SystemContext } from '../../tenancy/context';
import { resolveTenantContext } from '../../tenancy/resolve-context';
import { withTenant } from '../../tenancy/with-tenant';
import { hasKServe, modelSecretKey, provisionVersion, removeVersion, servingTarget, versionsOnCluster, waitVersionReady, type ProvisionResult, type ServingTarget, type WaitOptions } from './provision';
import type { ServingKind } from './manifests';

/**
 * The steps workflows take to serve a deployment's versions on its cluster, read from the
 * deployment's rows: provision a version, wait for it, remove it, remove everything of a deleted
 * deployment, record the deployment's status. Each is idempotent and keyed on the deployment and
 * version IDs. On the built-in `local` cluster there is nothing to provision: the steps return
 * `{ kind: 'local' }` and do nothing, so a workflow calls them whatever the target.
 */

export interface VersionRef {
  orgId: string;
  deploymentId: string;
  versionId: string;
}

const system = (orgId: string, deploymentId: string): SystemContext => systemContext(orgId, 'deployment-serving', deploymentId);

/** The ID of the workflow that provisions a new deployment's first version. */
export const provisionWorkflowId = (deploymentId: string) => `deployment-provision/${deploymentId}`;
/** The ID of the workflow that applies a deployment's changed resources to its versions' model servers (one per change). */
export const applyResourcesWorkflowId = (deploymentId: string, changedAt: Date) => `deployment-resources/${deploymentId}/${changedAt.getTime()}`;
/** The ID of the workflow that starts new versions' model servers before a traffic change takes effect, and removes those it dropped. */
export const trafficWorkflowId = (deploymentId: string, changedAt: Date) => `deployment-traffic/${deploymentId}/${changedAt.getTime()}`;
/** The ID of the workflow that removes a deleted deployment's objects from its cluster. */
export const teardownWorkflowId = (deploymentId: string) => `deployment-teardown/${deploymentId}`;

type Loaded = { deployment: Deployment; version: ModelVersion; cluster: Cluster };

/** The deployment, the version and the cluster; null when the deployment is gone (deleted, or never committed). */
async function load(ref: VersionRef): Promise<Loaded | null> {
  return withTenant(system(ref.orgId, ref.deploymentId), async (tx) => {
    const [row] = await tx
      .select({ deployment: deployments, cluster: clusters })
      .from(deployments)
      .innerJoin(clusters, eq(clusters.id, deployments.clusterId))
      .where(and(eq(deployments.orgId, ref.orgId), eq(deployments.id, ref.deploymentId)));
    if (!row) return null;
    const [version] = await tx.select().from(modelVersions).where(and(eq(modelVersions.id, ref.versionId), eq(modelVersions.modelId, row.deployment.modelId)));
    if (!version) throw new AppError('NOT_FOUND', `Model version ${ref.versionId} is not a version of deployment ${row.deployment.name}'s model`);
    return { ...row, version };
  });
}

/** The run whose artifacts hold the version's files: the key that fetches them is bound to it. */
function sourceRun(version: ModelVersion): string {
  if (version.runId) return version.runId;
  return parseMlflowArtifactPath(version.storageLocation.slice('mlflow-artifacts:'.length).replace(/^\/+/, '')).runId;
}

/**
 * A read-only key for the init container to download the files with, minted as the user who created
 * the deployment (a key acts for a user) and bound to the version's run, so that the deployment's own
 * process can revoke it when the version is removed.
 */
async function mintModelKey(l: Loaded): Promise<{ token: string; apiKeyId: string }> {
  const userId = l.deployment.createdBy;
  if (!userId) throw new AppError('FORBIDDEN', `Deployment ${l.deployment.name} has no creating user to act for`);
  const user = await getUser(userId);
  const ctx = await resolveTenantContext({ kind: 'user', userId, email: user.email }, l.deployment.orgId, systemMeta(`deployment/${l.deployment.id}`));
  const { apiKey, secret } = await createApiKey(ctx, { name: `deployment ${l.deployment.name} v${l.version.version} model files`.slice(0, 80), scopes: ['read'], expiresInDays: null }, { runId: sourceRun(l.version) });
  return { token: secret, apiKeyId: apiKey.id };
}

export type ServingStepResult = ({ kind: 'local' } | (Omit<ProvisionResult, 'kind'> & { kind: ServingKind })) & { version: number };

/** Creates or updates a version's model servers on the deployment's cluster. */
export async function provisionServingVersion(ref: VersionRef, opts: { awaitWorkflowId?: string } = {}): Promise<ServingStepResult | null> {
  // A workflow started inside the creating transaction may run before it commits.
  if (opts.awaitWorkflowId) await withTenant(system(ref.orgId, ref.deploymentId), (tx) => awaitRecorded(tx, opts.awaitWorkflowId!));
  const l = await load(ref);
  if (!l) return null;
  if (l.cluster.kind === 'local') return { kind: 'local', version: l.version.version };
  const t = servingTarget(l.cluster);
  const sref = { orgId: ref.orgId, deploymentId: ref.deploymentId, version: l.version.version };
  const existing = await modelSecretKey(t, sref);
  const credentials = existing === undefined ? await mintModelKey(l) : null;
  const d = l.deployment;
  const result = await provisionVersion(
    t,
    {
      orgId: d.orgId,
      projectId: d.projectId,
      deploymentId: d.id,
      deploymentName: d.name,
      versionId: l.version.id,
      version: l.version.version,
      image: env().SERVING_MODEL_SERVER_IMAGE,
      replicas: d.replicas,
      cpu: d.cpu,
      memoryMib: d.memoryMib,
      gpuCount: d.gpuCount,
      gpuType: d.gpuType,
      model: { artifactUri: l.version.storageLocation, trackingUri: env().GANTRY_PUBLIC_URL.replace(/\/$/, '') },
    },
    credentials,
  );
  return { ...result, version: l.version.version };
}

/** Waits until the version's model servers are ready; fails with the reason when they cannot start. */
export async function waitServingVersionReady(ref: VersionRef, opts: WaitOptions & { kind?: ServingKind } = {}): Promise<{ kind: ServingKind | 'local'; version: number } | null> {
  const l = await load(ref);
  if (!l) return null;
  if (l.cluster.kind === 'local') return { kind: 'local', version: l.version.version };
  const t = servingTarget(l.cluster);
  const kind = opts.kind ?? ((await hasKServe(t)) ? 'inferenceservice' : 'deployment');
  await waitVersionReady(t, { orgId: ref.orgId, deploymentId: ref.deploymentId, version: l.version.version }, kind, opts);
  return { kind, version: l.version.version };
}

async function removeOn(t: ServingTarget, orgId: string, deploymentId: string, version: number): Promise<string[]> {
  const { removed, apiKeyId } = await removeVersion(t, { orgId, deploymentId, version });
  if (apiKeyId) await revokeRunApiKey(system(orgId, deploymentId), apiKeyId);
  return removed;
}

/** Removes a version's model servers (and revokes the key that fetched its files); what is gone is done. */
export async function removeServingVersion(ref: VersionRef): Promise<{ removed: string[] }> {
  const l = await load(ref);
  if (!l || l.cluster.kind === 'local') return { removed: [] };
  return { removed: await removeOn(servingTarget(l.cluster), ref.orgId, ref.deploymentId, l.version.version) };
}

/**
 * Removes every version's objects of a deleted deployment, found on its cluster by label. Started by
 * the deleting transaction: it waits for that to commit, and a deployment still there (the delete
 * rolled back) keeps its model servers.
 */
export async function removeDeploymentServing(input: { orgId: string; deploymentId: string; clusterId: string }): Promise<{ removed: string[] }> {
  const cluster = await withTenant(system(input.orgId, input.deploymentId), async (tx) => {
    await awaitRecorded(tx, teardownWorkflowId(input.deploymentId));
    const [still] = await tx.select({ id: deployments.id }).from(deployments).where(and(eq(deployments.orgId, input.orgId), eq(deployments.id, input.deploymentId)));
    if (still) return null;
    return (await tx.select().from(clusters).where(and(eq(clusters.orgId, input.orgId), eq(clusters.id, input.clusterId))))[0] ?? null;
  });
  if (!cluster || cluster.kind === 'local') return { removed: [] };
  const t = servingTarget(cluster);
  const removed: string[] = [];
  for (const version of await versionsOnCluster(t, input)) removed.push(...(await removeOn(t, input.orgId, input.deploymentId, version)));
  return { removed };
}

/** Records whether the deployment's model servers answer; the gateways hear of it through the table's trigger. */
export async function setDeploymentStatus(input: { orgId: string; deploymentId: string; status: Deployment['status']; message: string | null }): Promise<void> {
  await withTenant(system(input.orgId, input.deploymentId), (tx) =>
    tx
      .update(deployments)
      .set({ status: input.status, statusMessage: input.message?.slice(0, 2000) ?? null, updatedAt: new Date() })
      .where(and(eq(deployments.orgId, input.orgId), eq(deployments.id, input.deploymentId))),
  );
}

/** The versions a deployment serves now (every arm and shadow), oldest first; empty when it is gone. */
export async function servingVersionIds(input: { orgId: string; deploymentId: string }): Promise<string[]> {
  return withTenant(system(input.orgId, input.deploymentId), async (tx) => {
    const [row] = await tx.select().from(deployments).where(and(eq(deployments.orgId, input.orgId), eq(deployments.id, input.deploymentId)));
    if (!row) return [];
    const policy = parseTraffic(row);
    return [...policy.arms, ...policy.shadows].sort((a, b) => a.version - b.version).map((a) => a.versionId);
  });
}

/**
 * Writes a traffic policy whose new versions' model servers are now ready, unless the policy changed
 * since it was asked for (its generation moved on): then nothing is written and false says so. Audited
 * as the system, naming the workflow.
 */
export async function applyDeploymentTraffic(input: { orgId: string; deploymentId: string; policy: TrafficPolicy; fromGeneration: number; workflowId: string }): Promise<boolean> {
  const ctx = system(input.orgId, input.deploymentId);
  return withTenant(ctx, async (tx) => {
    const [row] = await tx.select().from(deployments).where(and(eq(deployments.orgId, input.orgId), eq(deployments.id, input.deploymentId))).for('update');
    if (!row || row.trafficGeneration !== input.fromGeneration) return false;
    await tx
      .update(deployments)
      .set({ traffic: input.policy, trafficGeneration: sql`${deployments.trafficGeneration} + 1`, updatedAt: new Date() })
      .where(eq(deployments.id, row.id));
    await recordAudit(tx, ctx, {
      action: 'deployment.traffic',
      targetType: 'deployment',
      targetId: row.id,
      data: { workflowId: input.workflowId, arms: input.policy.arms.map((a) => ({ version: a.version, weight: a.weight, role: a.role })), shadows: input.policy.shadows.map((v) => v.version) },
    });
    return true;
  });
}

import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { clusters, deployments, modelVersions, registeredModels, type Deployment, type ModelVersion } from '../../db/schema';
import { trafficPolicySchema, type TrafficPolicy } from '../../rules/serving/routing';
import { notFound } from '../errors';
import type { ActingContext } from '../tenancy/context';
import type { DeploymentRef } from './serving.schemas';

/** A deployment as readers see it: its traffic policy parsed, the names it points at resolved. */
export type DeploymentView = Omit<Deployment, 'traffic'> & {
  traffic: TrafficPolicy;
  modelName: string;
  clusterName: string;
  clusterKind: string;
};

export const deploymentNotFound = (ref: DeploymentRef) => notFound(`Deployment '${('deploymentId' in ref ? ref.deploymentId : ref.name).slice(0, 64)}'`);

/** The stored policy, parsed: rows are only written through the schema, so a parse failure is a corrupted row. */
export function parseTraffic(d: Pick<Deployment, 'id' | 'traffic'>): TrafficPolicy {
  const parsed = trafficPolicySchema.safeParse(d.traffic);
  if (!parsed.success) throw new Error(`deployment ${d.id} has an invalid stored traffic policy: ${parsed.error.message}`);
  return parsed.data;
}

/** The deployment by ID or name in the caller's organization, or NOT_FOUND (RLS hides other tenants' rows as well). */
export async function findDeployment(tx: Tx, ctx: Pick<ActingContext, 'orgId'>, ref: DeploymentRef, opts: { forUpdate?: boolean } = {}): Promise<Deployment> {
  const where = 'deploymentId' in ref ? and(eq(deployments.orgId, ctx.orgId), eq(deployments.id, ref.deploymentId)) : and(eq(deployments.orgId, ctx.orgId), eq(deployments.name, ref.name));
  const q = tx.select().from(deployments).where(where);
  const [d] = opts.forUpdate ? await q.for('update') : await q;
  if (!d) throw deploymentNotFound(ref);
  return d;
}

export async function loadDeploymentViews(tx: Tx, rows: Deployment[]): Promise<DeploymentView[]> {
  if (!rows.length) return [];
  const [models, cls] = await Promise.all([
    tx.select({ id: registeredModels.id, name: registeredModels.name }).from(registeredModels).where(inArray(registeredModels.id, [...new Set(rows.map((r) => r.modelId))])),
    tx.select({ id: clusters.id, name: clusters.name, kind: clusters.kind }).from(clusters).where(inArray(clusters.id, [...new Set(rows.map((r) => r.clusterId))])),
  ]);
  const modelName = new Map(models.map((m) => [m.id, m.name]));
  const cluster = new Map(cls.map((c) => [c.id, c]));
  return rows.map((r) => ({
    ...r,
    traffic: parseTraffic(r),
    modelName: modelName.get(r.modelId) ?? '',
    clusterName: cluster.get(r.clusterId)?.name ?? '',
    clusterKind: cluster.get(r.clusterId)?.kind ?? 'local',
  }));
}

/** The versions a policy names (arms and shadows), each checked to be a version of the deployment's model. */
export async function versionsOfModel(tx: Tx, modelId: string, versionIds: readonly string[]): Promise<Map<string, ModelVersion>> {
  const ids = [...new Set(versionIds)];
  if (!ids.length) return new Map();
  const rows = await tx.select().from(modelVersions).where(and(eq(modelVersions.modelId, modelId), inArray(modelVersions.id, ids)));
  return new Map(rows.map((v) => [v.id, v]));
}

import { and, asc, count, eq, gte, lt, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client';
import { clusters, deploymentRevisions, predictions } from '../../db/schema';
import { policyVersions } from '../../rules/serving/routing';
import { servingCosts, servingSeconds, type Revision, type VersionCost } from '../../rules/serving/serving-cost';
import { loadPrices } from '../compute/access';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { findDeployment, parseTraffic } from './access';
import { deploymentRefSchema } from './serving.schemas';

export const deploymentCostsInput = z.object({
  deployment: deploymentRefSchema,
  /** The window's length in seconds, ending now (at most 90 days). */
  windowSeconds: z.number().int().min(60).max(90 * 86_400).default(86_400),
});

export interface DeploymentCosts {
  from: Date;
  to: Date;
  versions: VersionCost[];
  totalMicros: number;
  requests: number;
  /** The whole deployment's cost per 1,000 predictions in the window; null without predictions. */
  per1000Micros: number | null;
}

/** The deployment's revision in force at `from` and every one after it: its serving history from `from` on. */
export async function revisionsSince(tx: Tx, orgId: string, deploymentId: string, from: Date): Promise<Revision[]> {
  const [before] = await tx
    .select()
    .from(deploymentRevisions)
    .where(and(eq(deploymentRevisions.orgId, orgId), eq(deploymentRevisions.deploymentId, deploymentId), lte(deploymentRevisions.at, from)))
    .orderBy(sql`${deploymentRevisions.at} desc`)
    .limit(1);
  const after = await tx
    .select()
    .from(deploymentRevisions)
    .where(and(eq(deploymentRevisions.orgId, orgId), eq(deploymentRevisions.deploymentId, deploymentId), gte(deploymentRevisions.at, from)))
    .orderBy(asc(deploymentRevisions.at));
  return [...(before ? [before] : []), ...after].map((r) => ({
    at: r.at,
    replicas: r.replicas,
    versions: policyVersions(parseTraffic({ id: deploymentId, traffic: r.traffic })),
  }));
}

/**
 * What a deployment cost over a window, per version: the time each version had runtimes (from the
 * revisions the deployments table's trigger writes) times its replicas, priced by the target
 * cluster's catalog with the rule jobs are costed by (requested resources × hours × price), and
 * divided by the predictions it answered (shadows: the requests mirrored to it).
 */
export async function deploymentCosts(ctx: TenantContext, input: unknown): Promise<DeploymentCosts> {
  assertCan(ctx, 'deployment:read');
  const data = parseInput(deploymentCostsInput, input);
  return withTenant(ctx, async (tx) => {
    const dep = await findDeployment(tx, ctx, data.deployment);
    const to = new Date();
    const from = new Date(to.getTime() - data.windowSeconds * 1000);
    const revisions = await revisionsSince(tx, ctx.orgId, dep.id, from);
    const counts = await tx
      .select({ versionId: predictions.modelVersionId, n: count() })
      .from(predictions)
      .where(and(eq(predictions.orgId, ctx.orgId), eq(predictions.deploymentId, dep.id), gte(predictions.at, from), lt(predictions.at, to)))
      .groupBy(predictions.modelVersionId);
    const requests = new Map(counts.flatMap((c) => (c.versionId ? [[c.versionId, Number(c.n)] as const] : [])));
    const [cluster] = await tx.select().from(clusters).where(eq(clusters.id, dep.clusterId));
    const prices = await loadPrices(tx, cluster!);
    const versions = servingCosts(servingSeconds(revisions, from, to), requests, { cpu: dep.cpu, memoryMiB: dep.memoryMib, gpuCount: dep.gpuCount, gpuType: dep.gpuType }, prices);
    const totalMicros = versions.reduce((s, v) => s + v.costMicros, 0);
    const total = versions.reduce((s, v) => s + v.requests, 0);
    return { from, to, versions, totalMicros, requests: total, per1000Micros: total > 0 ? Math.round((totalMicros * 1000) / total) : null };
  });
}

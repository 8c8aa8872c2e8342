import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { clusters, costLines, deployments, projects } from '../../db/schema';
import { jobCostMicros } from '../../rules/money';
import { servingSeconds } from '../../rules/serving/serving-cost';
import { loadPrices } from '../compute/access';
import { newId } from '../ids';
import type { SystemContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { revisionsSince } from './deployment-costs';

const HOUR = 3_600_000;

/**
 * Charges a deployment's runtime from where the ledger left it to `until`: one line per version
 * that had runtimes, its replica-seconds priced like a job's (requested resources × the cluster's
 * catalog), keyed by the deployment, the version and the span's start, so a repeated charge of the
 * same span writes nothing. The row is locked and its `costs_charged_until` moved in the same
 * transaction, so two charges never overlap.
 */
export async function chargeDeployment(tx: Tx, orgId: string, deploymentId: string, until: Date): Promise<number> {
  const [dep] = await tx
    .select({ deployment: deployments, teamId: projects.teamId })
    .from(deployments)
    .innerJoin(projects, eq(projects.id, deployments.projectId))
    .where(and(eq(deployments.orgId, orgId), eq(deployments.id, deploymentId)))
    .for('update', { of: deployments });
  if (!dep) return 0;
  const d = dep.deployment;
  const from = d.costsChargedUntil ?? d.createdAt;
  if (until.getTime() <= from.getTime()) return 0;
  const [cluster] = await tx.select().from(clusters).where(eq(clusters.id, d.clusterId));
  const prices = await loadPrices(tx, cluster!);
  const resources = { cpu: d.cpu, memoryMiB: d.memoryMib, gpuCount: d.gpuCount, gpuType: d.gpuType };
  const served = servingSeconds(await revisionsSince(tx, orgId, d.id, from), from, until);
  const lines = served
    .map((v) => ({ v, amount: jobCostMicros(v.replicaSeconds, resources, prices) }))
    .filter((x) => x.amount > 0)
    .map(({ v, amount }) => ({
      id: newId('costLine'),
      orgId,
      source: 'deployment' as const,
      sourceKey: `deployment/${d.id}/${v.versionId}/${from.getTime()}`,
      amountMicros: amount,
      occurredAt: until,
      startedAt: from,
      endedAt: until,
      seconds: Math.round(v.replicaSeconds),
      teamId: dep.teamId,
      projectId: d.projectId,
      userId: d.createdBy,
      modelVersionId: v.versionId,
      deploymentId: d.id,
      clusterId: d.clusterId,
      gpuType: d.gpuCount > 0 ? d.gpuType : null,
    }));
  if (lines.length) await tx.insert(costLines).values(lines).onConflictDoNothing({ target: [costLines.orgId, costLines.sourceKey] });
  await tx.update(deployments).set({ costsChargedUntil: until }).where(eq(deployments.id, d.id));
  return lines.reduce((s, l) => s + l.amountMicros, 0);
}

/** Each deployment of the organization charged up to the last whole hour before `at`. */
export async function chargeDeployments(ctx: SystemContext, at: Date): Promise<number> {
  const until = new Date(Math.floor(at.getTime() / HOUR) * HOUR);
  const ids = await withTenant(ctx, (tx) => tx.select({ id: deployments.id }).from(deployments).where(eq(deployments.orgId, ctx.orgId)));
  let total = 0;
  for (const { id } of ids) total += await withTenant(ctx, (tx) => chargeDeployment(tx, ctx.orgId, id, until));
  return total;
}


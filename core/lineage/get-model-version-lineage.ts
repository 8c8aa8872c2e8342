import { and, desc, eq } from 'drizzle-orm';
import { clusters, experiments, loggedModels, runs, trainingJobs, type Experiment, type LoggedModel, type RegisteredModel } from '../../db/schema';
import { toClusterView, type ClusterView } from '../compute/access';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { loadRunViews, type RunView } from '../tracking/access';
import type { JobView } from '../training/access';
import { idSchema, parseInput } from '../validation';
import { findVersionById, loadVersionViews, type ModelVersionView } from '../registry/access';

/**
 * Where a model version came from and where it went: the run (params, metrics,
 * datasets), the training job that produced the run and the cluster it ran on.
 * `deployments` belongs to the serving domain; until it exists a version is
 * served nowhere, which is what it says. Lineage reads across registry, tracking,
 * training and compute (and later serving), so it sits above them in its own
 * domain, and none of them imports it.
 */
export interface ModelVersionLineage {
  model: RegisteredModel;
  version: ModelVersionView;
  /** The run that produced it, with params, latest metrics and input datasets; null for an external source or a deleted run. */
  run: RunView | null;
  experiment: Experiment | null;
  loggedModel: LoggedModel | null;
  job: JobView | null;
  cluster: ClusterView | null;
  deployments: { id: string }[];
}

export async function getModelVersionLineage(ctx: TenantContext, versionId: unknown): Promise<ModelVersionLineage> {
  assertCan(ctx, 'model:read');
  const id = parseInput(idSchema('Model version ID'), versionId);
  return withTenant(ctx, async (tx) => {
    const { model, version } = await findVersionById(tx, ctx, id);
    const [[view], runRows, lmRows] = await Promise.all([
      loadVersionViews(tx, [version]),
      version.runId ? tx.select().from(runs).where(eq(runs.id, version.runId)) : Promise.resolve([]),
      version.loggedModelId ? tx.select().from(loggedModels).where(eq(loggedModels.id, version.loggedModelId)) : Promise.resolve([]),
    ]);
    const [run] = await loadRunViews(tx, runRows);
    const [experiment] = run ? await tx.select().from(experiments).where(eq(experiments.id, run.experimentId)) : [];
    const [job] = run
      ? await tx.select().from(trainingJobs).where(and(eq(trainingJobs.runId, run.id), eq(trainingJobs.kind, 'training'))).orderBy(desc(trainingJobs.createdAt)).limit(1)
      : [];
    const [cluster] = job ? await tx.select().from(clusters).where(eq(clusters.id, job.clusterId)) : [];
    return {
      model,
      version: view!,
      run: run ?? null,
      experiment: experiment ?? null,
      loggedModel: lmRows[0] ?? null,
      job: (job as JobView | undefined) ?? null,
      cluster: cluster ? toClusterView(cluster) : null,
      deployments: [],
    };
  });
}

import { eq } from 'drizzle-orm';
import { experiments, loggedModels, runs, type Experiment, type LoggedModel, type RegisteredModel } from '../../db/schema';
import { withTenant } from '../../db/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { loadRunViews, type RunView } from '../tracking/access';
import { idSchema, parseInput } from '../validation';
import { findVersionById, loadVersionViews, tenantScope, type ModelVersionView } from './access';

/**
 * Where a model version came from and where it went. `job`, `cluster` and
 * `deployments` belong to the training and serving domains; until those exist a
 * version has no job or cluster and is served nowhere, which is what they say.
 */
export interface ModelVersionLineage {
  model: RegisteredModel;
  version: ModelVersionView;
  /** The run that produced it, with params, latest metrics and input datasets; null for an external source or a deleted run. */
  run: RunView | null;
  experiment: Experiment | null;
  loggedModel: LoggedModel | null;
  job: { id: string } | null;
  cluster: { id: string } | null;
  deployments: { id: string }[];
}

export async function getModelVersionLineage(ctx: TenantContext, versionId: unknown): Promise<ModelVersionLineage> {
  assertCan(ctx, 'model:read');
  const id = parseInput(idSchema('Model version ID'), versionId);
  return withTenant(tenantScope(ctx), async (tx) => {
    const { model, version } = await findVersionById(tx, ctx, id);
    const [[view], runRows, lmRows] = await Promise.all([
      loadVersionViews(tx, [version]),
      version.runId ? tx.select().from(runs).where(eq(runs.id, version.runId)) : Promise.resolve([]),
      version.loggedModelId ? tx.select().from(loggedModels).where(eq(loggedModels.id, version.loggedModelId)) : Promise.resolve([]),
    ]);
    const [run] = await loadRunViews(tx, runRows);
    const [experiment] = run ? await tx.select().from(experiments).where(eq(experiments.id, run.experimentId)) : [];
    return {
      model,
      version: view!,
      run: run ?? null,
      experiment: experiment ?? null,
      loggedModel: lmRows[0] ?? null,
      job: null,
      cluster: null,
      deployments: [],
    };
  });
}

import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { loggedModels, type LoggedModel, type Run } from '../../db/schema';
import { AppError, notFound } from '../errors';
import type { TenantContext } from '../tenancy/context';
import { findRun } from '../tracking/access';
import { runArtifactUri } from '../tracking/mlflow/serialize';

export interface ResolvedSource {
  /** Where the model files are: what `get-download-uri` answers and what loaders read. */
  storageLocation: string;
  run: Run | null;
  loggedModel: LoggedModel | null;
}

const bad = (m: string) => new AppError('BAD_USER_INPUT', m);

export async function findLoggedModel(tx: Tx, ctx: TenantContext, id: string, opts: { includeDeleted?: boolean } = {}): Promise<LoggedModel> {
  const [m] = await tx.select().from(loggedModels).where(and(eq(loggedModels.orgId, ctx.orgId), eq(loggedModels.id, id)));
  if (!m || (m.deletedAt && !opts.includeDeleted)) throw notFound(`Logged Model with ID '${id.slice(0, 64)}'`);
  return m;
}

/**
 * Resolves what a model version is registered from. Sources inside Gantry
 * (`runs:/<runId>/<path>`, `models:/<loggedModelId>`, `mlflow-artifacts:/<exp>/<runId>/artifacts/…`)
 * must name objects of the caller's organization (NOT_FOUND otherwise) and agree
 * with `runId` when both are given; any other URI (s3://, gs://, https://…) is an
 * external source kept as given, with no run unless one is named.
 */
export async function resolveModelSource(tx: Tx, ctx: TenantContext, source: string, runId: string | null): Promise<ResolvedSource> {
  const namedRun = runId ? await findRun(tx, ctx, runId) : null;
  const agree = (run: Run) => {
    if (namedRun && namedRun.id !== run.id) throw bad(`The source belongs to run ${run.id}, not to run_id ${namedRun.id}`);
    return run;
  };
  if (source.startsWith('runs:/')) {
    const m = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(source);
    if (!m) throw bad(`Invalid runs URI '${source.slice(0, 200)}': use runs:/<run_id>/<path>`);
    const run = agree(await findRun(tx, ctx, m[1]!));
    const path = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
    if (path.split('/').includes('..')) throw bad('The source path must not contain ".."');
    const root = runArtifactUri(run.experimentId, run.id);
    return { storageLocation: path ? `${root}/${path}` : root, run, loggedModel: null };
  }
  if (source.startsWith('models:/')) {
    const id = source.slice('models:/'.length).replace(/\/+$/, '');
    if (!id || id.includes('/') || id.includes('@')) {
      throw bad(`A model version's source may be models:/<logged model ID>, not a registered model URI ('${source.slice(0, 200)}')`);
    }
    const loggedModel = await findLoggedModel(tx, ctx, id);
    const run = loggedModel.sourceRunId ? agree(await findRun(tx, ctx, loggedModel.sourceRunId)) : namedRun;
    return { storageLocation: loggedModel.artifactLocation, run, loggedModel };
  }
  if (source.startsWith('mlflow-artifacts:')) {
    const m = /^mlflow-artifacts:\/*([^/]+)\/([^/]+)\/artifacts(?:\/.*)?$/.exec(source);
    if (!m) throw notFound(`Artifacts at '${source.slice(0, 200)}'`);
    const [, experimentId, ownerId] = m;
    if (source.split('/').includes('..')) throw bad('The source path must not contain ".."');
    const [lm] = await tx.select().from(loggedModels).where(and(eq(loggedModels.orgId, ctx.orgId), eq(loggedModels.id, ownerId!)));
    if (lm) {
      if (lm.experimentId !== experimentId) throw notFound(`Artifacts at '${source.slice(0, 200)}'`);
      return { storageLocation: source, run: lm.sourceRunId ? await findRun(tx, ctx, lm.sourceRunId) : namedRun, loggedModel: lm };
    }
    const run = agree(await findRun(tx, ctx, ownerId!));
    if (run.experimentId !== experimentId) throw notFound(`Artifacts at '${source.slice(0, 200)}'`);
    return { storageLocation: source, run, loggedModel: null };
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(source) && !source.startsWith('/')) {
    throw bad(`Invalid model source '${source.slice(0, 200)}': use runs:/<run_id>/<path>, models:/<logged model ID> or a storage URI`);
  }
  return { storageLocation: source, run: namedRun, loggedModel: null };
}

import type { TenantContext } from '../tenancy/context';
import { normalizeArtifactPath, runArtifactKey } from './artifact-path';
import { authorizeArtifactOwner, storeOf, type ArtifactDeps } from './run-access';

export interface ArtifactListing {
  /** Relative to the run's artifact root, e.g. `model/MLmodel`. */
  path: string;
  isDir: boolean;
  /** Bytes for files; null for directories. */
  size: number | null;
  /** The stored content type of a file, when asked for (`withContentTypes`); null for directories. */
  contentType?: string | null;
}

/** Content types cost one metadata read per file; this many run at once. */
const HEAD_CONCURRENCY = 16;

/**
 * The direct children of a directory of a run's artifacts, as MLflow lists them:
 * one level deep, directories without sizes. A missing directory or a file path
 * lists as empty, which is what the mlflow client expects.
 */
export async function listArtifacts(
  ctx: TenantContext,
  input: { runId: unknown; experimentId?: string | null; path?: unknown; withContentTypes?: boolean },
  deps: ArtifactDeps = {},
): Promise<ArtifactListing[]> {
  const dir = normalizeArtifactPath(input.path, { allowRoot: true });
  const run = await authorizeArtifactOwner(ctx, input, { permission: 'run:read' });
  const store = storeOf(deps);
  const entries = await store.list(runArtifactKey(ctx.orgId, run.id, dir));
  const out: ArtifactListing[] = entries.map((e) => ({ path: dir ? `${dir}/${e.name}` : e.name, isDir: e.isDir, size: e.size }));
  if (input.withContentTypes) {
    for (let i = 0; i < out.length; i += HEAD_CONCURRENCY) {
      await Promise.all(
        out.slice(i, i + HEAD_CONCURRENCY).map(async (e) => {
          // A file deleted between the listing and this read simply has no type.
          e.contentType = e.isDir ? null : ((await store.head(runArtifactKey(ctx.orgId, run.id, e.path)))?.contentType ?? null);
        }),
      );
    }
  }
  return out;
}

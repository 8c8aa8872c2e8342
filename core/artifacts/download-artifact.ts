import type { Readable } from 'node:stream';
import { notFound } from '../errors';
import type { TenantContext } from '../tenancy/context';
import { normalizeArtifactPath, runArtifactKey } from './artifact-path';
import type { ArtifactObjectInfo, ByteRange } from './artifact-store';
import { authorizeArtifactOwner, storeOf, type ArtifactDeps } from './run-access';

/**
 * One artifact's bytes as a stream (only `range`'s, when given), with its whole size, content
 * type and ETag; NOT_FOUND for a missing file or a directory.
 */
export async function downloadArtifact(
  ctx: TenantContext,
  input: { runId: unknown; experimentId?: string | null; path: unknown; range?: ByteRange },
  deps: ArtifactDeps = {},
): Promise<{ path: string; info: ArtifactObjectInfo; body: Readable }> {
  const path = normalizeArtifactPath(input.path);
  const run = await authorizeArtifactOwner(ctx, input, { permission: 'run:read' });
  const found = await storeOf(deps).get(runArtifactKey(ctx.orgId, run.id, path), { range: input.range });
  if (!found) throw notFound(`Artifact '${path.slice(0, 200)}'`);
  return { path, ...found };
}

import type { Readable } from 'node:stream';
import { env } from '../../config/env';
import type { TenantContext } from '../tenancy/context';
import { normalizeArtifactPath, runArtifactKey } from './artifact-path';
import { artifactContentType, sizeLimitError, type ArtifactObjectInfo } from './artifact-store';
import { authorizeArtifactOwner, storeOf, type ArtifactDeps } from './run-access';

export interface UploadArtifactInput {
  runId: unknown;
  experimentId?: string | null;
  path: unknown;
  body: Readable;
  contentType?: string | null;
  /** The declared length, when the transport knows it: an oversized upload is refused before a byte is read. */
  contentLength?: number | null;
}

/**
 * Streams one file into a run's artifacts, replacing any file at the same path.
 * Like logging params or metrics, uploads are run data rather than audited changes;
 * deleting artifacts is audited. Deleted runs take no new artifacts, as MLflow
 * refuses logging to them.
 */
export async function uploadArtifact(ctx: TenantContext, input: UploadArtifactInput, deps: ArtifactDeps = {}): Promise<ArtifactObjectInfo & { path: string }> {
  const path = normalizeArtifactPath(input.path);
  const run = await authorizeArtifactOwner(ctx, input, { permission: 'run:write', requireActive: true });
  const maxBytes = env().ARTIFACT_MAX_BYTES;
  if (input.contentLength != null && input.contentLength > maxBytes) {
    input.body.destroy();
    throw sizeLimitError(maxBytes);
  }
  const info = await storeOf(deps).put(runArtifactKey(ctx.orgId, run.id, path), input.body, {
    contentType: artifactContentType(path, input.contentType),
    maxBytes,
  });
  return { ...info, path };
}

import path from 'node:path';
import { env } from '../../config/env';
import type { ArtifactStore } from './artifact-store';
import { FilesystemArtifactStore } from './filesystem-artifact-store';
import { S3ArtifactStore } from './s3-artifact-store';

// One store per process and configuration (the S3 client keeps a connection pool).
const g = globalThis as unknown as { __gantryArtifactStore?: { signature: string; store: ArtifactStore } };

/** The store the configuration selects: `ARTIFACT_STORE=filesystem` (default, `$GANTRY_HOME/artifacts`) or `s3`. */
export function artifactStore(): ArtifactStore {
  const e = env();
  const signature = JSON.stringify([e.ARTIFACT_STORE, e.GANTRY_HOME, e.S3_ENDPOINT, e.S3_BUCKET, e.S3_REGION, e.S3_ACCESS_KEY_ID, e.S3_FORCE_PATH_STYLE]);
  if (g.__gantryArtifactStore?.signature === signature) return g.__gantryArtifactStore.store;
  const store =
    e.ARTIFACT_STORE === 's3'
      ? new S3ArtifactStore({
          bucket: e.S3_BUCKET!,
          region: e.S3_REGION,
          endpoint: e.S3_ENDPOINT,
          accessKeyId: e.S3_ACCESS_KEY_ID,
          secretAccessKey: e.S3_SECRET_ACCESS_KEY,
          forcePathStyle: e.S3_FORCE_PATH_STYLE,
        })
      : new FilesystemArtifactStore(path.join(path.resolve(e.GANTRY_HOME), 'artifacts'));
  g.__gantryArtifactStore = { signature, store };
  return store;
}

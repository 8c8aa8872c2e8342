import { parse } from 'yaml';
import { runArtifactKey } from '../artifacts/artifact-path';
import type { ArtifactStore } from '../artifacts/artifact-store';
import { parseMlflowArtifactPath } from '../artifacts/mlflow-artifact-path';
import { createLogger } from '../observability/logger';

const log = createLogger('registry');

/** What a model's own files say about it, read when a version is registered. */
export interface ModelMetadata {
  /** The MLmodel flavor that names the library, e.g. `sklearn`, `pytorch`, `onnx`. */
  framework: string | null;
  /** MLflow's signature as the MLmodel file holds it: `{inputs, outputs, params}`, each a JSON string. */
  signature: Record<string, unknown> | null;
  /** Bytes of every file under the model's directory; null when there are none (or too many to count). */
  sizeBytes: number | null;
}

export const NO_MODEL_METADATA: ModelMetadata = { framework: null, signature: null, sizeBytes: null };

/** MLmodel files are a few KiB; anything far larger is not one. */
const MLMODEL_MAX_BYTES = 1024 * 1024;
/** A directory with more files than this is not sized: walking it would cost more than the number is worth. */
const MAX_FILES = 10_000;
const LIST_CONCURRENCY = 8;
/** The flavor every Python model also has; it names a loader, not a library. */
const PYFUNC = 'python_function';

/**
 * The artifact store key of a storage location inside Gantry (`mlflow-artifacts:/<experiment>/<owner>/artifacts/<path>`,
 * the owner being a run or a logged model), or null for anything else: external URIs are the tenant's own storage.
 */
export function artifactKeyOf(orgId: string, storageLocation: string): string | null {
  if (!storageLocation.startsWith('mlflow-artifacts:')) return null;
  try {
    const { runId, path } = parseMlflowArtifactPath(storageLocation.slice('mlflow-artifacts:'.length).replace(/^\/+/, ''));
    return runArtifactKey(orgId, runId, path);
  } catch {
    return null;
  }
}

/**
 * Framework and signature from the text of an MLmodel file. The framework is the
 * first flavor other than `python_function` (a custom pyfunc model has only that one).
 * Text that is not an MLmodel gives nulls rather than an error: registering never
 * depends on the files.
 */
export function parseMlModel(text: string): Pick<ModelMetadata, 'framework' | 'signature'> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return { framework: null, signature: null };
  }
  if (!isRecord(doc)) return { framework: null, signature: null };
  const flavors = isRecord(doc.flavors) ? Object.keys(doc.flavors) : [];
  const framework = flavors.find((f) => f !== PYFUNC) ?? (flavors.includes(PYFUNC) ? PYFUNC : null);
  let signature: Record<string, unknown> | null = null;
  if (isRecord(doc.signature)) {
    const parts = Object.entries(doc.signature).filter(([k, v]) => ['inputs', 'outputs', 'params'].includes(k) && v != null);
    if (parts.length) signature = Object.fromEntries(parts);
  }
  return { framework: framework?.slice(0, 100) ?? null, signature };
}

/**
 * Reads a model directory in the artifact store: its MLmodel file (if any) and the
 * total size of its files. Store failures are logged and give no metadata, so an
 * unreachable bucket never blocks a registration.
 */
export async function readModelMetadata(store: ArtifactStore, orgId: string, storageLocation: string): Promise<ModelMetadata> {
  const dir = artifactKeyOf(orgId, storageLocation);
  if (!dir) return NO_MODEL_METADATA;
  try {
    const [mlmodel, sizeBytes] = await Promise.all([readMlModel(store, `${dir}/MLmodel`), directorySize(store, dir)]);
    return { ...(mlmodel ? parseMlModel(mlmodel) : { framework: null, signature: null }), sizeBytes };
  } catch (e) {
    log.warn('could not read model files at registration', { storageLocation, error: e instanceof Error ? e.message : String(e) });
    return NO_MODEL_METADATA;
  }
}

export async function readMlModel(store: ArtifactStore, key: string): Promise<string | null> {
  const found = await store.get(key);
  if (!found) return null;
  if (found.info.size > MLMODEL_MAX_BYTES) {
    found.body.destroy();
    return null;
  }
  const chunks: Buffer[] = [];
  for await (const c of found.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Sum of file sizes below `dir`, walking directories a few at a time; null when empty or larger than MAX_FILES. */
async function directorySize(store: ArtifactStore, dir: string): Promise<number | null> {
  let total = 0;
  let files = 0;
  let pending = [dir];
  while (pending.length) {
    const batch = pending.slice(0, LIST_CONCURRENCY);
    pending = pending.slice(LIST_CONCURRENCY);
    for (const [i, entries] of (await Promise.all(batch.map((d) => store.list(d)))).entries()) {
      for (const e of entries) {
        if (e.isDir) {
          pending.push(`${batch[i]}/${e.name}`);
        } else {
          total += e.size ?? 0;
          if (++files > MAX_FILES) return null;
        }
      }
    }
  }
  return files ? total : null;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

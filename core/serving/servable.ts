import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { parse } from 'yaml';
import type { ModelVersion } from '../../db/schema';
import type { ArtifactStore } from '../artifacts/artifact-store';
import { artifactKeyOf, isRecord, readMlModel } from '../registry/model-metadata';

/** Which runtime serves a version: ONNX in the gateway, any other Python flavor in a model-server process. */
export type ServingRuntimeKind = 'onnx' | 'mlserver';

export type ServingPlan = { ok: true; runtime: ServingRuntimeKind; modelKey: string } | { ok: false; reason: string };

/** A model directory larger than this is not copied to a gateway's disk. */
export const MAX_MODEL_FILES = 2_000;

/**
 * Whether a version's files are a model Gantry can serve, and with what: read from its MLmodel file in
 * the artifact store. Deploying refuses a version this says no to, with its reason.
 */
export async function servingPlan(store: ArtifactStore, version: Pick<ModelVersion, 'orgId' | 'storageLocation' | 'version'>): Promise<ServingPlan> {
  const modelKey = artifactKeyOf(version.orgId, version.storageLocation);
  if (!modelKey) return { ok: false, reason: `version ${version.version}'s files are outside Gantry's artifact store (${version.storageLocation.slice(0, 200)}), so no gateway can load them` };
  const text = await readMlModel(store, `${modelKey}/MLmodel`);
  if (text === null) return { ok: false, reason: `version ${version.version} has no MLmodel file at its location: it was not saved as an MLflow model (log it with mlflow.<flavor>.log_model)` };
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return { ok: false, reason: `version ${version.version}'s MLmodel file is not valid YAML` };
  }
  const flavors = isRecord(doc) && isRecord(doc.flavors) ? doc.flavors : {};
  const onnx = flavors.onnx;
  if (isRecord(onnx)) {
    const data = typeof onnx.data === 'string' ? onnx.data : 'model.onnx';
    if (!(await store.head(`${modelKey}/${data}`))) return { ok: false, reason: `version ${version.version}'s MLmodel names the ONNX file '${data}', which is not among its files` };
    return { ok: true, runtime: 'onnx', modelKey };
  }
  const pyfunc = flavors.python_function;
  if (isRecord(pyfunc) && typeof pyfunc.loader_module === 'string') return { ok: true, runtime: 'mlserver', modelKey };
  const names = Object.keys(flavors);
  return { ok: false, reason: `version ${version.version}'s MLmodel has no flavor Gantry can serve (${names.length ? `found ${names.join(', ')}` : 'it lists none'}; serving needs onnx or python_function)` };
}

/**
 * Copies a model directory from the artifact store to `dest` (replaced whole: written beside it, then
 * renamed), so a runtime that needs files on disk gets them. Returns the number of files.
 */
export async function downloadModelDir(store: ArtifactStore, modelKey: string, dest: string): Promise<number> {
  const staging = `${dest}.partial-${process.pid}-${Date.now()}`;
  await rm(staging, { recursive: true, force: true });
  let files = 0;
  const walk = async (key: string, dir: string): Promise<void> => {
    await mkdir(dir, { recursive: true });
    for (const e of await store.list(key)) {
      const childKey = `${key}/${e.name}`;
      const childPath = path.join(dir, e.name);
      if (e.isDir) {
        await walk(childKey, childPath);
        continue;
      }
      if (++files > MAX_MODEL_FILES) throw new Error(`the model has more than ${MAX_MODEL_FILES} files`);
      const found = await store.get(childKey);
      if (!found) continue;
      await pipeline(found.body, createWriteStream(childPath));
    }
  };
  try {
    await walk(modelKey, staging);
    await writeFile(path.join(staging, '.gantry-model-key'), modelKey);
    await rm(dest, { recursive: true, force: true });
    await rename(staging, dest);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
  return files;
}

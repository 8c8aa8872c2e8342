import { realpath, stat, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { env } from '../../config/env';
import { parseCsv, type CsvTable } from '../../rules/monitoring/csv';
import type { ArtifactStore } from '../artifacts/artifact-store';
import { normalizeArtifactPath } from '../artifacts/artifact-path';

/**
 * Reads the table a run logged as its training input (`mlflow.log_input`): the dataset's source is
 * a JSON object with a `uri`. Two kinds of URI are read:
 *  - `runs:/<runId>/<path>`: a file among the organization's own run artifacts;
 *  - a local path (absolute, or `file://`): only under a directory the operator listed in
 *    GANTRY_DATASET_ROOTS, since the path names a file on whatever machine ran the job.
 * CSV only. Anything else is a reason, shown with the baseline that live traffic then provides.
 */
export type TrainingTable = { ok: true; table: CsvTable; label: string } | { ok: false; reason: string };

export function datasetUri(source: string): string | null {
  try {
    const parsed = JSON.parse(source) as unknown;
    if (parsed && typeof parsed === 'object' && typeof (parsed as { uri?: unknown }).uri === 'string') return (parsed as { uri: string }).uri;
  } catch {
    // A plain string source (older clients) is its own URI.
  }
  return source.trim() || null;
}

async function readCapped(body: Readable, max: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      body.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function underRoot(file: string): Promise<string | null> {
  const roots = env()
    .GANTRY_DATASET_ROOTS.split(':')
    .map((r) => r.trim())
    .filter(Boolean);
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    return null;
  }
  for (const root of roots) {
    const r = await realpath(root).catch(() => null);
    if (r && (real === r || real.startsWith(r + path.sep))) return real;
  }
  return null;
}

export async function readTrainingTable(orgId: string, source: string, store: ArtifactStore): Promise<TrainingTable> {
  const uri = datasetUri(source);
  if (!uri) return { ok: false, reason: 'the logged dataset has no source' };
  const max = env().BASELINE_MAX_BYTES;
  if (!/\.csv$/i.test(uri.split('?')[0]!)) return { ok: false, reason: `the logged dataset '${uri}' is not a CSV file, the format baselines are read from` };
  const runs = /^runs:\/([^/]+)\/(.+)$/.exec(uri);
  if (runs) {
    let key: string;
    try {
      key = normalizeArtifactPath(`${orgId}/${runs[1]}/${runs[2]}`);
    } catch {
      return { ok: false, reason: `the dataset path '${uri}' is not a valid artifact path` };
    }
    const got = await store.get(key);
    if (!got) return { ok: false, reason: `the dataset '${uri}' is not among the run's artifacts` };
    const text = await readCapped(got.body, max);
    if (text === null) return { ok: false, reason: `the dataset '${uri}' is larger than ${max} bytes` };
    return { ok: true, table: parseCsv(text), label: uri };
  }
  const local = uri.startsWith('file://') ? decodeURIComponent(uri.slice('file://'.length)) : uri;
  if (/^[a-z][a-z0-9+.-]*:/i.test(local)) return { ok: false, reason: `the dataset's source '${uri}' is not one Gantry reads (run artifacts, or files under the operator's dataset directories)` };
  if (!path.isAbsolute(local)) return { ok: false, reason: `the dataset was logged by the relative path '${uri}', which names no file Gantry can find` };
  const file = await underRoot(local);
  if (!file) return { ok: false, reason: `the dataset's path '${uri}' is not under a directory Gantry may read training data from` };
  const info = await stat(file);
  if (info.size > max) return { ok: false, reason: `the dataset '${uri}' is larger than ${max} bytes` };
  return { ok: true, table: parseCsv(await readFile(file, 'utf8')), label: uri };
}

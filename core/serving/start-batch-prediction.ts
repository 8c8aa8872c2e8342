import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { datasets } from '../../db/schema';
import type { Tx as DbTx } from '../../db/client';
import { resourcesSchema } from '../../rules/job-spec';
import { artifactStore } from '../artifacts/store-from-config';
import { findCluster, LOCAL_CLUSTER_NAME } from '../compute/access';
import { AppError, notFound } from '../errors';
import { recordThenStart, startCall } from '../orchestration/record-then-start';
import { findModel, findVersion } from '../registry/access';
import { artifactKeyOf, readMlModel } from '../registry/model-metadata';
import { findVersionByAlias } from '../registry/resolve-model-uri';
import { modelRefSchema, versionNumberSchema } from '../registry/registry.schemas';
import type { TenantContext } from '../tenancy/context';
import type { JobView } from '../training/access';
import { recordTrainingJob } from '../training/record-training-job';
import { idSchema, parseInput } from '../validation';

/** The scorer every batch prediction job runs (`python -c`), so any image with mlflow and pandas can run it. */
const SCRIPT = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'batch', 'batch_predict.py'), 'utf8');

/** URIs a job can download from wherever it runs, through the mlflow client. */
const FETCHABLE = /^(runs:\/|models:\/|mlflow-artifacts:\/|s3:\/\/|gs:\/\/|https?:\/\/)/;
const columnName = z.string().trim().min(1).max(200).regex(/^[^,]+$/, 'Column names cannot contain commas');

export const startBatchPredictionInput = z
  .object({
    model: modelRefSchema,
    version: versionNumberSchema.nullish(),
    alias: z.string().trim().min(1).max(255).nullish(),
    /** The data: an artifact URI (`runs:/<run>/data/scoring.csv`, a directory of CSV or Parquet files, `s3://…`)... */
    input: z.string().trim().min(1).max(2048).nullish(),
    /** ...or a dataset a run logged (MLflow `log_input`) whose source is such a URI. */
    datasetId: idSchema('Dataset ID').nullish(),
    /** The columns the model reads (default: its signature's, else every column but the passthrough ones). */
    columns: z.array(columnName).max(1000).default([]),
    /** Columns copied to the output beside the predictions (an ID column). */
    passthrough: z.array(columnName).max(50).default([]),
    /** The output file's name in the job's run: `.csv` or `.parquet`. */
    output: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._-]+\.(csv|parquet)$/, 'The output is a file name ending in .csv or .parquet')
      .default('predictions.csv'),
    /** The project the job runs in; the model's when omitted. */
    project: z.string().trim().min(1).max(100).nullish(),
    cluster: z.string().trim().min(1).max(100).nullish(),
    /** The container image on a Kubernetes cluster: it needs Python with mlflow, pandas and the model's own requirements. */
    image: z.string().trim().max(512).default(''),
    resources: resourcesSchema.default({ cpu: 1, memoryMiB: 2048, gpu: { count: 0, type: null } }),
    maxRuntimeSeconds: z.number().int().min(60).max(7 * 24 * 3600).default(6 * 3600),
    retries: z.number().int().min(0).max(5).default(1),
  })
  .refine((d) => (d.version == null) !== (d.alias == null), { message: 'Give either a version or an alias to score with', path: ['version'] })
  .refine((d) => (d.input == null) !== (d.datasetId == null), { message: 'Give either an input URI or a dataset', path: ['input'] });

/** A logged dataset's source as a URI a job can fetch, or why not. */
function datasetUri(source: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch {
    return FETCHABLE.test(source) ? source : null;
  }
  const o = (parsed ?? {}) as Record<string, unknown>;
  const uri = [o.uri, o.url, o.path].find((v): v is string => typeof v === 'string');
  return uri && FETCHABLE.test(uri) ? uri : null;
}

async function modelRequirements(orgId: string, storageLocation: string): Promise<string[]> {
  const key = artifactKeyOf(orgId, storageLocation);
  const text = key ? await readMlModel(artifactStore(), `${key}/requirements.txt`) : null;
  return (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('-'));
}

/**
 * Scores a dataset with a model version as a job on the training machinery (queued, run, retried,
 * cancelled and costed like any job): the job's run gets the predictions as an artifact, the input
 * as a dataset input, and rows, seconds and rows/s as metrics. On the local cluster the job's Python
 * environment is the model's own requirements plus pandas (and pyarrow for Parquet); on Kubernetes
 * the image carries them.
 */
export async function startBatchPrediction(ctx: TenantContext, input: unknown): Promise<JobView> {
  const data = parseInput(startBatchPredictionInput, input);
  return recordThenStart(ctx, {
    async record(tx: DbTx) {
      const model = await findModel(tx, ctx, data.model);
      const version = data.alias ? await findVersionByAlias(tx, model, data.alias) : await findVersion(tx, model, data.version!);
      let source = data.input ?? null;
      if (data.datasetId) {
        const [d] = await tx.select().from(datasets).where(and(eq(datasets.orgId, ctx.orgId), eq(datasets.id, data.datasetId)));
        if (!d) throw notFound(`Dataset '${data.datasetId}'`);
        source = datasetUri(d.source);
        if (!source) throw new AppError('BAD_USER_INPUT', `Dataset '${d.name}' was logged from a place a job cannot fetch (${d.source.slice(0, 200)}); log it as an artifact and score its runs:/ URI`, { fields: [{ path: 'datasetId', message: 'Source not reachable from a job' }] });
      } else if (!FETCHABLE.test(source!)) {
        throw new AppError('BAD_USER_INPUT', 'The input is a URI a job can fetch: runs:/<run>/<path>, models:/…, mlflow-artifacts:/…, s3://…, gs://… or http(s)://…', { fields: [{ path: 'input', message: 'Not a fetchable URI' }] });
      }
      const cluster = await findCluster(tx, ctx, data.cluster ?? LOCAL_CLUSTER_NAME);
      const parquet = /\.parquet$/i.test(`${source} ${data.output}`) || !/\.csv$/i.test(source!);
      const python =
        cluster.kind === 'local'
          ? { requirements: [...new Set([...(await modelRequirements(ctx.orgId, version.storageLocation)), 'pandas', ...(parquet ? ['pyarrow'] : [])])] }
          : null;
      if (python && !python.requirements.some((r) => /^mlflow(\b|[=<>~!\[])/i.test(r))) python.requirements.unshift('mlflow');
      const modelUri = `models:/${model.name}/${version.version}`;
      const { row, start, audits } = await recordTrainingJob(
        tx,
        ctx,
        {
          name: `batch predict ${model.name} v${version.version}`.slice(0, 200),
          project: data.project ?? model.projectId,
          cluster: cluster.id,
          image: data.image,
          command: ['python', '-c', SCRIPT],
          python,
          resources: data.resources,
          maxRuntimeSeconds: data.maxRuntimeSeconds,
          retries: data.retries,
          experiment: `${model.name}-batch-predictions`.slice(0, 500),
          inputs: [],
        },
        {
          kind: 'batch_prediction',
          systemEnv: {
            GANTRY_MODEL_URI: modelUri,
            GANTRY_MODEL_VERSION_ID: version.id,
            GANTRY_BATCH_INPUT_URI: source!,
            GANTRY_BATCH_OUTPUT: data.output,
            GANTRY_BATCH_COLUMNS: data.columns.join(','),
            GANTRY_BATCH_PASSTHROUGH: data.passthrough.join(','),
          },
        },
      );
      audits.push({ action: 'batch_prediction.start', targetType: 'model_version', targetId: version.id, data: { jobId: row.id, input: source, output: data.output } });
      return { row, call: startCall(start), audits };
    },
  });
}

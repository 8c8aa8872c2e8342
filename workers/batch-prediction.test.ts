import { createReadStream, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemArtifactStore } from '../core/artifacts/filesystem-artifact-store';
import { downloadArtifact } from '../core/artifacts/download-artifact';
import { uploadArtifact } from '../core/artifacts/upload-artifact';
import { AppError } from '../core/errors';
import { startBatchPrediction } from '../core/serving/start-batch-prediction';
import { getRun } from '../core/tracking/get-run';
import { jobWorkflowId } from '../core/training/access';
import { getTrainingJob } from '../core/training/list-training-jobs';
import { readJobLogs } from '../core/training/read-job-logs';
import { createExperiment } from '../core/tracking/create-experiment';
import { createRun } from '../core/tracking/create-run';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { serveApi, type ServedApi } from '../testing/serve-api';
import { registerModelDir, writeChurnModel, type ChurnModel } from '../testing/serving-models';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';

/**
 * Batch predictions end to end: a job on the local cluster (real Temporal, worker and local backend)
 * builds the model's Python environment, downloads the model and a CSV through Gantry's MLflow API
 * with its run-scoped key, scores every row and logs the predictions to its run. The predictions are
 * compared with what numpy computes for the same model.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
// Shared with the model-server tests: a machine builds a model's environment (minutes) once.
const ENVS_DIR = path.join(os.homedir(), '.gantry-tools', 'model-server-envs');
const FEATURES = ['tenure_months', 'contract_months', 'monthly_charges', 'total_charges', 'support_calls', 'late_payments', 'auto_pay', 'has_fiber', 'senior', 'num_products'];

let platform: TemporalPlatform;
let api: ServedApi;
let store: FilesystemArtifactStore;
let A: SignedUp;
let model: ChurnModel;
let dataRunId = '';
let csvRows: string[][] = [];

beforeAll(async () => {
  api = await serveApi({ routes: ['mlflow', 'mlflow-artifacts'] });
  platform = await startTemporalPlatform('batch', { GANTRY_PUBLIC_URL: api.url, GANTRY_ENVS_DIR: ENVS_DIR, ARTIFACT_STORE: 'filesystem' });
  store = new FilesystemArtifactStore(path.join(platform.dir, 'home', 'artifacts'));
  await platform.startWorker({ artifactStore: store });
  A = await signUpUser('batch');
  const csv = readFileSync(path.join(HERE, '..', 'examples', 'churn', 'data', 'churn_holdout.csv'), 'utf8').trim().split('\n');
  const header = csv[0]!.split(',');
  csvRows = csv.slice(1, 201).map((l) => l.split(','));
  const rows = csvRows.map((r) => FEATURES.map((f) => Number(r[header.indexOf(f)])));
  model = writeChurnModel(mkdtempSync(path.join(platform.dir, 'm-')) + '/churn', { seed: 4, rows });
  await registerModelDir(A.ctx, { model: 'churn', dir: model.dir });
  const exp = await createExperiment(A.ctx, { name: 'scoring-data' });
  dataRunId = (await createRun(A.ctx, { experimentId: exp.id })).id;
  const file = path.join(platform.dir, 'scoring.csv');
  (await import('node:fs')).writeFileSync(file, `${[csv[0], ...csv.slice(1, 201)].join('\n')}\n`);
  await uploadArtifact(A.ctx, { runId: dataRunId, path: 'data/scoring.csv', body: createReadStream(file) });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await api?.close();
});

async function rejects(p: Promise<unknown>, code: AppError['code'], message: RegExp) {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  expect((e as AppError).message).toMatch(message);
}

describe('a batch prediction job', () => {
  it('scores a CSV artifact with a model version and logs the predictions to its run', async () => {
    const job = await startBatchPrediction(A.ctx, { model: { name: 'churn' }, version: 1, input: `runs:/${dataRunId}/data/scoring.csv`, columns: FEATURES, passthrough: ['customer_id'] });
    expect(job).toMatchObject({ kind: 'batch_prediction', name: 'batch predict churn v1' });
    const result = await platform.client.workflow.getHandle(jobWorkflowId(job.id)).result();
    const log = (await readJobLogs(A.ctx, { jobId: job.id }, { artifactStore: store })).text;
    const first = (await readJobLogs(A.ctx, { jobId: job.id, attempt: 1 }, { artifactStore: store })).text;
    expect(result.status, `${first.slice(-3000)}\n---\n${log.slice(-3000)}`).toBe('succeeded');
    expect(log).toMatch(/scored 200 rows with models:\/churn\/1/);
    const { job: done } = await getTrainingJob(A.ctx, job.id);
    const run = await getRun(A.ctx, done.runId!);
    expect(run.latestMetrics.find((m) => m.key === 'rows')?.value).toBe(200);
    expect(run.inputs.map((i) => i.tags)).toEqual([[{ key: 'mlflow.data.context', value: 'batch_prediction' }]]);
    expect(run.tags).toEqual(expect.arrayContaining([{ key: 'gantry.batch.model_uri', value: 'models:/churn/1' }]));
    const file = await downloadArtifact(A.ctx, { runId: done.runId!, path: 'predictions.csv' }, { store });
    const chunks: Buffer[] = [];
    for await (const c of file.body) chunks.push(c as Buffer);
    const lines = Buffer.concat(chunks).toString('utf8').trim().split('\n');
    expect(lines[0]).toBe('customer_id,probability,label');
    expect(lines).toHaveLength(201);
    lines.slice(1).forEach((l, i) => {
      const [id, p, label] = l.split(',');
      expect(id).toBe(csvRows[i]![0]);
      expect(Number(p)).toBeCloseTo(model.probability[i]!, 5);
      expect(Number(label)).toBe(model.label[i]);
    });
  }, 900_000);

  it('refuses what cannot be scored before any job starts', async () => {
    await rejects(startBatchPrediction(A.ctx, { model: { name: 'churn' }, version: 1, input: '/home/me/data.csv' }), 'BAD_USER_INPUT', /a job can fetch/);
    await rejects(startBatchPrediction(A.ctx, { model: { name: 'churn' }, input: `runs:/${dataRunId}/data/scoring.csv` }), 'BAD_USER_INPUT', /either a version or an alias/);
    await rejects(startBatchPrediction(A.ctx, { model: { name: 'churn' }, version: 1 }), 'BAD_USER_INPUT', /either an input URI or a dataset/);
    await rejects(startBatchPrediction(A.ctx, { model: { name: 'churn' }, version: 1, input: `runs:/${dataRunId}/x.csv`, output: '../p.csv' }), 'BAD_USER_INPUT', /file name ending in .csv or .parquet/);
    await rejects(startBatchPrediction(A.ctx, { model: { name: 'nope' }, version: 1, input: `runs:/${dataRunId}/x.csv` }), 'NOT_FOUND', /nope/);
    const other = await signUpUser('batch-b');
    await rejects(startBatchPrediction(other.ctx, { model: { name: 'churn' }, version: 1, input: `runs:/${dataRunId}/x.csv` }), 'NOT_FOUND', /churn/);
  });
});

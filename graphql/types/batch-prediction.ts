import { startBatchPrediction } from '../../core/serving/start-batch-prediction';
import type { Builder } from '../builder';
import { JobTypeRef } from './training-job';

export function register(builder: Builder) {
  const Input = builder.inputType('StartBatchPredictionInput', {
    fields: (t) => ({
      modelId: t.id({ required: true }),
      version: t.int({ description: 'The version to score with; or give an alias.' }),
      alias: t.string(),
      input: t.string({ description: 'The data: runs:/<run>/<path> (a CSV or Parquet file, or a directory of them), models:/…, mlflow-artifacts:/…, s3://…, gs://… or http(s)://…; or give datasetId.' }),
      datasetId: t.id({ description: 'A dataset a run logged, whose source is a URI a job can fetch.' }),
      columns: t.stringList({ description: 'The columns the model reads (default: its signature’s, else every column but the passthrough ones).' }),
      passthrough: t.stringList({ description: 'Columns copied beside the predictions, e.g. an ID.' }),
      output: t.string({ description: 'The output file in the job’s run: a name ending in .csv (default predictions.csv) or .parquet.' }),
      project: t.string(),
      cluster: t.string({ description: 'Cluster ID or name; the built-in local cluster by default.' }),
      image: t.string({ description: 'On a Kubernetes cluster: an image with Python, mlflow, pandas and the model’s requirements.' }),
    }),
  });
  builder.mutationFields((t) => ({
    startBatchPrediction: t.field({
      type: JobTypeRef(builder),
      description:
        'Scores a dataset with a model version as a job (queued, retried once, cancellable and costed like any job). The job’s run gets the predictions as an artifact, the input as a dataset input and rows, seconds and rows/s as metrics.',
      authScopes: { permission: 'job:submit' },
      args: { input: t.arg({ type: Input, required: true }) },
      resolve: async (_r, { input: i }, ctx) =>
        startBatchPrediction(await ctx.tenant(), {
          model: { modelId: String(i.modelId) },
          version: i.version,
          alias: i.alias,
          input: i.input,
          datasetId: i.datasetId == null ? null : String(i.datasetId),
          columns: i.columns ?? [],
          passthrough: i.passthrough ?? [],
          output: i.output ?? undefined,
          project: i.project,
          cluster: i.cluster,
          image: i.image ?? undefined,
        }),
    }),
  }));
}

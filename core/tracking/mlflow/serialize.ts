import type { ExperimentView, MetricPoint, RunView } from '../access';

/** Protobuf JSON spells non-finite doubles as strings; the mlflow client parses them back. */
export function mlflowDouble(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

/** Where the run's artifacts live, in the form MLflow's artifact proxy (`mlflow-artifacts:`) expects. */
export const experimentArtifactLocation = (experimentId: string) => `mlflow-artifacts:/${experimentId}`;
export const runArtifactUri = (experimentId: string, runId: string) => `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;

export function mlflowExperiment(e: ExperimentView) {
  return {
    experiment_id: e.id,
    name: e.name,
    artifact_location: experimentArtifactLocation(e.id),
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.updatedAt,
    creation_time: e.createdAt,
    tags: e.tags,
  };
}

export const mlflowMetric = (m: MetricPoint) => ({ key: m.key, value: mlflowDouble(m.value), timestamp: m.timestamp, step: m.step });

export function mlflowRunInfo(r: RunView | (Omit<RunView, 'params' | 'tags' | 'latestMetrics' | 'inputs'>)) {
  return {
    run_id: r.id,
    run_uuid: r.id,
    run_name: r.name,
    experiment_id: r.experimentId,
    user_id: r.clientUser,
    status: r.status,
    start_time: r.startTime,
    ...(r.endTime != null ? { end_time: r.endTime } : {}),
    artifact_uri: runArtifactUri(r.experimentId, r.id),
    lifecycle_stage: r.lifecycleStage,
  };
}

export function mlflowRun(r: RunView) {
  return {
    info: mlflowRunInfo(r),
    data: { metrics: r.latestMetrics.map(mlflowMetric), params: r.params, tags: r.tags },
    inputs: {
      dataset_inputs: r.inputs.map((i) => ({
        tags: i.tags,
        dataset: {
          name: i.dataset.name,
          digest: i.dataset.digest,
          source_type: i.dataset.sourceType,
          source: i.dataset.source,
          ...(i.dataset.schema != null ? { schema: i.dataset.schema } : {}),
          ...(i.dataset.profile != null ? { profile: i.dataset.profile } : {}),
        },
      })),
    },
    // MLflow 3: the logged models the run produced.
    outputs: { model_outputs: r.outputs.map((o) => ({ model_id: o.modelId, step: o.step })) },
  };
}

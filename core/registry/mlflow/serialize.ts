import type { ModelVersionView, RegisteredModelView } from '../access';
import type { LoggedModelView } from '../logged-model-access';

/** MLflow's RegisteredModel, ModelVersion and LoggedModel messages in protobuf JSON (int64 as JSON numbers, which the client accepts). */

export function mlflowModelVersion(v: ModelVersionView) {
  return {
    name: v.modelName,
    version: String(v.version),
    creation_timestamp: v.createdAt,
    last_updated_timestamp: v.updatedAt,
    user_id: v.createdBy ?? '',
    current_stage: v.stage,
    description: v.description,
    source: v.source,
    ...(v.runId ? { run_id: v.runId } : {}),
    ...(v.loggedModelId ? { model_id: v.loggedModelId } : {}),
    status: v.status,
    ...(v.statusMessage ? { status_message: v.statusMessage } : {}),
    tags: v.tags,
    aliases: v.aliases,
  };
}

export function mlflowRegisteredModel(m: RegisteredModelView, latestName = m.name) {
  return {
    name: m.name,
    creation_timestamp: m.createdAt,
    last_updated_timestamp: m.updatedAt,
    user_id: m.createdBy ?? '',
    description: m.description,
    tags: m.tags,
    aliases: m.aliases.map((a) => ({ alias: a.alias, version: String(a.version) })),
    latest_versions: m.latestVersion
      ? [mlflowModelVersion({ ...m.latestVersion, modelName: latestName, tags: [], aliases: m.aliases.filter((a) => a.version === m.latestVersion!.version).map((a) => a.alias) })]
      : [],
  };
}

const LOGGED_MODEL_STATUS = { PENDING: 'LOGGED_MODEL_PENDING', READY: 'LOGGED_MODEL_READY', FAILED: 'LOGGED_MODEL_UPLOAD_FAILED' } as const;

export function mlflowLoggedModel(m: LoggedModelView) {
  return {
    info: {
      model_id: m.id,
      experiment_id: m.experimentId,
      name: m.name,
      creation_timestamp_ms: m.createdAt,
      last_updated_timestamp_ms: m.updatedAt,
      artifact_uri: m.artifactLocation,
      status: LOGGED_MODEL_STATUS[m.status],
      ...(m.modelType ? { model_type: m.modelType } : {}),
      ...(m.sourceRunId ? { source_run_id: m.sourceRunId } : {}),
      ...(m.statusMessage ? { status_message: m.statusMessage } : {}),
      tags: m.tags,
    },
    data: { params: m.params, metrics: [] },
  };
}

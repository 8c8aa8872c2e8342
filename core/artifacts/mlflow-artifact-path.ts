import { notFound } from '../errors';
import { MAX_ARTIFACT_PATH_LENGTH, normalizeArtifactPath } from './artifact-path';

/** Room for `<experimentId>/<runId>/artifacts/` in front of a maximal artifact path. */
const PREFIX_ALLOWANCE = 200;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface MlflowArtifactAddress {
  experimentId: string;
  runId: string;
  /** Relative to the run's artifact root; `''` is the root. */
  path: string;
}

/**
 * Gantry gives runs the artifact URI `mlflow-artifacts:/<experimentId>/<runId>/artifacts`,
 * so the mlflow client addresses files as `<experimentId>/<runId>/artifacts/<path>` under
 * `/api/2.0/mlflow-artifacts/artifacts`. The whole path is checked for traversal first
 * (BAD_USER_INPUT), then anything outside a run's artifacts is NOT_FOUND.
 */
export function parseMlflowArtifactPath(raw: unknown): MlflowArtifactAddress {
  const normalized = normalizeArtifactPath(raw, { allowRoot: true, maxLength: MAX_ARTIFACT_PATH_LENGTH + PREFIX_ALLOWANCE });
  const [experimentId, runId, artifacts, ...rest] = normalized.split('/');
  if (!experimentId || !runId || artifacts !== 'artifacts' || !ID.test(experimentId) || !ID.test(runId)) {
    throw notFound(`Run artifacts at '${normalized.slice(0, 200)}'`);
  }
  return { experimentId, runId, path: normalizeArtifactPath(rest.join('/'), { allowRoot: true }) };
}

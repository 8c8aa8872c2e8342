import { asc, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { loggedModelParams, loggedModelTags, type LoggedModel } from '../../db/schema';
import type { KeyValue } from '../tracking/access';
import { runArtifactUri } from '../tracking/mlflow/serialize';

export type LoggedModelView = LoggedModel & { tags: KeyValue[]; params: KeyValue[] };

/**
 * A logged model's files. With a source run they live inside the run's artifacts
 * (`…/<runId>/artifacts/models/<modelId>`), so the artifact API's run authorization,
 * keys and retention cover them unchanged; a model logged outside any run gets a
 * root of its own, `<experimentId>/<modelId>/artifacts`, authorized by
 * `authorizeLoggedModelArtifacts`.
 */
export function loggedModelArtifactLocation(experimentId: string, modelId: string, sourceRunId: string | null): string {
  return sourceRunId ? `${runArtifactUri(experimentId, sourceRunId)}/models/${modelId}` : `mlflow-artifacts:/${experimentId}/${modelId}/artifacts`;
}

export async function loadLoggedModelViews(tx: Tx, rows: LoggedModel[]): Promise<LoggedModelView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [tags, params] = await Promise.all([
    tx.select().from(loggedModelTags).where(inArray(loggedModelTags.modelId, ids)).orderBy(asc(loggedModelTags.key)),
    tx.select().from(loggedModelParams).where(inArray(loggedModelParams.modelId, ids)).orderBy(asc(loggedModelParams.key)),
  ]);
  return rows.map((r) => ({
    ...r,
    tags: tags.filter((t) => t.modelId === r.id).map(({ key, value }) => ({ key, value })),
    params: params.filter((p) => p.modelId === r.id).map(({ key, value }) => ({ key, value })),
  }));
}

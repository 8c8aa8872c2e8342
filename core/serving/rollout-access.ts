import { and, count, desc, eq, gte, inArray, notInArray } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { deployments, predictions, rollouts, type Rollout } from '../../db/schema';
import { ENDED_ROLLOUT_STATES, type RolloutState } from '../../rules/serving/rollout-plan';
import { notFound } from '../errors';
import type { ActingContext } from '../tenancy/context';

/** The workflow running rollout `n` of a deployment: its business key. */
export const rolloutWorkflowId = (deploymentId: string, n: number) => `rollout/${deploymentId}/${n}`;

/** A rollout as readers see it: the deployment's name, and for a running one, how far its current step has come. */
export type RolloutView = Rollout & {
  deploymentName: string;
  workflowId: string;
  /** Requests the canary answered since the current step began (null when no step is running). */
  stepCanaryRequests: number | null;
  /** All requests the deployment answered since the current step began. */
  stepRequests: number | null;
};

export const rolloutNotFound = (id: string) => notFound(`Rollout '${id.slice(0, 64)}'`);

export async function findRollout(tx: Tx, ctx: Pick<ActingContext, 'orgId'>, rolloutId: string, opts: { forUpdate?: boolean } = {}): Promise<Rollout> {
  const q = tx.select().from(rollouts).where(and(eq(rollouts.orgId, ctx.orgId), eq(rollouts.id, rolloutId)));
  const [r] = opts.forUpdate ? await q.for('update') : await q;
  if (!r) throw rolloutNotFound(rolloutId);
  return r;
}

/** The deployment's unfinished rollout (at most one: a unique index holds it), or null. */
export async function unfinishedRollout(tx: Tx, deploymentId: string): Promise<Rollout | null> {
  const [r] = await tx
    .select()
    .from(rollouts)
    .where(and(eq(rollouts.deploymentId, deploymentId), notInArray(rollouts.state, [...ENDED_ROLLOUT_STATES] as RolloutState[])))
    .orderBy(desc(rollouts.n))
    .limit(1);
  return r ?? null;
}

/** The requests answered since `since`, all and the canary's (by arm and version, as the gateway logged them). */
export async function requestsSince(tx: Tx, r: Pick<Rollout, 'deploymentId' | 'toVersion'>, since: Date): Promise<{ all: number; canary: number }> {
  const rows = await tx
    .select({ arm: predictions.arm, version: predictions.version, n: count() })
    .from(predictions)
    .where(and(eq(predictions.deploymentId, r.deploymentId), gte(predictions.at, since), inArray(predictions.arm, ['stable', 'canary'])))
    .groupBy(predictions.arm, predictions.version);
  let all = 0;
  let canary = 0;
  for (const row of rows) {
    all += row.n;
    if (row.arm === 'canary' && row.version === r.toVersion) canary += row.n;
  }
  return { all, canary };
}

export async function loadRolloutViews(tx: Tx, rows: Rollout[]): Promise<RolloutView[]> {
  if (!rows.length) return [];
  const names = await tx
    .select({ id: deployments.id, name: deployments.name })
    .from(deployments)
    .where(inArray(deployments.id, [...new Set(rows.map((r) => r.deploymentId))]));
  const nameOf = new Map(names.map((d) => [d.id, d.name]));
  return Promise.all(
    rows.map(async (r) => {
      const live = !ENDED_ROLLOUT_STATES.includes(r.state) && r.stepStartedAt ? await requestsSince(tx, r, r.stepStartedAt) : null;
      return {
        ...r,
        deploymentName: nameOf.get(r.deploymentId) ?? '',
        workflowId: rolloutWorkflowId(r.deploymentId, r.n),
        stepCanaryRequests: live?.canary ?? null,
        stepRequests: live?.all ?? null,
      };
    }),
  );
}

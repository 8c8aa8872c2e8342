import { and, eq, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client';
import { runs } from '../../db/schema';
import { doubleText, textArray } from '../../db/array-literal';
import { withTenant, withTenantStatement } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { assertRunWritable, findActiveRun, runNotActive, runNotFound } from './access';
import { RUN_NAME_TAG } from './create-run';
import { LIMITS, metricSchema, paramChanged, paramSchema, runIdSchema, tagSchema } from './tracking.schemas';

export const logBatchInput = z.object({
  runId: runIdSchema,
  metrics: z
    .array(metricSchema)
    .max(LIMITS.metricsPerBatch, `A batch logging request can contain at most ${LIMITS.metricsPerBatch} metrics`)
    .default([]),
  params: z
    .array(paramSchema)
    .max(LIMITS.paramsPerBatch, `A batch logging request can contain at most ${LIMITS.paramsPerBatch} params`)
    .default([]),
  tags: z
    .array(tagSchema)
    .max(LIMITS.tagsPerBatch, `A batch logging request can contain at most ${LIMITS.tagsPerBatch} tags`)
    .default([]),
});
export type LogBatchInput = z.input<typeof logBatchInput>;

const UNIQUE_VIOLATION = '23505';

export interface LogBatchResult {
  metricsWritten: number;
}

/**
 * The metric points of one batch and the run's latest values, as one statement that
 * also locks the run against deletion until the batch commits (run_metrics has no
 * foreign key doing that; docs/decisions/0016) and writes nothing unless the run
 * exists in the tenant and is active. It answers the run's stage, or no row.
 *
 * A new batch is a plain insert. Points that are already stored (a retried batch, a
 * point repeated within a batch) make it fail with a unique violation, and it is run
 * again with `retried`, which skips them (`on conflict do nothing`): that clause costs
 * about as much as the insert itself, so only repeats pay for it.
 */
function metricsStatement(ctx: TenantContext, runId: string, metrics: z.infer<typeof metricSchema>[], opts: { retried: boolean }): SQL {
  // Arrays parse much faster in Postgres than the same rows as JSON records.
  const keys = textArray(metrics.map((m) => m.key));
  const steps = `{${metrics.map((m) => m.step).join(',')}}`;
  const times = `{${metrics.map((m) => m.timestamp).join(',')}}`;
  const values = `{${metrics.map((m) => doubleText(m.value)).join(',')}}`;
  // The latest-value row only moves forward in (step, timestamp, value), MLflow's order, so batches may arrive in any order.
  return sql`
    with run as (
      select id, lifecycle_stage from runs where id = ${runId} and org_id = ${ctx.orgId} for key share
    ), input as (
      select k, s, t, v from unnest(${keys}::text[], ${steps}::bigint[], ${times}::bigint[], ${values}::float8[]) as x(k, s, t, v)
    ), points as (
      insert into run_metrics (org_id, run_id, key, step, timestamp, value)
      select ${ctx.orgId}, run.id, k, s, t, v from input, run where run.lifecycle_stage = 'active'
      ${opts.retried ? sql`on conflict do nothing` : sql``}
    ), latest as (
      insert into run_latest_metrics (org_id, run_id, key, step, timestamp, value)
      select ${ctx.orgId}, run.id, l.k, l.s, l.t, l.v
      from (select distinct on (k) k, s, t, v from input order by k, s desc, t desc, v desc) as l, run
      where run.lifecycle_stage = 'active'
      on conflict (run_id, key) do update set step = excluded.step, timestamp = excluded.timestamp, value = excluded.value
      where (excluded.step, excluded.timestamp, excluded.value) > (run_latest_metrics.step, run_latest_metrics.timestamp, run_latest_metrics.value)
    )
    select lifecycle_stage as stage from run`;
}

function assertWritten(runId: string, rows: { stage: string }[]): void {
  const stage = rows[0]?.stage;
  if (stage === undefined) throw runNotFound(runId);
  if (stage !== 'active') throw runNotActive(runId, stage);
}

/**
 * Writes params, tags and metric points of one run in one transaction: all or nothing.
 * Each kind is one statement however large the batch (params and tags arrive as one
 * JSON parameter, metric points as one array per column), and retrying the same batch
 * is harmless: metric points are keyed by their full value, an identical param is a
 * no-op, tags are upserts.
 */
export async function logBatchIn(tx: Tx, ctx: TenantContext, data: z.infer<typeof logBatchInput>): Promise<LogBatchResult> {
  const run = await findActiveRun(tx, ctx, data.runId, { lock: 'key share' });

  if (data.params.length) {
    const seen = new Map<string, string>();
    for (const p of data.params) {
      const prev = seen.get(p.key);
      if (prev !== undefined && prev !== p.value) throw paramChanged(p.key, prev, p.value);
      seen.set(p.key, p.value);
    }
    const rows = JSON.stringify([...seen].map(([k, v]) => ({ k, v })));
    await tx.execute(sql`
      insert into run_params (org_id, run_id, key, value)
      select ${ctx.orgId}, ${run.id}, x.k, x.v from json_to_recordset(${rows}::json) as x(k text, v text)
      on conflict (run_id, key) do nothing`);
    // Read back after inserting: a concurrent writer's value is visible here, so the check cannot be raced.
    const stored = await tx.execute<{ key: string; value: string }>(sql`
      select key, value from run_params where run_id = ${run.id} and key in (select x.k from json_to_recordset(${rows}::json) as x(k text))`);
    for (const s of stored) {
      const mine = seen.get(s.key)!;
      if (s.value !== mine) throw paramChanged(s.key, s.value, mine);
    }
  }

  if (data.tags.length) {
    // Last write wins inside a batch, as it would across two calls.
    const last = new Map(data.tags.map((t) => [t.key, t.value]));
    const rows = JSON.stringify([...last].map(([k, v]) => ({ k, v })));
    await tx.execute(sql`
      insert into run_tags (org_id, run_id, key, value)
      select ${ctx.orgId}, ${run.id}, x.k, x.v from json_to_recordset(${rows}::json) as x(k text, v text)
      on conflict (run_id, key) do update set value = excluded.value`);
    const name = last.get(RUN_NAME_TAG);
    if (name) await tx.update(runs).set({ name }).where(and(eq(runs.id, run.id), eq(runs.orgId, ctx.orgId)));
  }

  if (data.metrics.length) assertWritten(run.id, await tx.execute<{ stage: string }>(metricsStatement(ctx, run.id, data.metrics, { retried: true })));
  return { metricsWritten: data.metrics.length };
}

export async function logBatch(ctx: TenantContext, input: unknown): Promise<LogBatchResult> {
  assertCan(ctx, 'run:write');
  const data = parseInput(logBatchInput, input);
  if (data.metrics.length && !data.params.length && !data.tags.length) {
    // What a training loop sends over and over: one statement in one round trip.
    assertRunWritable(ctx, data.runId);
    const write = (retried: boolean) => withTenantStatement<{ stage: string }>(ctx, metricsStatement(ctx, data.runId, data.metrics, { retried }));
    const rows = await write(false).catch((e: unknown) => {
      if ((e as { code?: string } | null)?.code === UNIQUE_VIOLATION) return write(true);
      throw e;
    });
    assertWritten(data.runId, rows);
    return { metricsWritten: data.metrics.length };
  }
  return withTenant(ctx, (tx) => logBatchIn(tx, ctx, data));
}

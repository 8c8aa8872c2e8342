import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client';
import { runs } from '../../db/schema';
import { withTenant } from '../../db/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findActiveRun, tenantScope } from './access';
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

/** Doubles travel as text so NaN and ±Infinity survive JSON; JS's shortest round-trip form parses back to the same double. */
const doubleText = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v));

export interface LogBatchResult {
  metricsWritten: number;
}

/**
 * Writes params, tags and metric points of one run in one transaction: all or nothing.
 * Each kind is one statement however large the batch (rows arrive as one JSON
 * parameter), and retrying the same batch is harmless: metric points are keyed by
 * their full value, an identical param is a no-op, tags are upserts.
 */
export async function logBatchIn(tx: Tx, ctx: TenantContext, data: z.infer<typeof logBatchInput>): Promise<LogBatchResult> {
  const run = await findActiveRun(tx, ctx, data.runId);

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

  if (data.metrics.length) {
    const rows = JSON.stringify(data.metrics.map((m) => ({ k: m.key, s: m.step, t: m.timestamp, v: doubleText(m.value) })));
    // The latest-value row only moves forward in (step, timestamp, value), MLflow's order, so batches may arrive in any order.
    await tx.execute(sql`
      with input as (
        select x.k, x.s, x.t, x.v::float8 as v from json_to_recordset(${rows}::json) as x(k text, s bigint, t bigint, v text)
      ), points as (
        insert into run_metrics (org_id, run_id, key, step, timestamp, value)
        select ${ctx.orgId}, ${run.id}, k, s, t, v from input
        on conflict do nothing
      )
      insert into run_latest_metrics (org_id, run_id, key, step, timestamp, value)
      select distinct on (k) ${ctx.orgId}, ${run.id}, k, s, t, v from input order by k, s desc, t desc, v desc
      on conflict (run_id, key) do update set step = excluded.step, timestamp = excluded.timestamp, value = excluded.value
      where (excluded.step, excluded.timestamp, excluded.value) > (run_latest_metrics.step, run_latest_metrics.timestamp, run_latest_metrics.value)`);
  }
  return { metricsWritten: data.metrics.length };
}

export async function logBatch(ctx: TenantContext, input: unknown): Promise<LogBatchResult> {
  assertCan(ctx, 'run:write');
  const data = parseInput(logBatchInput, input);
  return withTenant(tenantScope(ctx), (tx) => logBatchIn(tx, ctx, data));
}

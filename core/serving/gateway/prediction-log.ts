import { inArray, sql } from 'drizzle-orm';
import { numberArray, textArray } from '../../../db/array-literal';
import type { Tx } from '../../../db/client';
import { deployments, predictions } from '../../../db/schema';
import { createLogger } from '../../observability/logger';
import { systemContext } from '../../tenancy/context';
import { withTenant } from '../../tenancy/with-tenant';

const log = createLogger('gateway.predictions');

const isForeignKeyViolation = (e: unknown): boolean => {
  for (let c: unknown = e; c && typeof c === 'object'; c = (c as { cause?: unknown }).cause) if ((c as { code?: unknown }).code === '23503') return true;
  return false;
};

export type PredictionRecord = Omit<typeof predictions.$inferInsert, 'id'> & { inputs?: unknown; outputs?: unknown };

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

/**
 * One insert of many records as twelve array parameters: building a statement with one parameter
 * per value costs the gateway's event loop about 0.1 ms of CPU per record, which its requests would wait behind.
 */
function insertRecords(tx: Tx, orgId: string, rows: PredictionRecord[]) {
  const at = rows.map((r) => (r.at instanceof Date ? r.at : new Date(r.at)).toISOString());
  return tx.execute(sql`
    insert into predictions (org_id, deployment_id, model_version_id, version, arm, request_id, protocol, at, latency_ms, status, error, inputs, outputs)
    select ${orgId}, d, mv, v, a, rq, p::prediction_protocol, t, l, s, e, i::jsonb, o::jsonb
    from unnest(
      ${textArray(rows.map((r) => r.deploymentId))}::text[], ${textArray(rows.map((r) => r.modelVersionId ?? null))}::text[],
      ${numberArray(rows.map((r) => r.version))}::int[], ${textArray(rows.map((r) => r.arm))}::text[],
      ${textArray(rows.map((r) => r.requestId))}::text[], ${textArray(rows.map((r) => r.protocol))}::text[],
      ${textArray(at)}::timestamptz[], ${numberArray(rows.map((r) => r.latencyMs))}::real[],
      ${numberArray(rows.map((r) => r.status))}::smallint[], ${textArray(rows.map((r) => r.error ?? null))}::text[],
      ${textArray(rows.map((r) => json(r.inputs)))}::text[], ${textArray(rows.map((r) => json(r.outputs)))}::text[]
    ) as x(d, mv, v, a, rq, p, t, l, s, e, i, o)`);
}

export interface PredictionLogOptions {
  /** Records held before samples are dropped (the record is kept without its inputs and outputs). */
  sampleLimit?: number;
  /** Records held before whole records are dropped: the request path never waits for PostgreSQL. */
  recordLimit?: number;
  /** How often the queue is written, and the most rows one insert takes. */
  flushMs?: number;
  batchSize?: number;
}

export interface PredictionLogStats {
  queued: number;
  written: number;
  droppedSamples: number;
  droppedRecords: number;
  failedWrites: number;
}

/**
 * The prediction log's writer: requests add records to an in-memory queue and return at once; a loop
 * writes the queue in batches, one transaction per organization (row-level security holds for the
 * writer too). When PostgreSQL falls behind, the queue sheds load in two steps — first the sampled
 * inputs and outputs, then whole records — and counts what it shed; predictions never slow down.
 */
export class PredictionLog {
  private queue: PredictionRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private readonly o: Required<PredictionLogOptions>;
  readonly stats: PredictionLogStats = { queued: 0, written: 0, droppedSamples: 0, droppedRecords: 0, failedWrites: 0 };

  constructor(opts: PredictionLogOptions = {}) {
    this.o = { sampleLimit: 5_000, recordLimit: 50_000, flushMs: 200, batchSize: 1_000, ...opts };
    this.timer = setInterval(() => void this.flush(), this.o.flushMs).unref();
  }

  add(r: PredictionRecord): void {
    if (this.queue.length >= this.o.recordLimit) {
      this.stats.droppedRecords++;
      if (r.inputs != null || r.outputs != null) this.stats.droppedSamples++;
      return;
    }
    if (this.queue.length >= this.o.sampleLimit && (r.inputs != null || r.outputs != null)) {
      this.stats.droppedSamples++;
      r = { ...r, inputs: null, outputs: null };
    }
    this.queue.push(r);
    this.stats.queued = this.queue.length;
    if (this.queue.length >= this.o.batchSize) void this.flush();
  }

  /** Writes what is queued now; concurrent calls share one pass. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!this.queue.length) return Promise.resolve();
    this.flushing = this.writeAll().finally(() => {
      this.flushing = null;
      this.stats.queued = this.queue.length;
    });
    return this.flushing;
  }

  private async writeAll(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.o.batchSize);
      const byOrg = new Map<string, PredictionRecord[]>();
      for (const r of batch) {
        const list = byOrg.get(r.orgId);
        if (list) list.push(r);
        else byOrg.set(r.orgId, [r]);
      }
      for (const [orgId, rows] of byOrg) await this.write(orgId, rows);
    }
  }

  private async write(orgId: string, rows: PredictionRecord[]): Promise<void> {
    const ctx = systemContext(orgId, 'gateway', 'prediction-log');
    try {
      await withTenant(ctx, (tx) => insertRecords(tx, orgId, rows));
      this.stats.written += rows.length;
      return;
    } catch (e) {
      if (!isForeignKeyViolation(e)) {
        // PostgreSQL away or refusing: these rows are lost, and counted.
        this.stats.failedWrites += rows.length;
        log.warn('could not write predictions', { orgId, rows: rows.length, error: e instanceof Error ? e.message : String(e) });
        return;
      }
    }
    // A deployment was deleted while its records waited: its records go with it (as deleting it removes its log), the others are written.
    try {
      const written = await withTenant(ctx, async (tx) => {
        const ids = [...new Set(rows.map((r) => r.deploymentId))];
        const live = new Set((await tx.select({ id: deployments.id }).from(deployments).where(inArray(deployments.id, ids))).map((d) => d.id));
        const keep = rows.filter((r) => live.has(r.deploymentId));
        if (keep.length) await insertRecords(tx, orgId, keep);
        return keep.length;
      });
      this.stats.written += written;
    } catch (e) {
      this.stats.failedWrites += rows.length;
      log.warn('could not write predictions', { orgId, rows: rows.length, error: e instanceof Error ? e.message : String(e) });
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
    await this.flush();
  }
}

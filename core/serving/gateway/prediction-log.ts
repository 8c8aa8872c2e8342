import { inArray } from 'drizzle-orm';
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
      await withTenant(ctx, (tx) => tx.insert(predictions).values(rows));
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
        if (keep.length) await tx.insert(predictions).values(keep);
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

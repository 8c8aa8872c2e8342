import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { recordAudit, type AuditInput } from '../governance/audit';
import type { ActingContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { startWorkflow } from './temporal';
import type { WorkflowName, WorkflowStart } from './workflows';

/** Advisory-lock classes (the second key is the hash of a business key or workflow ID). */
const KEY_LOCK = 0x6b6579;
const START_LOCK = 0x6a6f62;

/**
 * The Temporal call a record needs, made inside its transaction once the rows are written.
 * It must be idempotent under its business key: made twice, it has the effect of once.
 */
export interface TemporalCall {
  /**
   * IDs of the workflows (or of the schedule whose firings) read what the transaction writes:
   * their steps wait (see {@link awaitRecorded}) until the transaction has committed or rolled back.
   */
  awaitedBy: string[];
  run(): Promise<void>;
}

/** Starts a workflow; it (and any `alsoAwaitedBy`, e.g. a child it runs first) waits for the commit. */
export function startCall<K extends WorkflowName>(start: WorkflowStart<K>, alsoAwaitedBy: string[] = []): TemporalCall {
  return { awaitedBy: [start.workflowId, ...alsoAwaitedBy], run: () => startWorkflow(start) };
}

export interface Recorded<R> {
  row: R;
  /** Null when there is nothing to call: an earlier request under the same key made the call already. */
  call: TemporalCall | null;
  /** Written after the call, just before the commit. */
  audits: AuditInput[];
}

export interface RecordThenStartOptions<R> {
  /**
   * A business key that serialises requests for the same thing (e.g. one running evaluation per
   * model version): taken first, so a retried or concurrent request waits for the first and finds it.
   */
  key?: string;
  /** Writes the rows, or finds those of an earlier request with the same key. Records no audit itself. */
  record(tx: Tx): Promise<Recorded<R>>;
}

/**
 * The one way a use case records rows and starts the Temporal work for them (DESIGN: "Record, then
 * start"). One transaction: the business key's lock, the rows, then the Temporal call while the
 * transaction still holds its locks, then the audit events, then the commit. So:
 *  - Temporal unreachable: the call throws, the transaction rolls back, nothing is left waiting for
 *    a workflow that will not come; the caller can simply retry.
 *  - A crash or failed commit after the call: the workflow's first step waits for the transaction
 *    (`awaitRecorded`), finds no rows and ends having done nothing.
 *  - A retry under the same key: finds the first request's rows and returns them.
 * The audit events come last because the organization's audit-chain head stays locked from the
 * first event until the commit, and every audited change in the organization waits for it: it is
 * never held across a call to Temporal.
 */
export async function recordThenStart<R>(ctx: ActingContext, opts: RecordThenStartOptions<R>): Promise<R> {
  return withTenant(ctx, async (tx) => {
    if (opts.key) await tx.execute(sql`select pg_advisory_xact_lock(${KEY_LOCK}, hashtext(${opts.key}))`);
    const { row, call, audits } = await opts.record(tx);
    if (call) {
      for (const id of call.awaitedBy) await tx.execute(sql`select pg_advisory_xact_lock(${START_LOCK}, hashtext(${id}))`);
      await call.run();
    }
    for (const a of audits) await recordAudit(tx, ctx, a);
    return row;
  });
}

/**
 * Returns once the transaction that started `id` (a workflow, or a schedule), if one is still open,
 * has committed or rolled back. A step that reads the rows its workflow was started for calls this
 * first, since the workflow can run before the transaction that started it commits.
 */
export async function awaitRecorded(tx: Tx, id: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock_shared(${START_LOCK}, hashtext(${id}))`);
}

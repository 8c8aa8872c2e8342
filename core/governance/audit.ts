import { createHash } from 'node:crypto';
import { and, asc, eq, gt } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { auditEvents, auditHeads, type AuditEvent } from '../../db/schema';
import { newId } from '../ids';
import { actorLabel, isSystemContext, type ActingContext } from '../tenancy/context';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  /** `<object>.<verb>`, e.g. `team.create`, `api_key.revoke`. */
  action: string;
  targetType: string;
  targetId: string;
  data?: Record<string, unknown>;
}

/** JSON with object keys sorted at every level, so the hash is independent of key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

type Hashable = Omit<AuditEvent, 'hash'>;

export function hashAuditEvent(e: Hashable): string {
  const payload = canonicalJson([
    e.orgId,
    e.seq,
    e.id,
    e.occurredAt.toISOString(),
    e.actorType,
    e.actorUserId,
    e.actorApiKeyId,
    e.actorLabel,
    e.action,
    e.targetType,
    e.targetId,
    e.ip,
    e.userAgent,
    e.requestId,
    e.data,
  ]);
  return createHash('sha256').update(e.prevHash).update('\n').update(payload).digest('hex');
}

/**
 * Appends one event to the organization's chain inside the caller's transaction,
 * so the event exists exactly when the change it describes does. The head row
 * lock serialises concurrent appends per organization.
 */
export async function recordAudit(tx: Tx, ctx: ActingContext, input: AuditInput): Promise<void> {
  const orgId = ctx.orgId;
  await tx.insert(auditHeads).values({ orgId, seq: 0, hash: GENESIS_HASH }).onConflictDoNothing();
  const [head] = await tx.select().from(auditHeads).where(eq(auditHeads.orgId, orgId)).for('update');
  if (!head) throw new Error('audit head missing after upsert');
  // A system process is recorded as such, under its name: no user stands behind its steps.
  const actor = isSystemContext(ctx)
    ? { actorType: 'system', actorUserId: null, actorApiKeyId: null, actorLabel: `system (${ctx.process})` }
    : {
        actorType: ctx.actor.kind,
        actorUserId: ctx.actor.userId,
        actorApiKeyId: ctx.actor.kind === 'api_key' ? ctx.actor.apiKeyId : null,
        actorLabel: actorLabel(ctx.actor),
      };
  const row: Hashable = {
    id: newId('auditEvent'),
    orgId,
    seq: head.seq + 1,
    // Millisecond precision round-trips through timestamptz(3) exactly.
    occurredAt: new Date(Date.now()),
    ...actor,
    action: input.action,
    targetType: input.targetType,
    targetId: input.targetId,
    ip: ctx.meta.ip,
    userAgent: ctx.meta.userAgent ? ctx.meta.userAgent.slice(0, 512) : null,
    requestId: ctx.meta.requestId,
    data: input.data ?? {},
    prevHash: head.hash,
  };
  const hash = hashAuditEvent(row);
  await tx.insert(auditEvents).values({ ...row, hash });
  await tx.update(auditHeads).set({ seq: row.seq, hash }).where(eq(auditHeads.orgId, orgId));
}

export interface ChainReport {
  valid: boolean;
  checkedEvents: number;
  /** The first sequence number where the chain does not hold. */
  firstBrokenSeq: number | null;
  reason: string | null;
}

/**
 * Recomputes the chain: detects an edited row (hash mismatch), a deleted or
 * reordered row (sequence gap or prev-hash mismatch) and a deleted tail (head ahead of rows).
 */
export async function verifyAuditChainIn(tx: Tx, orgId: string, batchSize = 1000): Promise<ChainReport> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  const broken = (seq: number, reason: string): ChainReport => ({ valid: false, checkedEvents: checked, firstBrokenSeq: seq, reason });
  for (;;) {
    const rows = await tx
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, orgId), gt(auditEvents.seq, expectedSeq - 1)))
      .orderBy(asc(auditEvents.seq))
      .limit(batchSize);
    for (const r of rows) {
      if (r.seq !== expectedSeq) return broken(expectedSeq, `event #${expectedSeq} is missing`);
      if (r.prevHash !== prevHash) return broken(r.seq, `event #${r.seq} does not follow event #${r.seq - 1}`);
      const { hash, ...rest } = r;
      if (hashAuditEvent(rest) !== hash) return broken(r.seq, `event #${r.seq} was modified`);
      prevHash = hash;
      expectedSeq++;
      checked++;
    }
    if (rows.length < batchSize) break;
  }
  const [head] = await tx.select().from(auditHeads).where(eq(auditHeads.orgId, orgId));
  if (head && (head.seq !== checked || head.hash !== prevHash)) {
    return broken(checked + 1, `the chain ends at #${checked} but its head records #${head.seq}`);
  }
  return { valid: true, checkedEvents: checked, firstBrokenSeq: null, reason: null };
}

import { bigint, index, jsonb, pgTable, text, timestamptz, uniqueIndex } from './columns';
import { organizations } from './tenancy';

/**
 * Append-only, hash-chained per organization: `hash = sha256(prev_hash || canonical(row))`.
 * The app role may only INSERT and SELECT; a trigger refuses UPDATE and DELETE for everyone.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    occurredAt: timestamptz('occurred_at').notNull(),
    actorType: text('actor_type').notNull(),
    actorUserId: text('actor_user_id'),
    actorApiKeyId: text('actor_api_key_id'),
    actorLabel: text('actor_label').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    uniqueIndex('audit_events_org_seq_uq').on(t.orgId, t.seq),
    index('audit_events_target_idx').on(t.orgId, t.targetType, t.targetId),
    // The audit page's filters, newest first within each.
    index('audit_events_action_idx').on(t.orgId, t.action, t.seq),
    index('audit_events_actor_user_idx').on(t.orgId, t.actorUserId, t.seq),
    index('audit_events_actor_key_idx').on(t.orgId, t.actorApiKeyId, t.seq),
  ],
);

export type AuditEvent = typeof auditEvents.$inferSelect;

/** The newest link of each organization's chain: serialises appends and reveals a deleted tail. */
export const auditHeads = pgTable('audit_heads', {
  orgId: text('org_id')
    .primaryKey()
    .references(() => organizations.id),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
});

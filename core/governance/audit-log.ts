import { and, count, desc, eq, gte, inArray, lt, lte, max, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { apiKeys, auditEvents } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { verifyAuditChainIn } from './audit';

/** At most this many actions in one filter: a filter is picked by a person or a tool, not generated. */
export const MAX_FILTER_ACTIONS = 50;

const token = (what: string, maxLength: number) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(maxLength, `${what} must be at most ${maxLength} characters`)
    .regex(/^[A-Za-z0-9_.:*-]+$/, `${what} may only contain letters, digits and . _ : - *`);

const filterSchema = z
  .object({
    /** Exact actions (`team.create`), or a family with `.*` (`team.*` is every `team.…` action). */
    actions: z
      .array(token('An action', 100).refine((a) => !a.includes('*') || /^[^*]+\.\*$/.test(a), 'A wildcard may only end an action, as in team.*'))
      .max(MAX_FILTER_ACTIONS, `At most ${MAX_FILTER_ACTIONS} actions`)
      .nullish(),
    actorUserId: token('The actor user ID', 64).nullish(),
    actorApiKeyId: token('The actor API key ID', 64).nullish(),
    targetType: token('The target type', 64).nullish(),
    targetId: token('The target ID', 200).nullish(),
    since: z.date().nullish(),
    until: z.date().nullish(),
  })
  .refine((f) => !f.since || !f.until || f.since.getTime() <= f.until.getTime(), { message: 'since must not be after until', path: ['since'] })
  .refine((f) => !f.targetId || f.targetType, { message: 'A target ID needs its target type', path: ['targetType'] });

export type AuditEventFilter = z.input<typeof filterSchema>;

function conditions(orgId: string, filter: z.output<typeof filterSchema>): SQL[] {
  const where: SQL[] = [eq(auditEvents.orgId, orgId)];
  const actions = filter.actions ?? [];
  if (actions.length > 0) {
    const exact = actions.filter((a) => !a.endsWith('.*'));
    const families = actions.filter((a) => a.endsWith('.*')).map((a) => a.slice(0, -1)); // `team.*` → `team.`
    const any: SQL[] = [];
    if (exact.length > 0) any.push(inArray(auditEvents.action, exact));
    // starts_with, not LIKE: the prefix is taken literally, whatever it holds.
    for (const prefix of families) any.push(sql`starts_with(${auditEvents.action}, ${prefix})`);
    where.push(any.length === 1 ? any[0]! : sql`(${sql.join(any, sql` OR `)})`);
  }
  if (filter.actorUserId) where.push(eq(auditEvents.actorUserId, filter.actorUserId));
  if (filter.actorApiKeyId) where.push(eq(auditEvents.actorApiKeyId, filter.actorApiKeyId));
  if (filter.targetType) where.push(eq(auditEvents.targetType, filter.targetType));
  if (filter.targetId) where.push(eq(auditEvents.targetId, filter.targetId));
  if (filter.since) where.push(gte(auditEvents.occurredAt, filter.since));
  if (filter.until) where.push(lte(auditEvents.occurredAt, filter.until));
  return where;
}

/**
 * The organization's audit events, newest first, `first + 1` of them so the caller can tell
 * whether there are more; `after` is the chain position to continue below. Every filter given
 * must hold (actions: any of them).
 */
export async function listAuditEvents(ctx: TenantContext, page: { first: number; after?: number | null }, filter: AuditEventFilter = {}) {
  assertCan(ctx, 'audit:read');
  const f = parseInput(filterSchema, filter);
  return withTenant(ctx, (tx) =>
    tx
      .select()
      .from(auditEvents)
      .where(and(...conditions(ctx.orgId, f), page.after ? lt(auditEvents.seq, page.after) : undefined))
      .orderBy(desc(auditEvents.seq))
      .limit(page.first + 1),
  );
}

export interface AuditFacets {
  actions: { action: string; count: number }[];
  targetTypes: { targetType: string; count: number }[];
  actors: { actorType: string; userId: string | null; apiKeyId: string | null; apiKeyName: string | null; label: string; count: number; lastAt: Date }[];
}

/** What the organization's log holds, to filter by: its actions, target types and actors, with how many events each has. */
export async function auditFacets(ctx: TenantContext): Promise<AuditFacets> {
  assertCan(ctx, 'audit:read');
  return withTenant(ctx, async (tx) => {
    const org = eq(auditEvents.orgId, ctx.orgId);
    const n = count().mapWith(Number);
    const actions = await tx.select({ action: auditEvents.action, count: n }).from(auditEvents).where(org).groupBy(auditEvents.action).orderBy(auditEvents.action);
    const targetTypes = await tx
      .select({ targetType: auditEvents.targetType, count: n })
      .from(auditEvents)
      .where(org)
      .groupBy(auditEvents.targetType)
      .orderBy(auditEvents.targetType);
    // The label as of the actor's latest event (an email or key name may have changed since).
    const actors = await tx
      .select({
        actorType: auditEvents.actorType,
        userId: auditEvents.actorUserId,
        apiKeyId: auditEvents.actorApiKeyId,
        label: sql<string>`(array_agg(${auditEvents.actorLabel} ORDER BY ${auditEvents.seq} DESC))[1]`,
        count: n,
        lastAt: max(auditEvents.occurredAt).mapWith((v: string | Date) => new Date(v)),
      })
      .from(auditEvents)
      .where(org)
      .groupBy(auditEvents.actorType, auditEvents.actorUserId, auditEvents.actorApiKeyId)
      .orderBy(desc(max(auditEvents.seq)));
    // Keys by name as well: a label holds the key's prefix only.
    const keyIds = actors.flatMap((a) => (a.apiKeyId ? [a.apiKeyId] : []));
    const keys = keyIds.length
      ? new Map((await tx.select({ id: apiKeys.id, name: apiKeys.name }).from(apiKeys).where(and(eq(apiKeys.orgId, ctx.orgId), inArray(apiKeys.id, keyIds)))).map((k) => [k.id, k.name]))
      : new Map<string, string>();
    return { actions, targetTypes, actors: actors.map((a) => ({ ...a, apiKeyName: a.apiKeyId ? (keys.get(a.apiKeyId) ?? null) : null, lastAt: a.lastAt! })) };
  });
}

export async function verifyAuditChain(ctx: TenantContext) {
  assertCan(ctx, 'audit:read');
  return withTenant(ctx, (tx) => verifyAuditChainIn(tx, ctx.orgId));
}

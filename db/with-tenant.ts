import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { appDb, appSql, type Tx } from './client';

/**
 * The settings row-level security reads. Built only by `core/tenancy/with-tenant.ts` from a typed
 * context (lint enforces it); everything else calls `withTenant(ctx, fn)` there.
 */
export interface TenantScope {
  /** The organization whose rows are visible; null for none. */
  orgId: string | null;
  /** The signed-in user, which also reveals that user's own memberships. */
  userId?: string | null;
}

/**
 * Runs `fn` in one transaction with the tenant set for row-level security.
 * `set_config(..., true)` is transaction-local, so nothing leaks to the next
 * user of the pooled connection. Without a tenant, tenant tables return no rows.
 */
export async function inTenantScope<T>(scope: TenantScope, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return appDb().transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('app.org_id', ${scope.orgId ?? ''}, true), set_config('app.user_id', ${scope.userId ?? ''}, true)`,
    );
    return fn(tx);
  });
}

/** A transaction with no tenant: only global tables (users, rate limits) and definer functions. */
export async function withoutTenant<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  return inTenantScope({ orgId: null, userId: null }, fn);
}

const dialect = new PgDialect();
const SET_TENANT = `select set_config('app.org_id', $1, true), set_config('app.user_id', $2, true)`;

/**
 * One statement in its own tenant transaction, as `inTenantScope` would run it, in a
 * single round trip: BEGIN, the tenant settings, the statement and COMMIT are
 * pipelined on one reserved connection, which runs them in that order, and the
 * statements are prepared once per connection. For the hottest single-statement
 * writes (metric points); everything else uses `inTenantScope`. If the statement fails,
 * COMMIT finds the transaction aborted and rolls it back.
 */
export async function inTenantScopeStatement<T>(scope: TenantScope, query: SQL): Promise<T[]> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  const conn = await appSql().reserve();
  try {
    // Queued in this order before any is sent: the statement never runs without its tenant.
    const steps = [
      conn.unsafe('begin').execute(),
      conn.unsafe(SET_TENANT, [scope.orgId ?? '', scope.userId ?? ''], { prepare: true }).execute(),
      conn.unsafe(text, params as never[], { prepare: true }).execute(),
      conn.unsafe('commit').execute(),
    ];
    const settled = await Promise.allSettled(steps);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return (settled[2] as PromiseFulfilledResult<unknown>).value as T[];
  } finally {
    conn.release();
  }
}

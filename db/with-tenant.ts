import { sql } from 'drizzle-orm';
import { appDb, type Tx } from './client';

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
export async function withTenant<T>(scope: TenantScope, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return appDb().transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('app.org_id', ${scope.orgId ?? ''}, true), set_config('app.user_id', ${scope.userId ?? ''}, true)`,
    );
    return fn(tx);
  });
}

/** A transaction with no tenant: only global tables (users, rate limits) and definer functions. */
export async function withoutTenant<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  return withTenant({ orgId: null, userId: null }, fn);
}

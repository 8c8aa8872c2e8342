import type { SQL } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { inTenantScope, inTenantScopeStatement, withoutTenant, type TenantScope } from '../../db/with-tenant';
import { AppError } from '../errors';
import { isId } from '../ids';
import { isSystemContext, type ActingContext } from './context';

export { withoutTenant };

/**
 * The scope row-level security sees for `ctx`. Checked at run time as well as by type: a context
 * whose organization is not an organization ID (a forged `{}` cast, an empty string) would run with
 * no tenant and silently see nothing, so it is refused instead.
 */
function scopeOf(ctx: ActingContext): TenantScope {
  if (typeof ctx?.orgId !== 'string' || !isId('org', ctx.orgId)) {
    throw new AppError('INTERNAL', 'A tenant transaction needs a tenant or system context with an organization');
  }
  return { orgId: ctx.orgId, userId: isSystemContext(ctx) ? null : ctx.actor.userId };
}

/**
 * The one way core reads and writes tenant rows: one transaction with the organization of `ctx` set for
 * row-level security (and the acting user, who also sees their own memberships). Background work
 * passes a `SystemContext` (see `systemContext`), never a hand-built user context.
 */
export async function withTenant<T>(ctx: ActingContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return inTenantScope(scopeOf(ctx), fn);
}

/** One statement in its own tenant transaction, in a single round trip (the metric-point hot path). */
export async function withTenantStatement<T>(ctx: ActingContext, query: SQL): Promise<T[]> {
  return inTenantScopeStatement<T>(scopeOf(ctx), query);
}

/**
 * Before a tenant context exists: resolving a user's memberships, creating an organization, accepting
 * an invitation, authenticating an API key. `orgId` null shows only the user's own membership rows.
 */
export function withMembershipScope<T>(scope: { userId: string; orgId: string | null }, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return inTenantScope({ orgId: scope.orgId, userId: scope.userId }, fn);
}

import { and, asc, eq } from 'drizzle-orm';
import { memberships, organizations } from '../../db/schema';
import { withMembershipScope, withTenant } from './with-tenant';
import { AppError, notFound } from '../errors';
import type { Actor, RequestMeta, TenantContext } from './context';
import { permissionsFor } from './permissions';

/**
 * The actor's standing in one organization. A user names the org (or gets their
 * first); an API key is bound to its own org. Not a member → NOT_FOUND, so
 * org IDs of other tenants reveal nothing.
 */
export async function resolveTenantContext(actor: Actor, requestedOrgId: string | null, meta: RequestMeta): Promise<TenantContext> {
  if (actor.kind === 'api_key') {
    if (requestedOrgId && requestedOrgId !== actor.orgId) throw notFound('Organization');
    // Authentication has just checked the membership and read the role.
    return { actor, orgId: actor.orgId, role: actor.role, permissions: permissionsFor(actor.role, actor.scopes, { runBound: !!actor.runId }), meta };
  }
  const orgId = requestedOrgId;
  const membership = await withMembershipScope({ orgId, userId: actor.userId }, async (tx) => {
    const where = orgId
      ? and(eq(memberships.userId, actor.userId), eq(memberships.orgId, orgId))
      : eq(memberships.userId, actor.userId);
    const [m] = await tx
      .select({ orgId: memberships.orgId, role: memberships.role })
      .from(memberships)
      .innerJoin(organizations, eq(organizations.id, memberships.orgId))
      .where(where)
      .orderBy(asc(memberships.createdAt))
      .limit(1);
    return m;
  });
  if (!membership) {
    throw orgId ? notFound('Organization') : new AppError('NOT_FOUND', 'You are not a member of any organization');
  }
  return {
    actor,
    orgId: membership.orgId,
    role: membership.role,
    permissions: permissionsFor(membership.role),
    meta,
  };
}

/** Organizations the user belongs to, for the switcher. */
export async function listMyOrganizations(userId: string) {
  return withMembershipScope({ orgId: null, userId }, (tx) =>
    tx
      .select({ id: organizations.id, name: organizations.name, slug: organizations.slug, role: memberships.role, createdAt: organizations.createdAt })
      .from(memberships)
      .innerJoin(organizations, eq(organizations.id, memberships.orgId))
      .where(eq(memberships.userId, userId))
      .orderBy(asc(organizations.name)),
  );
}

export async function getOrganization(ctx: TenantContext) {
  return withTenant(ctx, async (tx) => {
    const [org] = await tx.select().from(organizations).where(eq(organizations.id, ctx.orgId));
    if (!org) throw notFound('Organization');
    return org;
  });
}

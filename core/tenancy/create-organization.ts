import { randomBytes } from 'node:crypto';
import type { Tx } from '../../db/client';
import { memberships, organizations, type Organization } from '../../db/schema';
import { withMembershipScope } from './with-tenant';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { parseInput, slugify } from '../validation';
import type { Actor, RequestMeta, TenantContext } from './context';
import { createOrganizationInput } from './organizations.schemas';
import { permissionsFor } from './permissions';

/**
 * Creates an organization inside `tx` (scoped to `orgId`) with the actor as owner.
 * Slugs are global: on a clash the insert does nothing and we retry with a suffix,
 * which works under RLS without reading other tenants' rows.
 */
export async function insertOrganization(
  tx: Tx,
  args: { orgId: string; name: string; actor: Actor; meta: RequestMeta },
): Promise<Organization> {
  const base = slugify(args.name);
  let org: Organization | undefined;
  for (let i = 0; i < 6 && !org; i++) {
    const candidate = i === 0 ? base : `${base}-${randomBytes(3).toString('hex')}`;
    const inserted = await tx
      .insert(organizations)
      .values({ id: args.orgId, name: args.name, slug: candidate, createdBy: args.actor.userId })
      .onConflictDoNothing({ target: organizations.slug })
      .returning();
    org = inserted[0];
  }
  if (!org) throw new AppError('CONFLICT', 'Could not find a free URL name for this organization; try another name');
  await tx.insert(memberships).values({ id: newId('membership'), orgId: args.orgId, userId: args.actor.userId, role: 'owner' });
  const ctx: TenantContext = {
    actor: args.actor,
    orgId: args.orgId,
    role: 'owner',
    permissions: permissionsFor('owner'),
    meta: args.meta,
  };
  await recordAudit(tx, ctx, {
    action: 'organization.create',
    targetType: 'organization',
    targetId: args.orgId,
    data: { name: org.name, slug: org.slug },
  });
  return org;
}

/** A signed-in user creates another organization and becomes its owner. */
export async function createOrganization(actor: Actor, meta: RequestMeta, input: unknown) {
  if (actor.kind !== 'user') throw new AppError('FORBIDDEN', 'API keys cannot create organizations');
  const { name } = parseInput(createOrganizationInput, input);
  const orgId = newId('org');
  return withMembershipScope({ orgId, userId: actor.userId }, (tx) => insertOrganization(tx, { orgId, name, actor, meta }));
}

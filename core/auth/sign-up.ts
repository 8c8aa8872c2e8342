import { z } from 'zod';
import { users } from '../../db/schema';
import { withMembershipScope } from '../tenancy/with-tenant';
import { AppError } from '../errors';
import { newId } from '../ids';
import type { Actor, RequestMeta } from '../tenancy/context';
import { insertOrganization } from '../tenancy/create-organization';
import { orgNameSchema } from '../tenancy/organizations.schemas';
import { emailSchema, nameSchema, parseInput } from '../validation';
import { hashPassword, passwordSchema } from './password';

export const signUpInput = z.object({
  email: emailSchema,
  name: nameSchema('Name', 100),
  password: passwordSchema,
  organizationName: orgNameSchema.optional(),
  /** False when signing up from an invitation: the invitee joins that organization instead. */
  createOrganization: z.boolean().default(true),
});

export interface SignUpResult {
  userId: string;
  email: string;
  orgId: string | null;
  orgSlug: string | null;
}

/**
 * Creates a user and, unless they came with an invitation, their first
 * organization (as owner) in one transaction: a duplicate email or any failure
 * leaves nothing behind.
 */
export async function signUp(meta: RequestMeta, input: unknown): Promise<SignUpResult> {
  const data = parseInput(signUpInput, input);
  const passwordHash = await hashPassword(data.password);
  const userId = newId('user');
  const orgId = newId('org');
  const actor: Actor = { kind: 'user', userId, email: data.email };
  return withMembershipScope({ orgId: data.createOrganization ? orgId : null, userId }, async (tx) => {
    const inserted = await tx
      .insert(users)
      .values({ id: userId, email: data.email, name: data.name, passwordHash })
      .onConflictDoNothing({ target: users.email })
      .returning({ id: users.id });
    if (inserted.length === 0) {
      throw new AppError('CONFLICT', 'An account with this email already exists; sign in instead', {
        fields: [{ path: 'email', message: 'An account with this email already exists' }],
      });
    }
    if (!data.createOrganization) return { userId, email: data.email, orgId: null, orgSlug: null };
    const org = await insertOrganization(tx, {
      orgId,
      name: data.organizationName ?? `${data.name}'s organization`,
      actor,
      meta,
    });
    return { userId, email: data.email, orgId, orgSlug: org.slug };
  });
}

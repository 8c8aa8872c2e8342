import { randomBytes } from 'node:crypto';
import { signUp } from '../core/auth/sign-up';
import type { Actor, RequestMeta, TenantContext } from '../core/tenancy/context';
import { resolveTenantContext } from '../core/tenancy/resolve-context';

export const testMeta = (requestId = 'test-request'): RequestMeta => ({ requestId, ip: '127.0.0.1', userAgent: 'vitest' });

export const uniqueEmail = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;

export interface SignedUp {
  actor: Actor & { kind: 'user' };
  orgId: string;
  ctx: TenantContext;
}

/** A new user with their own organization, through the real sign-up use case. */
export async function signUpUser(label: string, orgName = `${label} org`): Promise<SignedUp> {
  const email = uniqueEmail(label);
  const r = await signUp(testMeta(), { email, name: label, password: 'a-strong-passphrase-1', organizationName: orgName });
  if (!r.orgId) throw new Error('sign-up created no organization');
  const actor = { kind: 'user' as const, userId: r.userId, email };
  return { actor, orgId: r.orgId, ctx: await resolveTenantContext(actor, r.orgId, testMeta()) };
}

import 'server-only';
import { headers } from 'next/headers';
import { connection } from 'next/server';
import { notFound, redirect } from 'next/navigation';
import { cache } from 'react';
import { isAppError } from '@/core/errors';
import { listMyOrganizations, resolveTenantContext } from '@/core/tenancy/resolve-context';
import { sessionActor } from './auth';
import { requestMeta } from './request-meta';

/**
 * The signed-in user, read once per request however many server components ask.
 * Waiting for the request first marks the page dynamic, so `next build` never
 * tries to prerender a page that depends on who is asking.
 */
export const currentActor = cache(async () => {
  await connection();
  return sessionActor();
});

/** Only same-site paths are followed after sign-in (no open redirects). */
export function safeCallbackUrl(value: string | string[] | undefined | null): string | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v || !v.startsWith('/') || v.startsWith('//') || v.startsWith('/\\')) return null;
  return v;
}

export function signInUrl(callbackUrl: string): string {
  return `/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`;
}

/**
 * The organization an /o/[orgSlug] URL names, for the signed-in user. Not signed
 * in: off to sign-in and back. Not a member (or no such org): 404, the same
 * answer either way, so slugs of other tenants reveal nothing.
 */
export const requireOrg = cache(async (orgSlug: string) => {
  const actor = await currentActor();
  if (!actor) {
    const path = (await headers()).get('x-gantry-path');
    redirect(signInUrl(path?.startsWith(`/o/${orgSlug}`) ? path : `/o/${orgSlug}`));
  }
  const orgs = await listMyOrganizations(actor.userId);
  const org = orgs.find((o) => o.slug === orgSlug);
  if (!org) notFound();
  return { actor, org };
});

/** The user's tenant context in that organization, for server-side checks with core. */
export async function requireTenant(orgSlug: string) {
  const { actor, org } = await requireOrg(orgSlug);
  return resolveTenantContext(actor, org.id, requestMeta(await headers()));
}

/** Runs a core lookup; the domain's NOT_FOUND becomes this request's 404. */
export async function orNotFound<T>(lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (e) {
    if (isAppError(e) && (e.code === 'NOT_FOUND' || e.code === 'BAD_USER_INPUT')) notFound();
    throw e;
  }
}

'use client';

import { useRouter } from 'next/navigation';
import { signOut } from 'next-auth/react';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import { BuildingIcon, MailIcon, XCircleIcon } from '@/app/components/icons';
import { useToast } from '@/app/components/toast';
import { Banner, Button, ButtonLink, RoleBadge, Skeleton } from '@/app/components/ui';
import { formatDate } from '@/app/lib/format';
import { gqlRequest } from '@/app/lib/graphql-client';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';

const InvitationPreviewQuery = graphql(`
  query InvitationPreview($token: String!) {
    invitationPreview(token: $token) {
      organizationName
      email
      role
      expiresAt
    }
  }
`);

const AcceptInvitation = graphql(`
  mutation AcceptInvitation($token: String!) {
    acceptInvitation(token: $token) {
      organizationId
      organizationName
      role
    }
  }
`);

const MyOrganizations = graphql(`
  query MyOrganizationSlugs {
    organizations {
      id
      slug
    }
  }
`);

export function InviteView({ token, user }: { token: string; user: { name: string; email: string } | null }) {
  const router = useRouter();
  const toast = useToast();
  const here = `/invite/${token}`;
  const { data, isLoading, error } = useGqlQuery(InvitationPreviewQuery, { token }, { orgId: null });
  const [leaving, setLeaving] = useState(false);
  const accept = useGqlMutation(AcceptInvitation, {
    orgId: null,
    onSuccess: async (d) => {
      setLeaving(true);
      toast.success(`Welcome to ${d.acceptInvitation.organizationName}`, `You joined as ${d.acceptInvitation.role}.`);
      const orgs = await gqlRequest(MyOrganizations, {}, null).catch(() => null);
      const slug = orgs?.organizations.find((o) => o.id === d.acceptInvitation.organizationId)?.slug;
      router.replace(slug ? `/o/${slug}` : '/');
      router.refresh();
    },
  });

  if (isLoading) {
    return (
      <div className="space-y-4" role="status" aria-label="Loading invitation">
        <Skeleton className="size-12 rounded-xl" />
        <Skeleton className="h-7 w-3/4" />
        <Skeleton className="h-4 w-full" />
        <Skeleton className="h-24 w-full" />
      </div>
    );
  }

  if (error || !data) {
    return (
      <div data-testid="invite-error">
        <span className="flex size-12 items-center justify-center rounded-xl bg-red-50 text-red-600">
          <XCircleIcon className="size-6" />
        </span>
        <h1 className="mt-5 text-2xl font-semibold tracking-tight text-zinc-900">This invitation can’t be used</h1>
        <p className="mt-2 text-sm text-zinc-600">{error ? (error.field('token') ?? error.message) : 'The invitation could not be loaded.'}</p>
        <p className="mt-1 text-sm text-zinc-500">Ask the person who invited you to send a new link.</p>
        <div className="mt-6">
          <ButtonLink href={user ? '/' : '/signin'} variant="secondary">
            {user ? 'Go to your dashboard' : 'Sign in'}
          </ButtonLink>
        </div>
      </div>
    );
  }

  const inv = data.invitationPreview;
  const wrongAccount = user && user.email.toLowerCase() !== inv.email.toLowerCase();
  const q = `?callbackUrl=${encodeURIComponent(here)}&email=${encodeURIComponent(inv.email)}`;

  return (
    <div>
      <span className="flex size-12 items-center justify-center rounded-xl bg-gradient-to-br from-brand-500 to-brand-700 text-lg font-semibold text-white">
        {inv.organizationName.charAt(0).toUpperCase()}
      </span>
      <h1 className="mt-5 text-2xl font-semibold tracking-tight text-zinc-900">
        Join <span data-testid="invite-org-name">{inv.organizationName}</span>
      </h1>
      <p className="mt-1.5 text-sm text-zinc-500">You have been invited to collaborate on Gantry.</p>

      <dl className="mt-6 divide-y divide-zinc-100 rounded-xl border border-zinc-200 text-sm">
        <div className="flex items-center justify-between px-4 py-3">
          <dt className="flex items-center gap-2 text-zinc-500">
            <BuildingIcon className="size-4" /> Organization
          </dt>
          <dd className="font-medium text-zinc-900">{inv.organizationName}</dd>
        </div>
        <div className="flex items-center justify-between px-4 py-3">
          <dt className="flex items-center gap-2 text-zinc-500">
            <MailIcon className="size-4" /> Invited email
          </dt>
          <dd className="font-medium text-zinc-900" data-testid="invite-email">
            {inv.email}
          </dd>
        </div>
        <div className="flex items-center justify-between px-4 py-3">
          <dt className="text-zinc-500">Role</dt>
          <dd>
            <RoleBadge role={inv.role} />
          </dd>
        </div>
        <div className="flex items-center justify-between px-4 py-3">
          <dt className="text-zinc-500">Expires</dt>
          <dd className="text-zinc-700">{formatDate(inv.expiresAt)}</dd>
        </div>
      </dl>

      <div className="mt-6 space-y-3">
        {!user ? (
          <>
            <ButtonLink href={`/signup${q}`} className="w-full">
              Create an account to accept
            </ButtonLink>
            <ButtonLink href={`/signin${q}`} variant="secondary" className="w-full">
              I already have an account
            </ButtonLink>
          </>
        ) : wrongAccount ? (
          <>
            <Banner tone="warning" title="Signed in with a different email">
              You are signed in as {user.email}, but this invitation is for {inv.email}. Sign in with that address to accept it.
            </Banner>
            <Button variant="secondary" className="w-full" onClick={() => void signOut({ callbackUrl: `/signin${q}` })}>
              Sign out and switch account
            </Button>
          </>
        ) : (
          <>
            {accept.error && <Banner tone="error">{accept.error.message}</Banner>}
            <Button className="w-full" loading={accept.isPending || leaving} onClick={() => accept.mutate({ token })}>
              Accept invitation
            </Button>
            <p className="text-center text-xs text-zinc-400">Signed in as {user.email}</p>
          </>
        )}
      </div>
    </div>
  );
}

'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { graphql } from '@/app/gql';
import { useConfirm } from '@/app/components/confirm';
import { CopyButton } from '@/app/components/copy-button';
import { CreateOrgForm } from '@/app/components/create-org-form';
import { ArrowRightIcon, KeyIcon, LogOutIcon, ScrollIcon, UsersIcon } from '@/app/components/icons';
import { useToast } from '@/app/components/toast';
import { Button, Card, CardBody, CardHeader, LoadError, PageHeader, RoleBadge, Skeleton } from '@/app/components/ui';
import { formatDate } from '@/app/lib/format';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';

const OrgSettingsQuery = graphql(`
  query OrgSettings {
    organization {
      id
      name
      slug
      createdAt
    }
    members(first: 100) {
      edges {
        node {
          id
          role
          user {
            id
          }
        }
      }
    }
  }
`);

const LeaveOrganization = graphql(`
  mutation LeaveOrganization($input: RemoveMemberInput!) {
    removeMember(input: $input)
  }
`);

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid gap-1 px-5 py-3.5 text-sm sm:grid-cols-3 sm:gap-4">
      <dt className="text-zinc-500">{label}</dt>
      <dd className="text-zinc-900 sm:col-span-2">{children}</dd>
    </div>
  );
}

export function SettingsView() {
  const { org, user } = useOrg();
  const router = useRouter();
  const toast = useToast();
  const confirm = useConfirm();
  const { data, isLoading, error, refetch } = useGqlQuery(OrgSettingsQuery, {});
  const me = data?.members.edges.find((e) => e.node.user.id === user.id)?.node;
  const owners = data?.members.edges.filter((e) => e.node.role === 'owner').length ?? 0;
  const lastOwner = me?.role === 'owner' && owners <= 1;
  const leave = useGqlMutation(LeaveOrganization, {
    onSuccess: () => {
      toast.success(`You left ${org.name}`);
      router.replace('/');
      router.refresh();
    },
  });

  async function onLeave() {
    if (!me) return;
    const ok = await confirm({
      title: `Leave ${org.name}?`,
      body: 'You lose access to its teams, projects and audit log. Your API keys for this organization stop working. Someone must invite you again to come back.',
      confirmLabel: 'Leave organization',
      danger: true,
    });
    if (ok) leave.mutate({ input: { membershipId: me.id } }, { onError: (e) => toast.error('Could not leave', e.message) });
  }

  return (
    <>
      <PageHeader title="Settings" description={`Organization details for ${org.name}.`} />
      <div className="space-y-6">
        <Card>
          <CardHeader title="Organization" />
          {error ? (
            <CardBody>
              <LoadError error={error} onRetry={() => void refetch()} />
            </CardBody>
          ) : isLoading || !data ? (
            <div className="space-y-4 p-5">
              <Skeleton className="h-4 w-1/2" />
              <Skeleton className="h-4 w-1/3" />
              <Skeleton className="h-4 w-2/5" />
            </div>
          ) : (
            <dl className="divide-y divide-zinc-100">
              <Row label="Name">{data.organization.name}</Row>
              <Row label="URL">
                <code className="font-mono text-[13px]">/o/{data.organization.slug}</code>
              </Row>
              <Row label="Organization ID">
                <span className="inline-flex items-center gap-2">
                  <code className="font-mono text-[13px]" data-testid="org-id">
                    {data.organization.id}
                  </code>
                  <CopyButton value={data.organization.id} />
                </span>
              </Row>
              <Row label="Your role">
                <RoleBadge role={org.role} />
              </Row>
              <Row label="Created">{formatDate(data.organization.createdAt)}</Row>
            </dl>
          )}
        </Card>

        <div className="grid gap-4 sm:grid-cols-3">
          {[
            { href: `/o/${org.slug}/members`, icon: <UsersIcon />, title: 'Members', body: 'Invitations and roles' },
            { href: `/o/${org.slug}/settings/api-keys`, icon: <KeyIcon />, title: 'API keys', body: 'Keys for tools and jobs' },
            { href: `/o/${org.slug}/audit`, icon: <ScrollIcon />, title: 'Audit log', body: 'Every change, hash-chained' },
          ].map((l) => (
            <Link key={l.href} href={l.href} className="group flex items-center gap-3 rounded-xl border border-zinc-200 bg-white p-4 shadow-xs transition hover:border-zinc-300">
              <span className="flex size-9 items-center justify-center rounded-lg bg-zinc-100 text-zinc-600 [&>svg]:size-4">{l.icon}</span>
              <div className="min-w-0 flex-1">
                <p className="text-sm font-medium text-zinc-900">{l.title}</p>
                <p className="truncate text-[13px] text-zinc-500">{l.body}</p>
              </div>
              <ArrowRightIcon className="size-4 text-zinc-300 group-hover:text-zinc-500" />
            </Link>
          ))}
        </div>

        <Card id="new-organization">
          <CardHeader title="Create another organization" description="Its own members, projects and data. You become its owner." />
          <CardBody>
            <CreateOrgForm />
          </CardBody>
        </Card>

        <Card className="border-red-200">
          <CardHeader title={<span className="text-red-700">Leave organization</span>} description="Remove yourself from this organization." />
          <CardBody className="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
            <p className="text-sm text-zinc-600">
              {lastOwner ? 'You are the only owner. Make someone else an owner before you leave.' : `You will need a new invitation to rejoin ${org.name}.`}
            </p>
            <Button variant="danger" onClick={() => void onLeave()} disabled={!me || lastOwner} loading={leave.isPending}>
              <LogOutIcon className="size-4" /> Leave
            </Button>
          </CardBody>
        </Card>
      </div>
    </>
  );
}

'use client';

import Link from 'next/link';
import { graphql } from '@/app/gql';
import { ArrowRightIcon, CheckCircleIcon, FolderIcon, KeyIcon, ScrollIcon, TeamIcon, UsersIcon } from '@/app/components/icons';
import { ButtonLink, Card, CardHeader, cx, EmptyState, IconTile, LoadError, PageHeader, RoleBadge, Skeleton } from '@/app/components/ui';
import { formatRelative } from '@/app/lib/format';
import { useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';

const OverviewQuery = graphql(`
  query Overview {
    teams(first: 100) {
      edges {
        node {
          id
        }
      }
      pageInfo {
        hasNextPage
      }
    }
    projects(first: 100) {
      edges {
        node {
          id
          name
          description
          createdAt
          team {
            id
            name
          }
        }
      }
      pageInfo {
        hasNextPage
      }
    }
    members(first: 100) {
      edges {
        node {
          id
        }
      }
      pageInfo {
        hasNextPage
      }
    }
    apiKeys(first: 1) {
      edges {
        node {
          id
        }
      }
    }
  }
`);

function count(conn: { edges: unknown[]; pageInfo: { hasNextPage: boolean } }) {
  return `${conn.edges.length}${conn.pageInfo.hasNextPage ? '+' : ''}`;
}

function Stat({ label, value, href, icon }: { label: string; value: string | undefined; href: string; icon: React.ReactNode }) {
  return (
    <Link href={href} className="group rounded-xl border border-zinc-200 bg-white p-5 shadow-xs transition hover:border-zinc-300 hover:shadow-sm">
      <div className="flex items-center justify-between">
        <p className="text-sm font-medium text-zinc-500">{label}</p>
        <span className="text-zinc-400 [&>svg]:size-4">{icon}</span>
      </div>
      {value === undefined ? (
        <Skeleton className="mt-3 h-8 w-12" />
      ) : (
        <p className="mt-2 text-3xl font-semibold tracking-tight text-zinc-900" data-testid={`stat-${label.toLowerCase()}`}>
          {value}
        </p>
      )}
      <p className="mt-2 inline-flex items-center gap-1 text-[13px] text-zinc-500 group-hover:text-zinc-800">
        View {label.toLowerCase()} <ArrowRightIcon className="size-3.5" />
      </p>
    </Link>
  );
}

function Step({ done, title, body, href, cta }: { done: boolean; title: string; body: string; href: string; cta: string }) {
  return (
    <li className="flex items-start gap-3 px-5 py-3.5">
      <span className={cx('mt-0.5 flex size-5 shrink-0 items-center justify-center rounded-full', done ? 'text-emerald-600' : 'border border-zinc-300')}>
        {done && <CheckCircleIcon className="size-5" />}
      </span>
      <div className="min-w-0 flex-1">
        <p className={cx('text-sm font-medium', done ? 'text-zinc-500 line-through decoration-zinc-300' : 'text-zinc-900')}>{title}</p>
        <p className="text-[13px] text-zinc-500">{body}</p>
      </div>
      {!done && (
        <Link href={href} className="shrink-0 text-sm font-medium text-brand-600 hover:text-brand-700">
          {cta}
        </Link>
      )}
    </li>
  );
}

export function OverviewView() {
  const { org, user } = useOrg();
  const base = `/o/${org.slug}`;
  const { data, error, refetch } = useGqlQuery(OverviewQuery, {});
  const projects = data?.projects.edges.map((e) => e.node) ?? [];
  const recent = [...projects].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, 5);
  const firstName = user.name.split(' ')[0] || user.name;

  return (
    <>
      <PageHeader
        title={org.name}
        description={
          <span className="inline-flex items-center gap-2">
            Welcome back, {firstName}. You are <RoleBadge role={org.role} /> in this organization.
          </span>
        }
        actions={
          <ButtonLink href={`${base}/projects`} variant="secondary">
            <FolderIcon className="size-4" /> All projects
          </ButtonLink>
        }
      />
      {error && <LoadError error={error} onRetry={() => void refetch()} />}

      <div className="grid gap-4 sm:grid-cols-3">
        <Stat label="Teams" value={data ? count(data.teams) : undefined} href={`${base}/teams`} icon={<TeamIcon />} />
        <Stat label="Projects" value={data ? count(data.projects) : undefined} href={`${base}/projects`} icon={<FolderIcon />} />
        <Stat label="Members" value={data ? count(data.members) : undefined} href={`${base}/members`} icon={<UsersIcon />} />
      </div>

      <div className="mt-6 grid gap-6 lg:grid-cols-5">
        <Card className="lg:col-span-3">
          <CardHeader title="Recent projects" description="The newest projects across your teams" />
          {!data && !error ? (
            <div className="space-y-4 p-5">
              {[0, 1, 2].map((i) => (
                <div key={i} className="flex items-center gap-3">
                  <Skeleton className="size-9" />
                  <div className="flex-1 space-y-2">
                    <Skeleton className="h-3.5 w-1/3" />
                    <Skeleton className="h-3 w-1/2" />
                  </div>
                </div>
              ))}
            </div>
          ) : recent.length === 0 ? (
            <EmptyState
              icon={<FolderIcon />}
              title="No projects yet"
              description="Projects hold experiments, models and jobs. Create one inside a team."
              action={<ButtonLink href={`${base}/teams`}>Go to teams</ButtonLink>}
            />
          ) : (
            <ul className="divide-y divide-zinc-100">
              {recent.map((p) => (
                <li key={p.id}>
                  <Link href={`${base}/projects/${p.id}`} className="flex items-center gap-3 px-5 py-3 hover:bg-zinc-50">
                    <IconTile>
                      <FolderIcon className="size-4" />
                    </IconTile>
                    <div className="min-w-0 flex-1">
                      <p className="truncate text-sm font-medium text-zinc-900">{p.name}</p>
                      <p className="truncate text-[13px] text-zinc-500">
                        {p.team.name} · created {formatRelative(p.createdAt)}
                      </p>
                    </div>
                    <ArrowRightIcon className="size-4 text-zinc-300" />
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card className="lg:col-span-2">
          <CardHeader title="Getting started" description="Set up your organization" />
          {data ? (
            <ul className="divide-y divide-zinc-100">
              <Step done={data.teams.edges.length > 0} title="Create a team" body="Teams own projects." href={`${base}/teams`} cta="Create" />
              <Step done={projects.length > 0} title="Create a project" body="A home for experiments and models." href={`${base}/teams`} cta="Create" />
              <Step done={data.members.edges.length > 1} title="Invite a teammate" body="Share an invite link with a role." href={`${base}/members`} cta="Invite" />
              <Step done={data.apiKeys.edges.length > 0} title="Create an API key" body="For training code and internal tools." href={`${base}/settings/api-keys`} cta="Create" />
            </ul>
          ) : (
            <div className="space-y-4 p-5">
              {[0, 1, 2, 3].map((i) => (
                <Skeleton key={i} className="h-9 w-full" />
              ))}
            </div>
          )}
        </Card>
      </div>

      <div className="mt-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {[
          { href: `${base}/teams`, icon: <TeamIcon />, title: 'Teams', body: 'People and their projects' },
          { href: `${base}/members`, icon: <UsersIcon />, title: 'Members', body: 'Invites and roles' },
          { href: `${base}/settings/api-keys`, icon: <KeyIcon />, title: 'API keys', body: 'For tools and jobs' },
          { href: `${base}/audit`, icon: <ScrollIcon />, title: 'Audit log', body: 'Who did what, when' },
        ].map((l) => (
          <Link key={l.href} href={l.href} className="flex items-center gap-3 rounded-xl border border-zinc-200 bg-white p-4 shadow-xs transition hover:border-zinc-300">
            <span className="flex size-9 items-center justify-center rounded-lg bg-zinc-100 text-zinc-600 [&>svg]:size-4">{l.icon}</span>
            <div className="min-w-0">
              <p className="text-sm font-medium text-zinc-900">{l.title}</p>
              <p className="truncate text-[13px] text-zinc-500">{l.body}</p>
            </div>
          </Link>
        ))}
      </div>
    </>
  );
}

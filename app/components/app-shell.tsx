'use client';

import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { signOut } from 'next-auth/react';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import { useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';
import {
  BuildingIcon,
  CardIcon,
  CheckIcon,
  CoinsIcon,
  CpuIcon,
  CubeIcon,
  FlaskIcon,
  FolderIcon,
  HomeIcon,
  KeyIcon,
  LinkIcon,
  LockIcon,
  LogOutIcon,
  LogoMark,
  MenuIcon,
  PlusIcon,
  RocketIcon,
  ScrollIcon,
  SelectorIcon,
  ServerIcon,
  SettingsIcon,
  TeamIcon,
  UsersIcon,
  XIcon,
} from './icons';
import { Menu, menuItemClass } from './menu';
import { NotificationBell } from './notification-bell';
import { PlatformStatusBanner } from './platform-status';
import { Avatar, RoleBadge, Skeleton, cx } from './ui';

const OrganizationsQuery = graphql(`
  query Organizations {
    organizations {
      id
      name
      slug
      role
    }
  }
`);

interface NavItem {
  href: string;
  label: string;
  icon: React.ReactNode;
  exact?: boolean;
  locked?: boolean;
  /** Other sections that belong under this entry (a run lives under its experiment). */
  also?: string[];
}

function useNav(): { title: string; items: NavItem[] }[] {
  const { org } = useOrg();
  const base = `/o/${org.slug}`;
  const canAudit = useCan('AUDIT_READ');
  return [
    {
      title: 'Workspace',
      items: [
        { href: base, label: 'Overview', icon: <HomeIcon />, exact: true },
        { href: `${base}/teams`, label: 'Teams', icon: <TeamIcon /> },
        { href: `${base}/projects`, label: 'Projects', icon: <FolderIcon /> },
        { href: `${base}/experiments`, label: 'Experiments', icon: <FlaskIcon />, also: [`${base}/runs`, `${base}/compare`] },
        { href: `${base}/models`, label: 'Models', icon: <CubeIcon /> },
        { href: `${base}/deployments`, label: 'Deployments', icon: <RocketIcon /> },
        { href: `${base}/jobs`, label: 'Jobs', icon: <CpuIcon /> },
        { href: `${base}/clusters`, label: 'Clusters', icon: <ServerIcon /> },
        { href: `${base}/costs`, label: 'Costs', icon: <CoinsIcon /> },
      ],
    },
    {
      title: 'Organization',
      items: [
        { href: `${base}/members`, label: 'Members', icon: <UsersIcon /> },
        { href: `${base}/settings/api-keys`, label: 'API keys', icon: <KeyIcon /> },
        { href: `${base}/settings/webhooks`, label: 'Webhooks', icon: <LinkIcon /> },
        { href: `${base}/settings/billing`, label: 'Billing', icon: <CardIcon /> },
        { href: `${base}/audit`, label: 'Audit log', icon: <ScrollIcon />, locked: canAudit === false },
        { href: `${base}/settings`, label: 'Settings', icon: <SettingsIcon />, exact: true },
      ],
    },
  ];
}

function SidebarNav({ onNavigate }: { onNavigate?: () => void }) {
  const pathname = usePathname();
  const groups = useNav();
  return (
    <nav aria-label="Main" className="flex flex-1 flex-col gap-6 px-3 py-4">
      {groups.map((g) => (
        <div key={g.title}>
          <p className="px-2.5 pb-1.5 text-[11px] font-semibold uppercase tracking-wider text-zinc-400">{g.title}</p>
          <ul className="space-y-0.5">
            {g.items.map((item) => {
              const under = (href: string) => pathname === href || pathname.startsWith(`${href}/`);
              const active = item.exact ? pathname === item.href : under(item.href) || (item.also ?? []).some(under);
              return (
                <li key={item.href}>
                  <Link
                    href={item.href}
                    onClick={onNavigate}
                    aria-current={active ? 'page' : undefined}
                    className={cx(
                      'group flex items-center gap-2.5 rounded-md px-2.5 py-1.5 text-sm font-medium transition-colors [&>svg]:size-4',
                      active ? 'bg-zinc-100 text-zinc-900' : 'text-zinc-600 hover:bg-zinc-50 hover:text-zinc-900',
                    )}
                  >
                    <span className={cx('[&>svg]:size-4', active ? 'text-zinc-900' : 'text-zinc-400 group-hover:text-zinc-600')}>{item.icon}</span>
                    <span className="flex-1">{item.label}</span>
                    {item.locked && <LockIcon className="size-3.5 text-zinc-300" aria-label="Admins only" />}
                  </Link>
                </li>
              );
            })}
          </ul>
        </div>
      ))}
    </nav>
  );
}

function SidebarFooter() {
  const { org } = useOrg();
  return (
    <div className="border-t border-zinc-100 px-5 py-4 text-xs text-zinc-400">
      <p className="truncate">
        Signed in to <span className="font-medium text-zinc-500">{org.name}</span>
      </p>
      <p className="mt-0.5">
        GraphQL API at <code className="font-mono text-zinc-500">/api/graphql</code>
      </p>
    </div>
  );
}

function OrgSwitcher() {
  const { org } = useOrg();
  const router = useRouter();
  const { data, isLoading } = useGqlQuery(OrganizationsQuery, {});
  return (
    <Menu
      label="Switch organization"
      trigger={(open) => (
        <span
          className={cx(
            'flex items-center gap-2 rounded-md px-2 py-1.5 text-sm transition-colors hover:bg-zinc-100',
            open && 'bg-zinc-100',
          )}
        >
          <span className="flex size-6 items-center justify-center rounded-md bg-gradient-to-br from-brand-500 to-brand-700 text-[11px] font-semibold text-white">
            {org.name.charAt(0).toUpperCase()}
          </span>
          <span className="max-w-[14rem] truncate font-semibold text-zinc-900" data-testid="current-org">
            {org.name}
          </span>
          <SelectorIcon className="size-3.5 text-zinc-400" />
        </span>
      )}
    >
      {(close) => (
        <div className="w-72">
          <p className="px-2.5 pt-1.5 pb-1 text-[11px] font-semibold uppercase tracking-wider text-zinc-400">Organizations</p>
          {isLoading && (
            <div className="space-y-2 p-2.5">
              <Skeleton className="h-4 w-3/4" />
              <Skeleton className="h-4 w-1/2" />
            </div>
          )}
          <ul className="max-h-72 overflow-y-auto">
            {data?.organizations.map((o) => (
              <li key={o.id}>
                <button
                  type="button"
                  role="menuitem"
                  className={menuItemClass}
                  onClick={() => {
                    close();
                    router.push(`/o/${o.slug}`);
                  }}
                >
                  <span className="flex size-5 shrink-0 items-center justify-center rounded bg-zinc-100 text-[10px] font-semibold text-zinc-600">
                    {o.name.charAt(0).toUpperCase()}
                  </span>
                  <span className="min-w-0 flex-1 truncate">{o.name}</span>
                  {o.id === org.id ? <CheckIcon className="size-4 text-zinc-900" /> : <RoleBadge role={o.role} />}
                </button>
              </li>
            ))}
          </ul>
          <div className="my-1 border-t border-zinc-100" />
          <Link href="/orgs/new" role="menuitem" className={menuItemClass} onClick={close}>
            <PlusIcon className="size-4 text-zinc-400" />
            Create organization
          </Link>
        </div>
      )}
    </Menu>
  );
}

function UserMenu() {
  const { user, org } = useOrg();
  return (
    <Menu
      label="Account menu"
      align="right"
      trigger={(open) => (
        <span className={cx('flex items-center gap-2 rounded-full p-0.5 pr-2 transition-colors hover:bg-zinc-100', open && 'bg-zinc-100')}>
          <Avatar name={user.name} email={user.email} />
          <span className="hidden text-sm font-medium text-zinc-700 sm:inline">{user.name || user.email}</span>
        </span>
      )}
    >
      {(close) => (
        <div className="w-64">
          <div className="px-2.5 py-2">
            <p className="truncate text-sm font-medium text-zinc-900">{user.name}</p>
            <p className="truncate text-[13px] text-zinc-500" data-testid="user-email">
              {user.email}
            </p>
            <div className="mt-1.5 flex items-center gap-1.5 text-xs text-zinc-500">
              <RoleBadge role={org.role} /> in {org.name}
            </div>
          </div>
          <div className="my-1 border-t border-zinc-100" />
          <Link href={`/o/${org.slug}/settings/api-keys`} role="menuitem" className={menuItemClass} onClick={close}>
            <KeyIcon className="size-4 text-zinc-400" /> API keys
          </Link>
          <Link href={`/o/${org.slug}/settings`} role="menuitem" className={menuItemClass} onClick={close}>
            <SettingsIcon className="size-4 text-zinc-400" /> Organization settings
          </Link>
          <Link href="/orgs/new" role="menuitem" className={menuItemClass} onClick={close}>
            <BuildingIcon className="size-4 text-zinc-400" /> New organization
          </Link>
          <div className="my-1 border-t border-zinc-100" />
          <button type="button" role="menuitem" className={menuItemClass} onClick={() => void signOut({ callbackUrl: '/signin' })}>
            <LogOutIcon className="size-4 text-zinc-400" /> Sign out
          </button>
        </div>
      )}
    </Menu>
  );
}

/** The signed-in frame around every org page: sidebar navigation, header with org switcher and account menu. */
export function AppShell({ children }: { children: React.ReactNode }) {
  const { org } = useOrg();
  const [drawer, setDrawer] = useState(false);
  return (
    <div className="flex min-h-dvh" data-org-id={org.id} data-org-slug={org.slug}>
      {/* In the flow (not fixed) so the column spans long pages; its content sticks to the viewport. */}
      <aside className="hidden w-60 shrink-0 border-r border-zinc-200 bg-white lg:block">
        <div className="sticky top-0 flex h-dvh flex-col">
          <div className="flex h-14 shrink-0 items-center border-b border-zinc-100 px-5">
            <Link href={`/o/${org.slug}`} className="inline-flex items-center gap-2.5">
              <LogoMark />
              <span className="text-[15px] font-semibold tracking-tight">Gantry</span>
            </Link>
          </div>
          <SidebarNav />
          <SidebarFooter />
        </div>
      </aside>

      {drawer && (
        <div className="fixed inset-0 z-40 lg:hidden">
          <div className="absolute inset-0 animate-fade-in bg-zinc-950/30" onClick={() => setDrawer(false)} />
          <aside className="relative flex h-full w-64 animate-slide-up flex-col bg-white shadow-xl">
            <div className="flex h-14 items-center justify-between border-b border-zinc-100 px-5">
              <span className="inline-flex items-center gap-2.5">
                <LogoMark />
                <span className="text-[15px] font-semibold">Gantry</span>
              </span>
              <button type="button" onClick={() => setDrawer(false)} className="rounded p-1 text-zinc-500 hover:bg-zinc-100" aria-label="Close menu">
                <XIcon className="size-5" />
              </button>
            </div>
            <SidebarNav onNavigate={() => setDrawer(false)} />
          </aside>
        </div>
      )}

      <div className="flex min-w-0 flex-1 flex-col">
        <header className="sticky top-0 z-20 flex h-14 items-center gap-3 border-b border-zinc-200 bg-white/85 px-4 backdrop-blur sm:px-6">
          <button type="button" onClick={() => setDrawer(true)} className="rounded-md p-1.5 text-zinc-600 hover:bg-zinc-100 lg:hidden" aria-label="Open menu">
            <MenuIcon className="size-5" />
          </button>
          <OrgSwitcher />
          <div className="flex-1" />
          <NotificationBell />
          <UserMenu />
        </header>
        <PlatformStatusBanner />
        <main className="mx-auto w-full max-w-6xl flex-1 px-4 py-8 sm:px-6 lg:px-10">{children}</main>
      </div>
    </div>
  );
}

'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { graphql } from '@/app/gql';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { formatRelative } from '@/app/lib/format';
import { useOrg } from '@/app/lib/org-context';
import { BellIcon } from './icons';
import { Menu, menuItemClass } from './menu';
import { cx } from './ui';

export const NotificationsQuery = graphql(`
  query Notifications($limit: Int) {
    notifications(limit: $limit) {
      unread
      items {
        id
        kind
        title
        body
        link
        createdAt
        readAt
      }
    }
  }
`);

export const MarkRead = graphql(`
  mutation MarkNotificationsRead($ids: [ID!]) {
    markNotificationsRead(ids: $ids)
  }
`);

/** The header's bell: the unread count (polled), the latest few, and a way to the full list. */
export function NotificationBell() {
  const { org } = useOrg();
  const router = useRouter();
  const { data } = useGqlQuery(NotificationsQuery, { limit: 6 }, { refetchInterval: 30_000 });
  const markRead = useGqlMutation(MarkRead);
  const unread = data?.notifications.unread ?? 0;
  return (
    <Menu
      label={unread ? `Notifications, ${unread} unread` : 'Notifications'}
      align="right"
      trigger={(open) => (
        <span className={cx('relative flex size-8 items-center justify-center rounded-full text-zinc-600 transition-colors hover:bg-zinc-100', open && 'bg-zinc-100')} data-testid="notification-bell">
          <BellIcon className="size-[18px]" />
          {unread > 0 && (
            <span className="absolute -top-0.5 -right-0.5 min-w-4 rounded-full bg-red-600 px-1 text-center text-[10px] font-semibold leading-4 text-white" data-testid="unread-count">
              {unread > 99 ? '99+' : unread}
            </span>
          )}
        </span>
      )}
    >
      {(close) => (
        <div className="w-80">
          <div className="flex items-center justify-between px-2.5 pt-1.5 pb-1">
            <p className="text-[11px] font-semibold uppercase tracking-wider text-zinc-400">Notifications</p>
            {unread > 0 && (
              <button type="button" className="text-xs text-zinc-500 hover:text-zinc-800" onClick={() => markRead.mutate({ ids: null })}>
                Mark all read
              </button>
            )}
          </div>
          {data && data.notifications.items.length === 0 && <p className="px-2.5 py-3 text-sm text-zinc-500">Nothing yet. Alerts from your deployments land here.</p>}
          <ul className="max-h-96 overflow-y-auto">
            {data?.notifications.items.map((n) => (
              <li key={n.id}>
                <button
                  type="button"
                  role="menuitem"
                  className={cx(menuItemClass, 'items-start')}
                  onClick={() => {
                    close();
                    if (!n.readAt) markRead.mutate({ ids: [n.id] });
                    if (n.link) router.push(`/o/${org.slug}${n.link}`);
                  }}
                >
                  <span className={cx('mt-1.5 size-1.5 shrink-0 rounded-full', n.readAt ? 'bg-transparent' : 'bg-red-500')} />
                  <span className="min-w-0 flex-1 text-left">
                    <span className="block truncate text-sm font-medium text-zinc-900">{n.title}</span>
                    <span className="line-clamp-2 block text-xs text-zinc-500">{n.body}</span>
                    <span className="block text-[11px] text-zinc-400">{formatRelative(n.createdAt)}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
          <div className="my-1 border-t border-zinc-100" />
          <Link href={`/o/${org.slug}/notifications`} role="menuitem" className={menuItemClass} onClick={close}>
            All notifications
          </Link>
        </div>
      )}
    </Menu>
  );
}

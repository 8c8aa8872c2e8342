'use client';

import Link from 'next/link';
import { BellIcon } from '@/app/components/icons';
import { MarkRead, NotificationsQuery } from '@/app/components/notification-bell';
import { Button, Card, EmptyState, LoadError, PageHeader, TableSkeleton, cx } from '@/app/components/ui';
import { formatDateTime, formatRelative } from '@/app/lib/format';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';

/** Everything the bell has held for the signed-in member in this organization, newest first. */
export function NotificationsView() {
  const { org } = useOrg();
  const { data, error, isLoading, refetch } = useGqlQuery(NotificationsQuery, { limit: 200 }, { refetchInterval: 30_000 });
  const markRead = useGqlMutation(MarkRead);
  const unread = data?.notifications.unread ?? 0;
  return (
    <>
      <PageHeader
        title="Notifications"
        description="Alerts from your organization's deployments. Each member has their own read state."
        actions={
          unread > 0 ? (
            <Button variant="secondary" onClick={() => markRead.mutate({ ids: null })} loading={markRead.isPending}>
              Mark all read
            </Button>
          ) : undefined
        }
      />
      {error ? (
        <LoadError error={error} onRetry={() => void refetch()} />
      ) : isLoading || !data ? (
        <TableSkeleton rows={4} cols={2} />
      ) : data.notifications.items.length === 0 ? (
        <Card>
          <EmptyState icon={<BellIcon />} title="No notifications" description="When an alert rule on a deployment fires, it shows up here and in the bell." />
        </Card>
      ) : (
        <Card>
          <ul className="divide-y divide-zinc-100">
            {data.notifications.items.map((n) => (
              <li key={n.id} className={cx('flex items-start gap-3 px-5 py-3.5', !n.readAt && 'bg-red-50/30')} data-testid="notification">
                <span className={cx('mt-2 size-2 shrink-0 rounded-full', n.readAt ? 'bg-zinc-200' : 'bg-red-500')} aria-label={n.readAt ? 'Read' : 'Unread'} />
                <div className="min-w-0 flex-1">
                  <p className="text-sm font-medium text-zinc-900">
                    {n.link ? (
                      <Link href={`/o/${org.slug}${n.link}`} className="hover:underline" onClick={() => !n.readAt && markRead.mutate({ ids: [n.id] })}>
                        {n.title}
                      </Link>
                    ) : (
                      n.title
                    )}
                  </p>
                  <p className="mt-0.5 text-[13px] text-zinc-600">{n.body}</p>
                </div>
                <time className="shrink-0 text-xs text-zinc-400" dateTime={n.createdAt} title={formatDateTime(n.createdAt)}>
                  {formatRelative(n.createdAt)}
                </time>
              </li>
            ))}
          </ul>
        </Card>
      )}
    </>
  );
}

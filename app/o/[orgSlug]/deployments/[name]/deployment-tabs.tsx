'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cx } from '@/app/components/ui';
import { useOrg } from '@/app/lib/org-context';

/** The deployment's two pages, side by side under its header: what it serves and how, and how its inputs drift. */
export function DeploymentTabs({ name }: { name: string }) {
  const { org } = useOrg();
  const pathname = usePathname();
  const base = `/o/${org.slug}/deployments/${encodeURIComponent(name)}`;
  const tabs = [
    { label: 'Overview', href: base, hint: 'Endpoint, traffic, rollouts and live requests' },
    { label: 'Monitoring', href: `${base}/monitoring`, hint: 'Drift, data quality and alert rules' },
  ];
  return (
    <nav aria-label="Deployment" className="-mt-2 mb-6 flex gap-5 border-b border-zinc-200">
      {tabs.map((t) => {
        const active = decodeURIComponent(pathname) === decodeURIComponent(t.href);
        return (
          <Link
            key={t.href}
            href={t.href}
            title={t.hint}
            aria-current={active ? 'page' : undefined}
            className={cx('-mb-px border-b-2 px-0.5 pb-2.5 text-sm font-medium transition-colors', active ? 'border-zinc-900 text-zinc-900' : 'border-transparent text-zinc-500 hover:border-zinc-300 hover:text-zinc-800')}
          >
            {t.label}
          </Link>
        );
      })}
    </nav>
  );
}

import type { Metadata } from 'next';
import { cache } from 'react';
import { getDeploymentMonitoring } from '@/core/monitoring/get-deployment-monitoring';
import { orNotFound, requireTenant } from '@/app/lib/org-access';
import { MonitoringView } from './monitoring-view';

const load = cache(async (orgSlug: string, name: string) => orNotFound(getDeploymentMonitoring(await requireTenant(orgSlug), { name })));

type Props = { params: Promise<{ orgSlug: string; name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { orgSlug, name } = await params;
  const m = await load(orgSlug, decodeURIComponent(name));
  return { title: `Monitoring · ${m.deploymentName}` };
}

/** Checked on the server so another tenant's (or a made-up) deployment answers 404. */
export default async function DeploymentMonitoringPage({ params }: Props) {
  const { orgSlug, name } = await params;
  const m = await load(orgSlug, decodeURIComponent(name));
  return <MonitoringView name={m.deploymentName} />;
}

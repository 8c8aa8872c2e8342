import type { Metadata } from 'next';
import { cache } from 'react';
import { getCluster } from '@/core/compute/list-clusters';
import { orNotFound, requireTenant } from '@/app/lib/org-access';
import { ClusterView } from './cluster-view';

/** Shared by the page and its metadata: one lookup per request. */
const load = cache(async (orgSlug: string, id: string) => orNotFound(getCluster(await requireTenant(orgSlug), id)));

type Props = { params: Promise<{ orgSlug: string; clusterId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { orgSlug, clusterId } = await params;
  const cluster = await load(orgSlug, clusterId);
  return { title: `Cluster ${cluster.name}` };
}

/** Checked on the server so another tenant's (or a removed) cluster answers 404. */
export default async function ClusterPage({ params }: Props) {
  const { orgSlug, clusterId } = await params;
  const cluster = await load(orgSlug, clusterId);
  return <ClusterView clusterId={cluster.id} />;
}

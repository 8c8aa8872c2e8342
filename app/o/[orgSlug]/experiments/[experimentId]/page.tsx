import type { Metadata } from 'next';
import { cache } from 'react';
import { getExperiment } from '@/core/tracking/get-experiment';
import { orNotFound, requireTenant } from '@/app/lib/org-access';
import { ExperimentView } from './experiment-view';

/** Shared by the page and its metadata: one lookup per request. */
const load = cache(async (orgSlug: string, id: string) => orNotFound(getExperiment(await requireTenant(orgSlug), id)));

type Props = { params: Promise<{ orgSlug: string; experimentId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { orgSlug, experimentId } = await params;
  const experiment = await load(orgSlug, experimentId);
  return { title: experiment.name };
}

/** Checked on the server so another tenant's (or a made-up) experiment ID answers 404. */
export default async function ExperimentPage({ params }: Props) {
  const { orgSlug, experimentId } = await params;
  const experiment = await load(orgSlug, experimentId);
  return <ExperimentView experimentId={experiment.id} />;
}

import type { Metadata } from 'next';
import { cache } from 'react';
import { getRun } from '@/core/tracking/get-run';
import { orNotFound, requireTenant } from '@/app/lib/org-access';
import { RunView } from './run-view';

/** Shared by the page and its metadata: one lookup per request. */
const load = cache(async (orgSlug: string, id: string) => orNotFound(getRun(await requireTenant(orgSlug), id)));

type Props = { params: Promise<{ orgSlug: string; runId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { orgSlug, runId } = await params;
  const run = await load(orgSlug, runId);
  return { title: run.name };
}

/** Checked on the server so another tenant's (or a made-up) run ID answers 404. */
export default async function RunPage({ params }: Props) {
  const { orgSlug, runId } = await params;
  const run = await load(orgSlug, runId);
  return <RunView runId={run.id} />;
}

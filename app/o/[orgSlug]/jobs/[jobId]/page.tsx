import type { Metadata } from 'next';
import { cache } from 'react';
import { getTrainingJob } from '@/core/training/list-training-jobs';
import { orNotFound, requireTenant } from '@/app/lib/org-access';
import { JobView } from './job-view';

/** Shared by the page and its metadata: one lookup per request. */
const load = cache(async (orgSlug: string, id: string) => (await orNotFound(getTrainingJob(await requireTenant(orgSlug), id))).job);

type Props = { params: Promise<{ orgSlug: string; jobId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { orgSlug, jobId } = await params;
  const job = await load(orgSlug, jobId);
  return { title: job.name.length > 60 ? `${job.name.slice(0, 60)}…` : job.name };
}

/** Checked on the server so another tenant's (or a made-up) job ID answers 404. */
export default async function JobPage({ params }: Props) {
  const { orgSlug, jobId } = await params;
  const job = await load(orgSlug, jobId);
  return <JobView jobId={job.id} />;
}

import type { Metadata } from 'next';
import { SubmitJobForm } from './submit-job-form';

export const metadata: Metadata = { title: 'Submit a job' };

type Props = { searchParams: Promise<{ cluster?: string | string[] }> };

/** `?cluster=<name or ID>` preselects a cluster (the cluster page links here). */
export default async function SubmitJobPage({ searchParams }: Props) {
  const { cluster } = await searchParams;
  return <SubmitJobForm initialCluster={(Array.isArray(cluster) ? cluster[0] : cluster) ?? null} />;
}

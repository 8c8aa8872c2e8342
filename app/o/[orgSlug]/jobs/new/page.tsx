import type { Metadata } from 'next';
import { SubmitJobForm } from './submit-job-form';

export const metadata: Metadata = { title: 'Submit a job' };

type Props = { searchParams: Promise<{ cluster?: string | string[]; example?: string | string[] }> };

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;

/** `?cluster=<name or ID>` preselects a cluster (the cluster page links here); `?example=<id>` fills the form from a bundled example (the home page links here). */
export default async function SubmitJobPage({ searchParams }: Props) {
  const { cluster, example } = await searchParams;
  return <SubmitJobForm initialCluster={first(cluster)} initialExample={first(example)} />;
}

import type { Metadata } from 'next';
import { requireOrg } from '@/app/lib/org-access';
import { CompareView } from './compare-view';

export const metadata: Metadata = { title: 'Compare runs' };

type Props = { params: Promise<{ orgSlug: string }>; searchParams: Promise<{ runs?: string | string[] }> };

/** Compares up to MAX_RUNS runs named in `?runs=a,b,c`; each run the user cannot see shows as not found. */
export default async function ComparePage({ params, searchParams }: Props) {
  const { orgSlug } = await params;
  await requireOrg(orgSlug);
  const raw = (await searchParams).runs;
  const ids = [...new Set((Array.isArray(raw) ? raw.join(',') : (raw ?? '')).split(',').map((s) => s.trim()).filter(Boolean))];
  return <CompareView runIds={ids} />;
}

import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import { getModelVersion } from '@/core/registry/get-model-version';
import { orNotFound, requireTenant } from '@/app/lib/org-access';
import { VersionView } from './version-view';

/** Shared by the page and its metadata: one lookup per request. A version of another model answers 404 too. */
const load = cache(async (orgSlug: string, modelId: string, versionId: string) => {
  const version = await orNotFound(getModelVersion(await requireTenant(orgSlug), { versionId }));
  if (version.modelId !== modelId) notFound();
  return version;
});

type Props = { params: Promise<{ orgSlug: string; modelId: string; versionId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { orgSlug, modelId, versionId } = await params;
  const v = await load(orgSlug, modelId, versionId);
  return { title: `${v.modelName} v${v.version}` };
}

/** Checked on the server so another tenant's (or a made-up) version ID answers 404. */
export default async function ModelVersionPage({ params }: Props) {
  const { orgSlug, modelId, versionId } = await params;
  const v = await load(orgSlug, modelId, versionId);
  return <VersionView modelId={v.modelId} versionId={v.id} />;
}

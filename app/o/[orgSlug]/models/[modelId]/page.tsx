import type { Metadata } from 'next';
import { cache } from 'react';
import { getRegisteredModel } from '@/core/registry/get-registered-model';
import { orNotFound, requireTenant } from '@/app/lib/org-access';
import { ModelView } from './model-view';

/** Shared by the page and its metadata: one lookup per request. */
const load = cache(async (orgSlug: string, id: string) => orNotFound(getRegisteredModel(await requireTenant(orgSlug), { modelId: id })));

type Props = { params: Promise<{ orgSlug: string; modelId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { orgSlug, modelId } = await params;
  const model = await load(orgSlug, modelId);
  return { title: model.name };
}

/** Checked on the server so another tenant's (or a made-up) model ID answers 404. */
export default async function ModelPage({ params }: Props) {
  const { orgSlug, modelId } = await params;
  const model = await load(orgSlug, modelId);
  return <ModelView modelId={model.id} />;
}

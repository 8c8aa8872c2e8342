import type { Metadata } from 'next';
import { cache } from 'react';
import { getTeam } from '@/core/tenancy/get-team';
import { orNotFound, requireTenant } from '@/app/lib/org-access';
import { TeamView } from './team-view';

/** Shared by the page and its metadata: one lookup per request. */
const load = cache(async (orgSlug: string, id: string) => orNotFound(getTeam(await requireTenant(orgSlug), id)));

type Props = { params: Promise<{ orgSlug: string; teamId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { orgSlug, teamId } = await params;
  const team = await load(orgSlug, teamId);
  return { title: team.name };
}

/** A team that is not in this organization answers 404 before anything renders. */
export default async function TeamPage({ params }: Props) {
  const { orgSlug, teamId } = await params;
  const team = await load(orgSlug, teamId);
  return <TeamView teamId={team.id} />;
}

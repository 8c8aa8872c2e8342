import type { Metadata } from 'next';
import { cache } from 'react';
import { getProject } from '@/core/tenancy/get-project';
import { orNotFound, requireTenant } from '@/app/lib/org-access';
import { ProjectView } from './project-view';

/** Shared by the page and its metadata: one lookup per request. */
const load = cache(async (orgSlug: string, id: string) => orNotFound(getProject(await requireTenant(orgSlug), id)));

type Props = { params: Promise<{ orgSlug: string; projectId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { orgSlug, projectId } = await params;
  const project = await load(orgSlug, projectId);
  return { title: project.name };
}

/**
 * Checked on the server so the HTTP status is right: a project ID that is not
 * in this organization (or not at all) answers 404, like an org you are not in.
 */
export default async function ProjectPage({ params }: Props) {
  const { orgSlug, projectId } = await params;
  const project = await load(orgSlug, projectId);
  return <ProjectView projectId={project.id} />;
}

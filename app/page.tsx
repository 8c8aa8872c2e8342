import { redirect } from 'next/navigation';
import { listMyOrganizations } from '@/core/tenancy/resolve-context';
import { currentActor } from '@/app/lib/org-access';

/** The front door: your first organization, or sign-in. */
export default async function Home() {
  const actor = await currentActor();
  if (!actor) redirect('/signin');
  const [first] = await listMyOrganizations(actor.userId);
  redirect(first ? `/o/${first.slug}` : '/orgs/new');
}

import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { listMyOrganizations } from '@/core/tenancy/resolve-context';
import { CreateOrgForm } from '@/app/components/create-org-form';
import { ButtonLink } from '@/app/components/ui';
import { currentActor, signInUrl } from '@/app/lib/org-access';

export const metadata: Metadata = { title: 'New organization' };

export default async function NewOrganizationPage() {
  const actor = await currentActor();
  if (!actor) redirect(signInUrl('/orgs/new'));
  const orgs = await listMyOrganizations(actor.userId);
  return (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight text-zinc-900">{orgs.length ? 'Create an organization' : 'Create your organization'}</h1>
      <p className="mt-1.5 mb-8 text-sm text-zinc-500">
        {orgs.length
          ? 'Each organization has its own members, teams, projects and audit log.'
          : 'You are not a member of any organization yet. Create one, or open an invitation link you were sent.'}
      </p>
      <CreateOrgForm />
      {orgs[0] && (
        <div className="mt-8 border-t border-zinc-100 pt-6">
          <ButtonLink href={`/o/${orgs[0].slug}`} variant="ghost" className="-ml-3">
            ← Back to {orgs[0].name}
          </ButtonLink>
        </div>
      )}
    </div>
  );
}

import type { Metadata } from 'next';
import { getUser } from '@/core/auth/get-user';
import { AppShell } from '@/app/components/app-shell';
import { MlflowLinkRedirect } from '@/app/components/mlflow-link-redirect';
import { requireOrg } from '@/app/lib/org-access';
import { OrgProvider } from '@/app/lib/org-context';

type Props = { params: Promise<{ orgSlug: string }>; children: React.ReactNode };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { orgSlug } = await params;
  const { org } = await requireOrg(orgSlug);
  return { title: { default: org.name, template: `%s · ${org.name} · Gantry` } };
}

/** Resolves the org in the URL on the server (sign-in redirect, or 404 for anyone not in it). */
export default async function OrgLayout({ params, children }: Props) {
  const { orgSlug } = await params;
  const { actor, org } = await requireOrg(orgSlug);
  const user = await getUser(actor.userId);
  return (
    <OrgProvider org={{ id: org.id, name: org.name, slug: org.slug, role: org.role }} user={{ id: user.id, name: user.name, email: user.email }}>
      <AppShell>{children}</AppShell>
      <MlflowLinkRedirect />
    </OrgProvider>
  );
}

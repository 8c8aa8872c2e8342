import type { Metadata } from 'next';
import { getUser } from '@/core/auth/get-user';
import { currentActor } from '@/app/lib/org-access';
import { InviteView } from './invite-view';

export const metadata: Metadata = { title: 'Invitation' };

type Props = { params: Promise<{ token: string }> };

export default async function InvitePage({ params }: Props) {
  const { token } = await params;
  const actor = await currentActor();
  const user = actor ? await getUser(actor.userId) : null;
  return <InviteView token={token} user={user ? { name: user.name, email: user.email } : null} />;
}

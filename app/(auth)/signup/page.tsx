import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { currentActor, safeCallbackUrl } from '@/app/lib/org-access';
import { SignUpForm } from './signup-form';

export const metadata: Metadata = { title: 'Create your account' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function SignUpPage({ searchParams }: Props) {
  const sp = await searchParams;
  const callbackUrl = safeCallbackUrl(sp.callbackUrl);
  if (await currentActor()) redirect(callbackUrl ?? '/');
  return <SignUpForm callbackUrl={callbackUrl} initialEmail={typeof sp.email === 'string' ? sp.email : ''} />;
}

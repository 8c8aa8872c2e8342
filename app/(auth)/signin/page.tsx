import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { currentActor, safeCallbackUrl } from '@/app/lib/org-access';
import { SignInForm } from './signin-form';

export const metadata: Metadata = { title: 'Sign in' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function SignInPage({ searchParams }: Props) {
  const sp = await searchParams;
  const callbackUrl = safeCallbackUrl(sp.callbackUrl);
  if (await currentActor()) redirect(callbackUrl ?? '/');
  const email = typeof sp.email === 'string' ? sp.email : '';
  return <SignInForm callbackUrl={callbackUrl} initialEmail={email} />;
}

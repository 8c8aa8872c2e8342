'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { signIn } from 'next-auth/react';
import { useState } from 'react';
import { Banner, Button, Field, Input } from '@/app/components/ui';
import { useFormErrors, validateEmail } from '@/app/lib/forms';
import { parseMlflowHash } from '@/app/lib/mlflow-links';

export function SignInForm({ callbackUrl, initialEmail }: { callbackUrl: string | null; initialEmail: string }) {
  const router = useRouter();
  const errors = useFormErrors();
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<{ title: string; body: string } | null>(null);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setProblem(null);
    if (!errors.check({ email: validateEmail(email), password: password ? undefined : 'Password is required' })) return;
    setPending(true);
    try {
      const res = await signIn('credentials', { email: email.trim(), password, redirect: false });
      if (res?.ok && !res.error) {
        // An MLflow link (`/#/experiments/…`) that sent a signed-out user here keeps its hash, which a
        // client-side navigation would drop: load the page, where the organization's pages open it.
        if (parseMlflowHash(window.location.hash)) {
          window.location.assign(`${callbackUrl ?? '/'}${window.location.hash}`);
          return;
        }
        router.replace(callbackUrl ?? '/');
        router.refresh();
        return;
      }
      if (res?.status === 429 || res?.error === 'RATE_LIMITED') {
        setProblem({ title: 'Too many attempts', body: 'Too many sign-in attempts from your network. Wait a minute, then try again.' });
      } else if (res?.error === 'CredentialsSignin' || res?.status === 401) {
        setProblem({ title: 'Wrong email or password', body: 'Check both and try again.' });
      } else {
        setProblem({ title: 'Could not sign in', body: 'The server did not accept the sign-in. Try again in a moment.' });
      }
    } catch {
      setProblem({ title: 'Could not sign in', body: 'The server could not be reached. Check your connection and try again.' });
    }
    setPending(false);
  }

  const signupHref = `/signup${callbackUrl ? `?callbackUrl=${encodeURIComponent(callbackUrl)}` : ''}`;

  return (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight text-zinc-900">Sign in to Gantry</h1>
      <p className="mt-1.5 text-sm text-zinc-500">
        New here?{' '}
        <Link href={signupHref} className="font-medium text-brand-600 hover:text-brand-700">
          Create an account
        </Link>
      </p>
      {callbackUrl?.startsWith('/invite/') && (
        <Banner tone="info" className="mt-6">
          Sign in to accept your invitation.
        </Banner>
      )}
      <form onSubmit={submit} noValidate className="mt-8 space-y-5">
        {problem && (
          <Banner tone="error" title={problem.title}>
            {problem.body}
          </Banner>
        )}
        <Field label="Email" htmlFor="email" error={errors.fields.email}>
          <Input
            id="email"
            type="email"
            autoComplete="email"
            autoFocus={!initialEmail}
            value={email}
            invalid={!!errors.fields.email}
            onChange={(e) => {
              setEmail(e.target.value);
              errors.clearField('email');
            }}
          />
        </Field>
        <Field label="Password" htmlFor="password" error={errors.fields.password}>
          <Input
            id="password"
            type="password"
            autoComplete="current-password"
            autoFocus={!!initialEmail}
            value={password}
            invalid={!!errors.fields.password}
            onChange={(e) => {
              setPassword(e.target.value);
              errors.clearField('password');
            }}
          />
        </Field>
        <Button type="submit" loading={pending} className="w-full">
          Sign in
        </Button>
      </form>
    </div>
  );
}

'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { signIn } from 'next-auth/react';
import { useState } from 'react';
import { CheckIcon } from '@/app/components/icons';
import { Banner, Button, Field, Input, cx } from '@/app/components/ui';
import { useFormErrors, validateEmail, validateName } from '@/app/lib/forms';

/** The server's password rules (core/auth/password.ts), checked as the user types. */
const PASSWORD_RULES: { label: string; ok: (p: string) => boolean }[] = [
  { label: 'At least 10 characters', ok: (p) => p.length >= 10 && p.length <= 200 },
  { label: 'At least 5 different characters', ok: (p) => new Set(p).size >= 5 },
];

function passwordError(p: string): string | undefined {
  if (!p) return 'Password is required';
  if (p.length < 10) return 'Password must be at least 10 characters';
  if (p.length > 200) return 'Password must be at most 200 characters';
  if (new Set(p).size < 5) return 'Password is too repetitive';
  return undefined;
}

const FIELDS = ['name', 'email', 'password', 'organizationName'] as const;

export function SignUpForm({ callbackUrl, initialEmail }: { callbackUrl: string | null; initialEmail: string }) {
  const router = useRouter();
  const errors = useFormErrors();
  const [name, setName] = useState('');
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState('');
  const [organizationName, setOrganizationName] = useState('');
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<{ title: string; body: string } | null>(null);
  const invited = callbackUrl?.startsWith('/invite/') ?? false;

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setProblem(null);
    const ok = errors.check({
      name: validateName(name, 'Name', 100),
      email: validateEmail(email),
      password: passwordError(password),
      organizationName: organizationName.trim() ? validateName(organizationName, 'Organization name', 80) : undefined,
    });
    if (!ok) return;
    setPending(true);
    try {
      const res = await fetch('/api/auth/signup', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: name.trim(),
          email: email.trim(),
          password,
          // Invitees join the inviting organization; they can create their own later.
          ...(invited ? { createOrganization: false } : organizationName.trim() ? { organizationName: organizationName.trim() } : {}),
        }),
      });
      const body = (await res.json().catch(() => ({}))) as {
        organizationSlug?: string;
        error?: { code: string; message: string; fields?: { path: string; message: string }[] };
      };
      if (!res.ok) {
        const err = body.error;
        if (res.status === 429 || err?.code === 'RATE_LIMITED') {
          setProblem({ title: 'Too many attempts', body: err?.message ?? 'Wait a minute, then try again.' });
        } else {
          const mapped = Object.fromEntries((err?.fields ?? []).filter((f) => (FIELDS as readonly string[]).includes(f.path)).map((f) => [f.path, f.message]));
          if (Object.keys(mapped).length > 0) errors.check(mapped);
          else setProblem({ title: 'Could not create your account', body: err?.message ?? `The server answered ${res.status}.` });
        }
        setPending(false);
        return;
      }
      const signed = await signIn('credentials', { email: email.trim(), password, redirect: false });
      if (!signed?.ok || signed.error) {
        // The account exists; only the automatic sign-in failed (e.g. rate limited).
        router.replace(`/signin?email=${encodeURIComponent(email.trim())}${callbackUrl ? `&callbackUrl=${encodeURIComponent(callbackUrl)}` : ''}`);
        return;
      }
      router.replace(callbackUrl ?? (body.organizationSlug ? `/o/${body.organizationSlug}` : '/'));
      router.refresh();
    } catch {
      setProblem({ title: 'Could not create your account', body: 'The server could not be reached. Check your connection and try again.' });
      setPending(false);
    }
  }

  const signinHref = `/signin${callbackUrl ? `?callbackUrl=${encodeURIComponent(callbackUrl)}` : ''}`;

  return (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight text-zinc-900">Create your account</h1>
      <p className="mt-1.5 text-sm text-zinc-500">
        Already have one?{' '}
        <Link href={signinHref} className="font-medium text-brand-600 hover:text-brand-700">
          Sign in
        </Link>
      </p>
      {invited && (
        <Banner tone="info" className="mt-6">
          Create an account with the invited email address, then accept the invitation.
        </Banner>
      )}
      <form onSubmit={submit} noValidate className="mt-8 space-y-5">
        {problem && (
          <Banner tone="error" title={problem.title}>
            {problem.body}
          </Banner>
        )}
        <Field label="Full name" htmlFor="name" error={errors.fields.name}>
          <Input
            id="name"
            autoComplete="name"
            autoFocus
            value={name}
            maxLength={100}
            invalid={!!errors.fields.name}
            onChange={(e) => {
              setName(e.target.value);
              errors.clearField('name');
            }}
          />
        </Field>
        <Field label="Work email" htmlFor="email" error={errors.fields.email}>
          <Input
            id="email"
            type="email"
            autoComplete="email"
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
            autoComplete="new-password"
            value={password}
            invalid={!!errors.fields.password}
            aria-describedby="password-rules"
            onChange={(e) => {
              setPassword(e.target.value);
              errors.clearField('password');
            }}
          />
          <ul id="password-rules" className="mt-2 space-y-1 text-[13px]">
            {PASSWORD_RULES.map((r) => {
              const ok = r.ok(password);
              return (
                <li key={r.label} className={cx('flex items-center gap-1.5', ok ? 'text-emerald-700' : 'text-zinc-500')}>
                  {ok ? <CheckIcon className="size-3.5" /> : <span className="mx-[3px] size-2 rounded-full border border-zinc-300" />}
                  {r.label}
                </li>
              );
            })}
            <li className="flex items-center gap-1.5 text-zinc-500">
              <span className="mx-[3px] size-2 rounded-full border border-zinc-300" />
              Not a common password
            </li>
          </ul>
        </Field>
        {!invited && (
          <Field label="Organization name" htmlFor="organizationName" optional hint="Defaults to “Your name's organization”. You can create more later." error={errors.fields.organizationName}>
            <Input
              id="organizationName"
              autoComplete="organization"
              value={organizationName}
              maxLength={80}
              invalid={!!errors.fields.organizationName}
              onChange={(e) => {
                setOrganizationName(e.target.value);
                errors.clearField('organizationName');
              }}
            />
          </Field>
        )}
        <Button type="submit" loading={pending} className="w-full">
          Create account
        </Button>
        <p className="text-center text-xs text-zinc-400">
          {invited ? 'You join the organization that invited you.' : 'You become the owner of a new organization.'}
        </p>
      </form>
    </div>
  );
}

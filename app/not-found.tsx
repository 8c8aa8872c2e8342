import Link from 'next/link';
import { ArrowLeftIcon, Logo } from './components/icons';
import { ButtonLink } from './components/ui';

export const metadata = { title: 'Page not found' };

export default function NotFound() {
  return (
    <div className="flex min-h-dvh flex-col bg-zinc-50">
      <header className="flex h-14 items-center border-b border-zinc-200 bg-white px-6">
        <Link href="/">
          <Logo />
        </Link>
      </header>
      <main className="flex flex-1 items-center justify-center px-6 py-16">
        <div className="max-w-md text-center">
          <p className="font-mono text-sm font-semibold text-brand-600">404</p>
          <h1 className="mt-2 text-3xl font-semibold tracking-tight text-zinc-900">Page not found</h1>
          <p className="mt-3 text-sm leading-relaxed text-zinc-500">
            This page does not exist, or you do not have access to it. If someone sent you this link, ask them to invite you to their organization.
          </p>
          <div className="mt-8 flex justify-center gap-3">
            <ButtonLink href="/">
              <ArrowLeftIcon className="size-4" /> Back to your dashboard
            </ButtonLink>
          </div>
        </div>
      </main>
    </div>
  );
}

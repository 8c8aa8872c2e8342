import Link from 'next/link';
import { CheckIcon, Logo } from '@/app/components/icons';

const POINTS = [
  'Train on your own GPU clusters, priced per job',
  'Track runs and register model versions with lineage',
  'Gate versions on evaluations and retrain on a schedule',
  'Every action audited in a tamper-evident log',
];

/** Sign-in, sign-up, invitations and first-organization screens share this frame. */
export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="grid min-h-dvh bg-white lg:grid-cols-[1fr_minmax(0,34rem)] xl:grid-cols-[1fr_minmax(0,40rem)]">
      <div className="flex flex-col px-6 py-8 sm:px-12">
        <Link href="/" className="w-fit">
          <Logo />
        </Link>
        <div className="flex flex-1 items-center justify-center py-10">
          <div className="w-full max-w-sm">{children}</div>
        </div>
        <p className="text-xs text-zinc-400">© {new Date().getFullYear()} Gantry · The ML platform your team runs on</p>
      </div>
      <aside className="relative hidden overflow-hidden bg-zinc-950 lg:block">
        <div
          aria-hidden="true"
          className="absolute inset-0 opacity-[0.14] [background-image:linear-gradient(to_right,white_1px,transparent_1px),linear-gradient(to_bottom,white_1px,transparent_1px)] [background-size:40px_40px] [mask-image:radial-gradient(ellipse_at_top_right,black,transparent_70%)]"
        />
        <div aria-hidden="true" className="absolute -top-40 -right-40 size-[34rem] rounded-full bg-brand-600/30 blur-3xl" />
        <div className="relative flex h-full flex-col justify-end p-12 text-white">
          <p className="text-sm font-medium uppercase tracking-widest text-brand-100/70">Gantry</p>
          <h2 className="mt-3 text-3xl font-semibold leading-tight tracking-tight">
            From experiment to evaluated model,
            <br />
            on infrastructure you own.
          </h2>
          <ul className="mt-8 space-y-3 text-[15px] text-zinc-300">
            {POINTS.map((p) => (
              <li key={p} className="flex items-start gap-3">
                <span className="mt-0.5 flex size-5 shrink-0 items-center justify-center rounded-full bg-white/10">
                  <CheckIcon className="size-3.5 text-white" />
                </span>
                {p}
              </li>
            ))}
          </ul>
        </div>
      </aside>
    </div>
  );
}

import Link from 'next/link';
import type { InputHTMLAttributes, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react';
import { AlertIcon, CheckCircleIcon, ChevronRightIcon, InfoIcon, XCircleIcon } from './icons';

export function cx(...parts: (string | false | null | undefined)[]): string {
  return parts.filter(Boolean).join(' ');
}

type Variant = 'primary' | 'secondary' | 'danger' | 'ghost' | 'danger-ghost';
type Size = 'sm' | 'md';

const VARIANTS: Record<Variant, string> = {
  primary: 'bg-zinc-900 text-white shadow-sm hover:bg-zinc-800 focus-visible:outline-zinc-900',
  secondary: 'bg-white text-zinc-800 shadow-xs ring-1 ring-inset ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-zinc-400',
  danger: 'bg-red-600 text-white shadow-sm hover:bg-red-500 focus-visible:outline-red-600',
  ghost: 'text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-zinc-400',
  'danger-ghost': 'text-red-600 hover:bg-red-50 hover:text-red-700 focus-visible:outline-red-500',
};
const SIZES: Record<Size, string> = {
  sm: 'h-8 gap-1.5 px-2.5 text-[13px]',
  md: 'h-9 gap-2 px-3.5 text-sm',
};

export function buttonClass(variant: Variant = 'primary', size: Size = 'md', extra?: string) {
  return cx(
    'inline-flex shrink-0 select-none items-center justify-center whitespace-nowrap rounded-md font-medium transition-colors',
    'focus-visible:outline-2 focus-visible:outline-offset-2 disabled:cursor-not-allowed disabled:opacity-55',
    VARIANTS[variant],
    SIZES[size],
    extra,
  );
}

export function Button({
  variant = 'primary',
  size = 'md',
  loading = false,
  className,
  children,
  disabled,
  type = 'button',
  ...props
}: React.ComponentProps<'button'> & { variant?: Variant; size?: Size; loading?: boolean }) {
  return (
    <button type={type} className={buttonClass(variant, size, className)} disabled={disabled || loading} aria-busy={loading || undefined} {...props}>
      {loading && <Spinner className="size-3.5" />}
      {children}
    </button>
  );
}

export function ButtonLink({
  href,
  variant = 'primary',
  size = 'md',
  className,
  children,
  'aria-label': ariaLabel,
}: {
  href: string;
  variant?: Variant;
  size?: Size;
  className?: string;
  children: React.ReactNode;
  'aria-label'?: string;
}) {
  return (
    <Link href={href} className={buttonClass(variant, size, className)} aria-label={ariaLabel}>
      {children}
    </Link>
  );
}

const control =
  'block w-full rounded-md border-0 bg-white text-sm text-zinc-900 shadow-xs ring-1 ring-inset placeholder:text-zinc-400 focus:outline-none focus:ring-2 focus:ring-inset disabled:cursor-not-allowed disabled:bg-zinc-50 disabled:text-zinc-500';
const controlState = (invalid?: boolean) =>
  invalid ? 'ring-red-400 focus:ring-red-500' : 'ring-zinc-300 focus:ring-brand-500';

export function Input({ invalid, className, ...props }: InputHTMLAttributes<HTMLInputElement> & { invalid?: boolean }) {
  return <input aria-invalid={invalid || undefined} className={cx(control, controlState(invalid), 'h-9 px-3', className)} {...props} />;
}

export function Textarea({ invalid, className, ...props }: TextareaHTMLAttributes<HTMLTextAreaElement> & { invalid?: boolean }) {
  return <textarea aria-invalid={invalid || undefined} className={cx(control, controlState(invalid), 'px-3 py-2', className)} {...props} />;
}

export function Select({ invalid, className, children, ...props }: SelectHTMLAttributes<HTMLSelectElement> & { invalid?: boolean }) {
  return (
    <select
      aria-invalid={invalid || undefined}
      className={cx(
        control,
        controlState(invalid),
        'h-9 appearance-none bg-[url("data:image/svg+xml,%3csvg%20xmlns=%27http://www.w3.org/2000/svg%27%20viewBox=%270%200%2020%2020%27%20fill=%27none%27%3e%3cpath%20d=%27M6%208l4%204%204-4%27%20stroke=%27%2371717a%27%20stroke-width=%271.5%27%20stroke-linecap=%27round%27%20stroke-linejoin=%27round%27/%3e%3c/svg%3e")] bg-[length:1.1rem] bg-[right_0.5rem_center] bg-no-repeat pr-8 pl-3',
        className,
      )}
      {...props}
    >
      {children}
    </select>
  );
}

/** A labelled form control with its hint and its error (client or server). */
export function Field({
  label,
  htmlFor,
  hint,
  error,
  optional,
  children,
  className,
}: {
  label: string;
  htmlFor: string;
  hint?: React.ReactNode;
  error?: string;
  optional?: boolean;
  children: React.ReactNode;
  className?: string;
}) {
  return (
    <div className={cx('space-y-1.5', className)}>
      <label htmlFor={htmlFor} className="flex items-baseline justify-between text-sm font-medium text-zinc-800">
        {label}
        {optional && <span className="text-xs font-normal text-zinc-400">Optional</span>}
      </label>
      {children}
      {error ? (
        <p id={`${htmlFor}-error`} role="alert" className="flex items-center gap-1 text-[13px] text-red-600">
          {error}
        </p>
      ) : hint ? (
        <p className="text-[13px] text-zinc-500">{hint}</p>
      ) : null}
    </div>
  );
}

export function Card({ className, children, id }: { className?: string; children: React.ReactNode; id?: string }) {
  return (
    <section id={id} className={cx('rounded-xl border border-zinc-200 bg-white shadow-xs', className)}>
      {children}
    </section>
  );
}

export function CardHeader({ title, description, actions }: { title: React.ReactNode; description?: React.ReactNode; actions?: React.ReactNode }) {
  return (
    // From sm up the actions keep to the title's line and a long description wraps beside them.
    <div className="flex flex-wrap items-start justify-between gap-3 border-b border-zinc-100 px-5 py-4 sm:flex-nowrap">
      <div className="min-w-0">
        <h2 className="text-[15px] font-semibold text-zinc-900">{title}</h2>
        {description && <p className="mt-0.5 text-sm text-zinc-500">{description}</p>}
      </div>
      {actions && <div className="flex shrink-0 items-center gap-2">{actions}</div>}
    </div>
  );
}

export function CardBody({ className, children }: { className?: string; children: React.ReactNode }) {
  return <div className={cx('px-5 py-4', className)}>{children}</div>;
}

export function CardFooter({ className, children }: { className?: string; children: React.ReactNode }) {
  return <div className={cx('flex items-center justify-end gap-2 rounded-b-xl border-t border-zinc-100 bg-zinc-50/60 px-5 py-3', className)}>{children}</div>;
}

type Tone = 'neutral' | 'green' | 'red' | 'amber' | 'blue' | 'violet';
const TONES: Record<Tone, string> = {
  neutral: 'bg-zinc-100 text-zinc-700 ring-zinc-500/15',
  green: 'bg-emerald-50 text-emerald-700 ring-emerald-600/20',
  red: 'bg-red-50 text-red-700 ring-red-600/15',
  amber: 'bg-amber-50 text-amber-800 ring-amber-600/20',
  blue: 'bg-sky-50 text-sky-700 ring-sky-600/20',
  violet: 'bg-brand-50 text-brand-700 ring-brand-600/20',
};

export function Badge({ tone = 'neutral', children, className }: { tone?: Tone; children: React.ReactNode; className?: string }) {
  return (
    <span className={cx('inline-flex items-center gap-1 whitespace-nowrap rounded-md px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset', TONES[tone], className)}>
      {children}
    </span>
  );
}

const ROLE_TONES: Record<string, Tone> = { owner: 'violet', admin: 'blue', member: 'neutral', viewer: 'amber', maintainer: 'blue' };

export function RoleBadge({ role }: { role: string }) {
  return <Badge tone={ROLE_TONES[role] ?? 'neutral'}>{role.charAt(0).toUpperCase() + role.slice(1)}</Badge>;
}

export function Spinner({ className = 'size-4' }: { className?: string }) {
  return (
    <svg className={cx('animate-spin', className)} viewBox="0 0 24 24" fill="none" aria-hidden="true">
      <circle cx="12" cy="12" r="9" stroke="currentColor" strokeOpacity="0.25" strokeWidth="3" />
      <path d="M21 12a9 9 0 0 0-9-9" stroke="currentColor" strokeWidth="3" strokeLinecap="round" />
    </svg>
  );
}

export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden="true" className={cx('animate-pulse rounded-md bg-zinc-200/70', className)} />;
}

/** Placeholder rows while a table loads. */
export function TableSkeleton({ rows = 4, cols = 4 }: { rows?: number; cols?: number }) {
  return (
    <div role="status" aria-label="Loading" className="divide-y divide-zinc-100">
      {Array.from({ length: rows }, (_, r) => (
        <div key={r} className="flex items-center gap-6 px-5 py-3.5">
          {Array.from({ length: cols }, (_, c) => (
            <Skeleton key={c} className={cx('h-4', c === 0 ? 'w-1/4' : 'w-1/6')} />
          ))}
        </div>
      ))}
    </div>
  );
}

/**
 * Nothing here yet: centered to fill a card or a page, or `compact`, a one-row note for a
 * section of a card (the same shape wherever a part of a page is still empty).
 */
export function EmptyState({
  icon,
  title,
  description,
  action,
  className,
  compact,
  testId,
}: {
  icon?: React.ReactNode;
  title: string;
  description?: React.ReactNode;
  action?: React.ReactNode;
  className?: string;
  compact?: boolean;
  testId?: string;
}) {
  if (compact) {
    return (
      <div className={cx('flex items-center gap-3 rounded-lg border border-dashed border-zinc-200 bg-zinc-50/50 px-4 py-3', className)} data-testid={testId}>
        {icon && <div className="flex size-8 shrink-0 items-center justify-center rounded-full bg-zinc-100 text-zinc-500 [&>svg]:size-4">{icon}</div>}
        <div className="min-w-0 flex-1">
          <h3 className="text-sm font-medium text-zinc-900">{title}</h3>
          {description && <p className="mt-0.5 text-[13px] text-zinc-500">{description}</p>}
        </div>
        {action && <div className="shrink-0">{action}</div>}
      </div>
    );
  }
  return (
    <div className={cx('flex flex-col items-center justify-center px-6 py-12 text-center', className)} data-testid={testId}>
      {icon && <div className="mb-3 flex size-11 items-center justify-center rounded-full bg-zinc-100 text-zinc-500 [&>svg]:size-5">{icon}</div>}
      <h3 className="text-sm font-semibold text-zinc-900">{title}</h3>
      {description && <p className="mt-1 max-w-sm text-sm text-zinc-500">{description}</p>}
      {action && <div className="mt-4">{action}</div>}
    </div>
  );
}

type BannerTone = 'info' | 'success' | 'warning' | 'error';
const BANNER: Record<BannerTone, { cls: string; icon: React.ReactNode }> = {
  info: { cls: 'border-sky-200 bg-sky-50 text-sky-900', icon: <InfoIcon className="size-4 text-sky-600" /> },
  success: { cls: 'border-emerald-200 bg-emerald-50 text-emerald-900', icon: <CheckCircleIcon className="size-4 text-emerald-600" /> },
  warning: { cls: 'border-amber-200 bg-amber-50 text-amber-900', icon: <AlertIcon className="size-4 text-amber-600" /> },
  error: { cls: 'border-red-200 bg-red-50 text-red-900', icon: <XCircleIcon className="size-4 text-red-600" /> },
};

export function Banner({
  tone = 'info',
  title,
  children,
  action,
  className,
}: {
  tone?: BannerTone;
  title?: React.ReactNode;
  children?: React.ReactNode;
  action?: React.ReactNode;
  className?: string;
}) {
  const b = BANNER[tone];
  return (
    <div role={tone === 'error' ? 'alert' : 'status'} className={cx('flex gap-3 rounded-lg border px-4 py-3 text-sm', b.cls, className)}>
      <div className="mt-0.5 shrink-0">{b.icon}</div>
      <div className="min-w-0 flex-1">
        {title && <p className="font-medium">{title}</p>}
        {children && <div className={cx(title ? 'mt-0.5 opacity-90' : undefined)}>{children}</div>}
      </div>
      {action && <div className="shrink-0">{action}</div>}
    </div>
  );
}

export interface Crumb {
  label: React.ReactNode;
  /** Absent for the current page and for a placeholder while loading. */
  href?: string;
}

/** Where a page sits: links up the hierarchy, the page itself last. */
export function Breadcrumb({ items }: { items: Crumb[] }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      {items.map((c, i) => (
        <span key={i} className="inline-flex items-center gap-1">
          {i > 0 && <ChevronRightIcon className="size-3.5 text-zinc-400" />}
          {c.href ? (
            <Link href={c.href} className="hover:text-zinc-800">
              {c.label}
            </Link>
          ) : (
            <span className={i === items.length - 1 ? 'max-w-md truncate text-zinc-700' : undefined}>{c.label}</span>
          )}
        </span>
      ))}
    </span>
  );
}

export function PageHeader({
  title,
  description,
  actions,
  breadcrumb,
}: {
  title: React.ReactNode;
  description?: React.ReactNode;
  actions?: React.ReactNode;
  breadcrumb?: React.ReactNode;
}) {
  return (
    <div className="mb-6">
      {breadcrumb && <div className="mb-2 text-sm text-zinc-500">{breadcrumb}</div>}
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div className="min-w-0">
          <h1 className="truncate text-2xl font-semibold tracking-tight text-zinc-900">{title}</h1>
          {description && <p className="mt-1 text-sm text-zinc-500">{description}</p>}
        </div>
        {actions && <div className="flex items-center gap-2">{actions}</div>}
      </div>
    </div>
  );
}

/** `minWidth` (a Tailwind min-w class) is where the table starts scrolling sideways instead of squeezing. */
export function Table({ children, className, minWidth = 'min-w-[640px]' }: { children: React.ReactNode; className?: string; minWidth?: string }) {
  return (
    // `relative` keeps absolutely positioned children (sr-only labels) inside the scroll box.
    <div className="relative overflow-x-auto">
      <table className={cx('w-full text-left text-sm', minWidth, className)}>{children}</table>
    </div>
  );
}
export function THead({ children }: { children: React.ReactNode }) {
  return (
    <thead className="border-b border-zinc-200 bg-zinc-50/70 text-xs font-medium uppercase tracking-wide text-zinc-500">
      <tr>{children}</tr>
    </thead>
  );
}
/** `dense` cells leave more room for wide tables (the audit log). */
export function TH({ children, className, dense }: { children?: React.ReactNode; className?: string; dense?: boolean }) {
  return (
    <th scope="col" className={cx('whitespace-nowrap py-2.5 font-medium', dense ? 'px-3 first:pl-5 last:pr-5' : 'px-5', className)}>
      {children}
    </th>
  );
}
export function TBody({ children }: { children: React.ReactNode }) {
  return <tbody className="divide-y divide-zinc-100">{children}</tbody>;
}
export function TD({ children, className, colSpan, dense }: { children?: React.ReactNode; className?: string; colSpan?: number; dense?: boolean }) {
  return (
    <td colSpan={colSpan} className={cx('py-3 align-middle text-zinc-700', dense ? 'px-3 first:pl-5 last:pr-5' : 'px-5', className)}>
      {children}
    </td>
  );
}

const AVATAR_TONES = ['bg-rose-100 text-rose-700', 'bg-amber-100 text-amber-800', 'bg-emerald-100 text-emerald-700', 'bg-sky-100 text-sky-700', 'bg-violet-100 text-violet-700', 'bg-teal-100 text-teal-700'];

export function initials(name: string, email?: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length >= 2) return (words[0]![0]! + words.at(-1)![0]!).toUpperCase();
  if (words.length === 1) return words[0]!.slice(0, 2).toUpperCase();
  return (email ?? '?').slice(0, 2).toUpperCase();
}

export function Avatar({ name, email, size = 'md' }: { name: string; email?: string; size?: 'sm' | 'md' }) {
  const key = email ?? name;
  let h = 0;
  for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return (
    <span
      aria-hidden="true"
      className={cx(
        'inline-flex shrink-0 items-center justify-center rounded-full font-semibold',
        size === 'sm' ? 'size-6 text-[10px]' : 'size-8 text-xs',
        AVATAR_TONES[h % AVATAR_TONES.length],
      )}
    >
      {initials(name, email)}
    </span>
  );
}

/** A person as a table cell: avatar, name, email. */
export function Person({ name, email, you }: { name: string; email: string; you?: boolean }) {
  return (
    <div className="flex min-w-0 items-center gap-3">
      <Avatar name={name} email={email} />
      <div className="min-w-0">
        <p className="truncate font-medium text-zinc-900">
          {name || email}
          {you && <span className="ml-1.5 text-xs font-normal text-zinc-400">(you)</span>}
        </p>
        <p className="truncate text-[13px] text-zinc-500">{email}</p>
      </div>
    </div>
  );
}

/** The small brand-tinted square holding a page's or a row's icon. */
export function IconTile({ children }: { children: React.ReactNode }) {
  return <span className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-brand-50 text-brand-600">{children}</span>;
}

export function Mono({ children, className }: { children: React.ReactNode; className?: string }) {
  return <code className={cx('rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-[12px] text-zinc-700', className)}>{children}</code>;
}

/** Full-width error state for a failed load, with the server's message. */
export function LoadError({ error, onRetry }: { error: { message: string } | null; onRetry?: () => void }) {
  return (
    <Banner
      tone="error"
      title="Could not load this page"
      action={
        onRetry && (
          <button type="button" onClick={onRetry} className="text-sm font-medium text-red-700 underline underline-offset-2 hover:text-red-800">
            Try again
          </button>
        )
      }
    >
      {error?.message ?? 'Something went wrong.'}
    </Banner>
  );
}

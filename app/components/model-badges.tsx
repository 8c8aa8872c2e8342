import type { ModelVersionStatus } from '@/app/gql/graphql';
import { LockIcon } from './icons';
import { Badge, cx } from './ui';

/** An alias as a chip: `@champion`, optionally with the version it points to. */
export function AliasChip({ alias, version, protectedAlias, className }: { alias: string; version?: number | null; protectedAlias?: boolean; className?: string }) {
  return (
    <span
      data-testid="alias-chip"
      data-alias={alias}
      className={cx(
        'inline-flex items-center gap-1 whitespace-nowrap rounded-full bg-brand-50 px-2 py-0.5 font-mono text-[11.5px] font-medium text-brand-700 ring-1 ring-inset ring-brand-600/20',
        className,
      )}
    >
      {protectedAlias && <LockIcon className="size-3 text-brand-500" aria-label="Protected" />}@{alias}
      {version != null && (
        <>
          {' '}
          <span className="text-brand-500/80">· v{version}</span>
        </>
      )}
    </span>
  );
}

const TONE = { READY: 'green', PENDING_REGISTRATION: 'blue', FAILED_REGISTRATION: 'red' } as const;
const LABEL: Record<ModelVersionStatus, string> = { READY: 'Ready', PENDING_REGISTRATION: 'Registering', FAILED_REGISTRATION: 'Failed' };

export function VersionStatusBadge({ status, message }: { status: ModelVersionStatus; message?: string | null }) {
  return (
    <span title={message ?? undefined}>
      <Badge tone={TONE[status]}>{LABEL[status]}</Badge>
    </span>
  );
}

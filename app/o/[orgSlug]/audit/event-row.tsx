'use client';

import type { AuditEventsQuery } from '@/app/gql/graphql';
import { ChevronDownIcon, ChevronRightIcon, CpuIcon, FilterIcon, KeyIcon, UsersIcon } from '@/app/components/icons';
import { Badge, TD, cx } from '@/app/components/ui';
import { formatDateTime, formatRelative, formatShortDateTime } from '@/app/lib/format';
import type { FilterChange } from './use-audit-filter';

function actionTone(action: string): 'red' | 'green' | 'blue' | 'neutral' {
  if (/revoke|remove|delete/.test(action)) return 'red';
  if (/create|accept|add|set/.test(action)) return 'green';
  if (/update|change|role/.test(action)) return 'blue';
  return 'neutral';
}

function prettyJson(s: string): string {
  try {
    return JSON.stringify(JSON.parse(s), null, 2);
  } catch {
    return s;
  }
}

/** A value in a row that narrows the log to events sharing it; keeps the row's click-to-expand. */
function FilterButton({ label, onFilter, className, children }: { label: string; onFilter: () => void; className?: string; children: React.ReactNode }) {
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      onClick={(e) => {
        e.stopPropagation();
        onFilter();
      }}
      className={cx(
        'group/filter inline-flex max-w-full items-center gap-1 rounded text-left focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-500',
        className,
      )}
    >
      {children}
      <FilterIcon className="size-3 shrink-0 text-zinc-400 opacity-0 transition-opacity group-hover/filter:text-brand-600 group-hover/row:opacity-100 group-focus-visible/filter:opacity-100" />
    </button>
  );
}

type AuditEvent = AuditEventsQuery['auditEvents']['events'][number];

/**
 * One event: a row whose actor, action and target each filter the log by themselves,
 * and, expanded, its details, hash and request.
 */
export function EventRow({
  event: e,
  keyName,
  expanded,
  onToggle,
  onChange,
}: {
  event: AuditEvent;
  /** The API key's name, when the event was made with a key that still exists. */
  keyName?: string | null;
  expanded: boolean;
  onToggle: () => void;
  onChange: (change: FilterChange) => void;
}) {
  const byKey = e.actorType === 'api_key' && e.actorApiKeyId;
  // A key reads by its whole name, its owner and prefix (the stored label, `email (key gty_…)`) on its badge; by the label alone once the key is gone.
  const who = byKey && keyName ? keyName : e.actorLabel;
  return (
    <>
      <tr
        data-testid="audit-row"
        className={cx('group/row cursor-pointer hover:bg-zinc-50/70', expanded && 'bg-zinc-50/70')}
        onClick={onToggle}
      >
        <TD dense>
          <button
            type="button"
            aria-expanded={expanded}
            aria-label={expanded ? `Hide details of event ${e.seq}` : `Show details of event ${e.seq}`}
            className="inline-flex items-center gap-1 rounded py-0.5 pr-1 font-mono text-xs text-zinc-400 hover:text-zinc-700"
          >
            {expanded ? <ChevronDownIcon className="size-3.5" /> : <ChevronRightIcon className="size-3.5" />}
            {e.seq}
          </button>
        </TD>
        <TD dense className="whitespace-nowrap">
          <span className="text-zinc-900">{formatRelative(e.occurredAt)}</span>
          <p className="text-xs text-zinc-400" title={formatDateTime(e.occurredAt)}>
            {formatShortDateTime(e.occurredAt)}
          </p>
        </TD>
        <TD dense className="min-w-[17rem]">
          <div className="flex max-w-[20rem] flex-col items-start gap-1">
            {byKey || e.actorUserId ? (
              <FilterButton
                label={byKey ? `Show only events with the API key ${who}` : `Show only events by ${who}`}
                onFilter={() =>
                  onChange((c) =>
                    byKey
                      ? { ...c, actorApiKeyId: e.actorApiKeyId!, actorUserId: undefined }
                      : { ...c, actorUserId: e.actorUserId!, actorApiKeyId: undefined },
                  )
                }
                className="text-zinc-900 decoration-zinc-300 underline-offset-2 hover:text-brand-700 hover:underline"
              >
                <span className="min-w-0 break-words" data-testid="audit-actor">
                  {who}
                </span>
              </FilterButton>
            ) : (
              <span className="max-w-full break-words text-zinc-900">{e.actorLabel}</span>
            )}
            <span className="flex max-w-full items-center">
              {e.actorType === 'api_key' ? (
                <span title={e.actorLabel}>
                  <Badge tone="violet">
                    <KeyIcon className="size-3" /> API key
                  </Badge>
                </span>
              ) : e.actorType === 'system' ? (
                <Badge tone="neutral">
                  <CpuIcon className="size-3" /> System
                </Badge>
              ) : (
                <Badge tone="neutral">
                  <UsersIcon className="size-3" /> Session
                </Badge>
              )}
            </span>
          </div>
        </TD>
        <TD dense>
          <FilterButton label={`Show only ${e.action} events`} onFilter={() => onChange((c) => ({ ...c, actions: [e.action] }))} className="hover:opacity-80">
            <Badge tone={actionTone(e.action)} className="font-mono">
              {e.action}
            </Badge>
          </FilterButton>
        </TD>
        <TD dense>
          <FilterButton
            label={`Show only events on ${e.targetType} ${e.targetId}`}
            onFilter={() => onChange((c) => ({ ...c, targetType: e.targetType, targetId: e.targetId }))}
            className="text-zinc-700 hover:text-brand-700"
          >
            <span className="flex min-w-0 flex-col items-start">
              <span className="underline-offset-2 group-hover/filter:underline">{e.targetType}</span>
              <span className="max-w-[7rem] truncate font-mono text-xs text-zinc-400 group-hover/filter:text-brand-600" data-testid="audit-target-id">
                {e.targetId}
              </span>
            </span>
          </FilterButton>
        </TD>
        <TD dense>
          <span className="whitespace-nowrap font-mono text-xs text-zinc-700">{e.ip ?? '—'}</span>
          <p className="max-w-[5.5rem] truncate font-mono text-xs text-zinc-400" title={e.requestId ?? undefined}>
            {e.requestId ?? '—'}
          </p>
        </TD>
      </tr>
      {expanded && (
        <tr className="bg-zinc-50/70">
          <TD colSpan={6} className="pt-0">
            <div className="grid gap-4 rounded-lg border border-zinc-200 bg-white p-4 text-[13px] md:grid-cols-2">
              <div>
                <p className="mb-1 font-medium text-zinc-700">Details</p>
                <pre className="overflow-x-auto rounded bg-zinc-50 p-2 font-mono text-xs text-zinc-700">{prettyJson(e.data)}</pre>
              </div>
              <dl className="space-y-2">
                <div>
                  <dt className="font-medium text-zinc-700">Hash</dt>
                  <dd className="break-all font-mono text-xs text-zinc-500">{e.hash}</dd>
                </div>
                <div>
                  <dt className="font-medium text-zinc-700">Request ID</dt>
                  <dd className="break-all font-mono text-xs text-zinc-500">{e.requestId ?? '—'}</dd>
                </div>
                <div>
                  <dt className="font-medium text-zinc-700">User agent</dt>
                  <dd className="break-all text-xs text-zinc-500">{e.userAgent ?? '—'}</dd>
                </div>
              </dl>
            </div>
          </TD>
        </tr>
      )}
    </>
  );
}

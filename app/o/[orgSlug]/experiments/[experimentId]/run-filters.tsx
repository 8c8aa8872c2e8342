'use client';

import { useState } from 'react';
import type { RunStatus } from '@/app/gql/graphql';
import { FilterIcon, XIcon } from '@/app/components/icons';
import { runStatusLabel } from '@/app/components/run-status';
import { Input, cx } from '@/app/components/ui';
import { conditionLabel, parseCondition, RUN_STATUSES, type Condition } from '@/app/lib/tracking';

export const FILTER_INPUT_ID = 'run-filter-input';

/**
 * The filter bar above the runs table: status toggles, a run-name search, and typed
 * conditions (`metric acc > 0.9`, `param lr = 0.01`, `tag t = v`) shown as chips.
 * Every condition maps onto the GraphQL `RunFilter` input; nothing filters client-side.
 */
export function RunFilters({
  conditions,
  onConditions,
  statuses,
  onStatuses,
  name,
  onName,
  draft,
  onDraft,
}: {
  conditions: Condition[];
  onConditions: (c: Condition[]) => void;
  statuses: RunStatus[];
  onStatuses: (s: RunStatus[]) => void;
  name: string;
  onName: (n: string) => void;
  draft: string;
  onDraft: (d: string) => void;
}) {
  const [error, setError] = useState<string | null>(null);

  function add() {
    if (!draft.trim()) return;
    const parsed = parseCondition(draft);
    if (typeof parsed === 'string') {
      setError(parsed);
      return;
    }
    onConditions([...conditions.filter((c) => conditionLabel(c) !== conditionLabel(parsed)), parsed]);
    onDraft('');
    setError(null);
  }

  return (
    <div className="space-y-3 border-b border-zinc-100 px-5 py-4">
      <div className="flex flex-wrap items-center gap-3">
        <div className="relative min-w-72 flex-1">
          <FilterIcon className="pointer-events-none absolute top-2.5 left-3 size-4 text-zinc-400" />
          <Input
            id={FILTER_INPUT_ID}
            aria-label="Add a filter condition"
            data-testid="run-filter-input"
            className="pl-9 font-mono text-[13px]"
            placeholder="metric acc > 0.9 · param lr = 0.01 · tag team = vision"
            title="A condition, then Enter: metric acc > 0.9, param lr = 0.01, tag team = vision"
            value={draft}
            invalid={!!error}
            onChange={(e) => {
              onDraft(e.target.value);
              setError(null);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                add();
              }
            }}
          />
        </div>
        <div className="w-56 shrink-0">
          <Input aria-label="Search run names" placeholder="Run name contains…" value={name} onChange={(e) => onName(e.target.value)} />
        </div>
      </div>
      <div role="group" aria-label="Status" className="flex flex-wrap items-center gap-1">
        <span className="mr-1 text-xs font-medium text-zinc-500">Status</span>
        {RUN_STATUSES.map((s) => {
          const on = statuses.includes(s);
          return (
            <button
              key={s}
              type="button"
              aria-pressed={on}
              onClick={() => onStatuses(on ? statuses.filter((x) => x !== s) : [...statuses, s])}
              className={cx(
                'h-7 rounded-full px-2.5 text-xs font-medium ring-1 ring-inset transition-colors',
                on ? 'bg-zinc-900 text-white ring-zinc-900' : 'bg-white text-zinc-600 ring-zinc-200 hover:bg-zinc-50',
              )}
            >
              {runStatusLabel(s)}
            </button>
          );
        })}
      </div>
      {error && (
        <p role="alert" className="text-[13px] text-red-600">
          {error}
        </p>
      )}
      {conditions.length > 0 && (
        <div className="flex flex-wrap items-center gap-1.5" data-testid="run-filter-chips">
          {conditions.map((c) => (
            <span key={conditionLabel(c)} className="inline-flex items-center gap-1 rounded-md bg-brand-50 py-0.5 pr-1 pl-2 font-mono text-[12px] text-brand-700 ring-1 ring-brand-600/20 ring-inset">
              <span className="text-brand-500">{c.kind}</span> {c.key} {conditionLabel(c).split(' ').slice(2, 3)} <span className="font-semibold">{String(c.value)}</span>
              <button
                type="button"
                aria-label={`Remove filter ${conditionLabel(c)}`}
                onClick={() => onConditions(conditions.filter((x) => x !== c))}
                className="rounded p-0.5 hover:bg-brand-100"
              >
                <XIcon className="size-3" />
              </button>
            </span>
          ))}
          <button type="button" className="ml-1 text-xs font-medium text-zinc-500 hover:text-zinc-800" onClick={() => onConditions([])}>
            Clear all
          </button>
        </div>
      )}
    </div>
  );
}

'use client';

import { useMemo } from 'react';
import { XIcon } from '@/app/components/icons';
import { Button, Select } from '@/app/components/ui';
import { actionFamilies, isAuditFilterActive, isoToLocalInput, localInputToIso, type AuditFilter } from '@/app/lib/audit-filter';
import type { GraphQLRequestError } from '@/app/lib/graphql-client';
import { DraftInput } from './draft-input';
import { keyLabel, type Facets } from './filter-summary';
import type { FilterChange } from './use-audit-filter';

function FilterLabel({ htmlFor, children }: { htmlFor: string; children: React.ReactNode }) {
  return (
    <label htmlFor={htmlFor} className="mb-1 block text-xs font-medium text-zinc-600">
      {children}
    </label>
  );
}

/** From or To: a local date and minute; To reaches the end of its minute. Cleared, the bound is dropped. */
function TimeBound({
  label,
  field,
  edge,
  filter,
  invalid,
  onChange,
  title,
}: {
  label: string;
  field: 'since' | 'until';
  edge: 'start' | 'end';
  filter: AuditFilter;
  invalid: Set<string>;
  onChange: (change: FilterChange) => void;
  title?: string;
}) {
  const id = `audit-${field}`;
  return (
    <div className="xl:col-span-3">
      <FilterLabel htmlFor={id}>{label}</FilterLabel>
      <DraftInput
        id={id}
        type="datetime-local"
        className="text-[13px]"
        title={title}
        value={isoToLocalInput(filter[field])}
        invalid={invalid.has(field)}
        onCommit={(v) => onChange((c) => ({ ...c, [field]: v ? (localInputToIso(v, edge) ?? c[field]) : undefined }))}
      />
    </div>
  );
}

const familyLabel = (prefix: string) => `all ${prefix.replaceAll('_', ' ')} actions`;

/** Which filter controls the server's field messages point at (`since`, `actions.0`, `filter.targetType`…). */
export function invalidControls(error: GraphQLRequestError | null): Set<string> {
  const out = new Set<string>();
  if (!error || error.code !== 'BAD_USER_INPUT') return out;
  for (const f of error.fields) {
    const name = f.path.split('.').find((p) => p !== 'filter');
    if (name === 'actions') out.add('action');
    else if (name === 'actorUserId' || name === 'actorApiKeyId') out.add('actor');
    else if (name) out.add(name);
  }
  return out;
}

export function FilterBar({
  filter,
  onChange,
  facets,
  invalid,
}: {
  filter: AuditFilter;
  onChange: (change: FilterChange) => void;
  facets: { data?: Facets; isLoading: boolean; error: GraphQLRequestError | null };
  invalid: Set<string>;
}) {
  const f = facets.data;
  const loading = facets.isLoading;
  const families = useMemo(() => actionFamilies(f?.actions ?? []), [f]);

  const actionValue = (filter.actions ?? []).join(',');
  const knownActions = new Set([...(f?.actions ?? []).map((a) => a.action), ...families.map((x) => x.family)]);

  const people = useMemo(() => {
    const byUser = new Map<string, { label: string; count: number }>();
    for (const a of f?.actors ?? []) if (a.actorType === 'user' && a.userId) byUser.set(a.userId, { label: a.label, count: 0 });
    // Filtering by a user includes what they did with their API keys: count those too.
    for (const a of f?.actors ?? []) {
      const p = a.userId ? byUser.get(a.userId) : undefined;
      if (p) p.count += a.count;
    }
    return [...byUser.entries()].map(([userId, p]) => ({ userId, ...p }));
  }, [f]);
  const keys = (f?.actors ?? []).filter((a) => a.actorType === 'api_key' && a.apiKeyId);
  const actorValue = filter.actorApiKeyId ? `key:${filter.actorApiKeyId}` : filter.actorUserId ? `user:${filter.actorUserId}` : '';
  const knownActor = actorValue === '' || people.some((p) => `user:${p.userId}` === actorValue) || keys.some((k) => `key:${k.apiKeyId}` === actorValue);

  const knownType = !filter.targetType || (f?.targetTypes ?? []).some((t) => t.targetType === filter.targetType);

  return (
    <div className="border-b border-zinc-100 px-5 py-4" role="search" aria-label="Filter events">
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 xl:grid-cols-12">
        <div className="xl:col-span-3">
          <FilterLabel htmlFor="audit-action">Action</FilterLabel>
          <Select
            id="audit-action"
            className="text-[13px]"
            value={actionValue}
            invalid={invalid.has('action')}
            disabled={loading && !actionValue}
            onChange={(e) => {
              const v = e.target.value;
              onChange((c) => ({ ...c, actions: v ? v.split(',') : undefined }));
            }}
          >
            <option value="">{loading ? 'Loading…' : 'Any action'}</option>
            {actionValue && !knownActions.has(actionValue) && <option value={actionValue}>{(filter.actions ?? []).join(', ')}</option>}
            {families.length > 0 && (
              <optgroup label="Groups">
                {families.map((x) => (
                  <option key={x.family} value={x.family}>
                    {x.family} ({familyLabel(x.prefix)}, {x.count})
                  </option>
                ))}
              </optgroup>
            )}
            {(f?.actions.length ?? 0) > 0 && (
              <optgroup label="Actions">
                {f!.actions.map((a) => (
                  <option key={a.action} value={a.action}>
                    {a.action} ({a.count})
                  </option>
                ))}
              </optgroup>
            )}
          </Select>
        </div>

        <div className="xl:col-span-5">
          <FilterLabel htmlFor="audit-actor">Actor</FilterLabel>
          <Select
            id="audit-actor"
            className="text-[13px]"
            value={actorValue}
            invalid={invalid.has('actor')}
            disabled={loading && !actorValue}
            onChange={(e) => {
              const v = e.target.value;
              const kind = v.slice(0, Math.max(0, v.indexOf(':')));
              const id = v.slice(v.indexOf(':') + 1);
              onChange((c) => ({ ...c, actorUserId: kind === 'user' ? id : undefined, actorApiKeyId: kind === 'key' ? id : undefined }));
            }}
          >
            <option value="">{loading ? 'Loading…' : 'Anyone'}</option>
            {!knownActor && <option value={actorValue}>{filter.actorApiKeyId ? `API key ${filter.actorApiKeyId}` : filter.actorUserId}</option>}
            {people.length > 0 && (
              <optgroup label="People (including their API keys)">
                {people.map((p) => (
                  <option key={p.userId} value={`user:${p.userId}`}>
                    {p.label} ({p.count})
                  </option>
                ))}
              </optgroup>
            )}
            {keys.length > 0 && (
              <optgroup label="API keys">
                {keys.map((k) => (
                  <option key={k.apiKeyId} value={`key:${k.apiKeyId}`}>
                    {keyLabel(k)} ({k.count})
                  </option>
                ))}
              </optgroup>
            )}
          </Select>
        </div>

        {/* Type and ID side by side: an ID only means something within its type. */}
        <fieldset className="min-w-0 xl:col-span-4">
          <legend className="mb-1 block text-xs font-medium text-zinc-600">Target</legend>
          <div className="flex">
            <div className="w-32 shrink-0">
              <Select
                aria-label="Target type"
                className="rounded-r-none text-[13px]"
                value={filter.targetType ?? ''}
                invalid={invalid.has('targetType')}
                disabled={loading && !filter.targetType}
                // Object IDs belong to one type: a new type starts without one.
                onChange={(e) => {
                  const v = e.target.value;
                  onChange((c) => ({ ...c, targetType: v || undefined, targetId: undefined }));
                }}
              >
                <option value="">{loading ? 'Loading…' : 'Any type'}</option>
                {!knownType && <option value={filter.targetType}>{filter.targetType}</option>}
                {(f?.targetTypes ?? []).map((t) => (
                  <option key={t.targetType} value={t.targetType}>
                    {t.targetType} ({t.count})
                  </option>
                ))}
              </Select>
            </div>
            <DraftInput
              aria-label="Target ID"
              className="relative -ml-px min-w-0 flex-1 rounded-l-none font-mono text-[13px] placeholder:font-sans focus:z-10"
              placeholder={filter.targetType ? `Any ${filter.targetType} (paste an ID)` : 'Choose a type first'}
              spellCheck={false}
              autoComplete="off"
              value={filter.targetId ?? ''}
              invalid={invalid.has('targetId')}
              disabled={!filter.targetType && !filter.targetId}
              onCommit={(v) => onChange((c) => ({ ...c, targetId: v.trim() || undefined }))}
            />
          </div>
        </fieldset>

        <TimeBound label="From" field="since" edge="start" filter={filter} invalid={invalid} onChange={onChange} />
        <TimeBound label="To" field="until" edge="end" filter={filter} invalid={invalid} onChange={onChange} title="Up to the end of this minute" />
        <p className="self-end pb-1.5 text-xs text-zinc-500 xl:col-span-4">
          Times are in your time zone ({Intl.DateTimeFormat().resolvedOptions().timeZone}).
        </p>
        <div className="flex items-end justify-end sm:col-span-2 xl:col-span-2">
          <Button variant="ghost" size="sm" onClick={() => onChange({})} disabled={!isAuditFilterActive(filter)}>
            <XIcon className="size-3.5" /> Clear filters
          </Button>
        </div>
      </div>
      {facets.error && (
        <p role="alert" className="mt-3 text-[13px] text-red-600">
          Could not load the choices for the filters: {facets.error.message}
        </p>
      )}
    </div>
  );
}

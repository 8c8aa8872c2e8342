/**
 * The audit log's filter as it lives in the page URL (`/o/<org>/audit?action=team.*&actor=usr_…`),
 * so a filtered log survives a reload and can be linked to from other pages.
 *
 *   action      an exact action (`team.create`) or a family (`team.*`); repeat for "any of these"
 *   actor       a user: their events in the browser and with any of their API keys
 *   apiKey      one API key
 *   targetType  the kind of object (`project`, `team`, …)
 *   targetId    one object; only with targetType
 *   since/until ISO 8601 instants, both inclusive
 *
 * Values are passed to the API as they are: the server validates them and its message is shown.
 */
export interface AuditFilter {
  actions?: string[];
  actorUserId?: string;
  actorApiKeyId?: string;
  targetType?: string;
  targetId?: string;
  since?: string;
  until?: string;
}

type SingleKey = Exclude<keyof AuditFilter, 'actions'>;

/** URL parameter of each field, in the order they are written. */
const PARAMS: [SingleKey, string][] = [
  ['actorUserId', 'actor'],
  ['actorApiKeyId', 'apiKey'],
  ['targetType', 'targetType'],
  ['targetId', 'targetId'],
  ['since', 'since'],
  ['until', 'until'],
];

/** What Next.js hands a page as `searchParams`, or the browser's URLSearchParams. */
export type SearchParamsLike = URLSearchParams | { get(name: string): string | null; getAll(name: string): string[] } | Record<string, string | string[] | undefined>;

function read(params: SearchParamsLike): { one: (name: string) => string | undefined; all: (name: string) => string[] } {
  const clean = (v: string | null | undefined) => {
    const t = v?.trim();
    return t ? t : undefined;
  };
  if (typeof (params as URLSearchParams).getAll === 'function') {
    const p = params as URLSearchParams;
    return { one: (n) => clean(p.get(n)), all: (n) => p.getAll(n).map(clean).filter((v): v is string => v !== undefined) };
  }
  const rec = params as Record<string, string | string[] | undefined>;
  const list = (n: string) => {
    const v = rec[n];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  return { one: (n) => clean(list(n)[0]), all: (n) => list(n).map(clean).filter((v): v is string => v !== undefined) };
}

/** The filter in a URL's search parameters; blank values are left out, repeated actions kept once each. */
export function parseAuditSearch(params: SearchParamsLike): AuditFilter {
  const r = read(params);
  const filter: AuditFilter = {};
  const actions = [...new Set(r.all('action'))];
  if (actions.length > 0) filter.actions = actions;
  for (const [key, name] of PARAMS) {
    const v = r.one(name);
    if (v !== undefined) filter[key] = v;
  }
  return filter;
}

/** The search parameters for a filter, in a stable order (so equal filters give equal URLs). */
export function serializeAuditSearch(filter: AuditFilter): URLSearchParams {
  const out = new URLSearchParams();
  for (const a of new Set(filter.actions ?? [])) if (a.trim()) out.append('action', a.trim());
  for (const [key, name] of PARAMS) {
    const v = filter[key]?.trim();
    if (v) out.set(name, v);
  }
  return out;
}

/** The audit page of an organization, showing only the events `filter` matches. */
export function auditHref(orgSlug: string, filter: AuditFilter = {}): string {
  const qs = serializeAuditSearch(filter).toString();
  return `/o/${encodeURIComponent(orgSlug)}/audit${qs ? `?${qs}` : ''}`;
}

export function isAuditFilterActive(filter: AuditFilter): boolean {
  return serializeAuditSearch(filter).size > 0;
}

/** The filter as the `AuditEventFilter` GraphQL input, or null for the whole log. */
export function toAuditEventFilter(filter: AuditFilter): {
  actions: string[] | null;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  targetType: string | null;
  targetId: string | null;
  since: string | null;
  until: string | null;
} | null {
  const f = parseAuditSearch(serializeAuditSearch(filter));
  if (!isAuditFilterActive(f)) return null;
  return {
    actions: f.actions ?? null,
    actorUserId: f.actorUserId ?? null,
    actorApiKeyId: f.actorApiKeyId ?? null,
    targetType: f.targetType ?? null,
    targetId: f.targetId ?? null,
    since: f.since ?? null,
    until: f.until ?? null,
  };
}

/**
 * Action families found in a list of actions: `team.*` for `team.create` and `team.member_set`,
 * and `cluster.prices.*` as well as `cluster.*` for `cluster.prices.update`. A family is only
 * offered when it covers at least two actions; otherwise it would repeat the one action.
 */
export function actionFamilies(actions: { action: string; count: number }[]): { family: string; prefix: string; actions: number; count: number }[] {
  const families = new Map<string, { actions: Set<string>; count: number }>();
  for (const { action, count } of actions) {
    const parts = action.split('.');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('.');
      if (!prefix) continue;
      const f = families.get(prefix) ?? { actions: new Set<string>(), count: 0 };
      if (!f.actions.has(action)) {
        f.actions.add(action);
        f.count += count;
      }
      families.set(prefix, f);
    }
  }
  return [...families.entries()]
    .filter(([, f]) => f.actions.size >= 2)
    .map(([prefix, f]) => ({ family: `${prefix}.*`, prefix, actions: f.actions.size, count: f.count }))
    .sort((a, b) => a.prefix.localeCompare(b.prefix));
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * An instant as a `datetime-local` value (`2025-03-04T09:30`) in the browser's time zone,
 * to the minute; empty for anything that is not a date.
 */
export function isoToLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * A `datetime-local` value, read in the browser's time zone, as an ISO instant. Inputs are to
 * the minute, so the end of a range is the end of its minute: "to 09:30" includes 09:30:45.
 */
export function localInputToIso(value: string, edge: 'start' | 'end'): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return undefined;
  const d = new Date(value); // no offset: local time
  if (Number.isNaN(d.getTime())) return undefined;
  if (edge === 'end' && value.length === 16) d.setTime(d.getTime() + 59_999);
  return d.toISOString();
}

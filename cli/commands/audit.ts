import type { Command, Context, OptionValues } from '../command';
import { CliError, EXIT, usageError, type ExitCode } from '../exit-codes';
import { callGraphQL } from '../graphql-call';
import { formatTable, shortTime } from '../table';

const EVENT_FIELDS = `id seq occurredAt actorType actorLabel actorUserId actorApiKeyId
      action targetType targetId ip userAgent requestId data hash`;

export const AUDIT_EVENTS_QUERY = `query AuditEvents($first: Int, $before: Int, $filter: AuditEventFilter) {
  auditEvents(first: $first, before: $before, filter: $filter) {
    events { ${EVENT_FIELDS} }
    nextCursor
  }
}`;

export const AUDIT_ACTORS_QUERY = `query AuditActors { auditFacets { actors { actorType userId apiKeyId apiKeyName label count lastAt } } }`;

export const AUDIT_ACTIONS_QUERY = `query AuditActions { auditFacets { actions { action count } } }`;

export const AUDIT_CHAIN_QUERY = `query AuditChain { auditChain { valid checkedEvents firstBrokenSeq reason } }`;

/** The largest page the API answers (graphql/pagination.ts MAX_PAGE_SIZE); longer lists are read page by page. */
export const PAGE_SIZE = 100;
export const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 50;
/** Actors named in an "unknown actor" error before the rest are counted. */
const MAX_CANDIDATES_SHOWN = 20;

export interface AuditEventNode {
  id: string;
  seq: number;
  occurredAt: string;
  actorType: string;
  actorLabel: string;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  data: string;
  hash: string;
}
interface ActorFacet {
  actorType: string;
  userId: string | null;
  apiKeyId: string | null;
  apiKeyName: string | null;
  label: string;
  count: number;
  lastAt: string;
}
interface ChainReport {
  valid: boolean;
  checkedEvents: number;
  firstBrokenSeq: number | null;
  reason: string | null;
}
export interface AuditFilter {
  actions?: string[];
  actorUserId?: string;
  actorApiKeyId?: string;
  targetType?: string;
  targetId?: string;
  since?: string;
  until?: string;
}

// ---- flags --------------------------------------------------------------------------------

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const TIME_FORMS = 'ISO 8601 (2025-03-01, 2025-03-01T09:30Z, 2025-03-01T09:30:00+02:00) or how long ago (30m, 24h, 7d)';

/**
 * A time as `--since`/`--until` take it: how long ago (`30m`, `24h`, `7d`; also `s` and `w`),
 * or ISO 8601 with a date and optionally a time. A time without a zone is UTC, as the
 * tables show times. Null when `raw` is neither.
 */
export function parseTime(raw: string, now = Date.now()): Date | null {
  const text = raw.trim();
  const ago = /^(\d{1,9})([smhdw])$/.exec(text);
  if (ago) return new Date(now - Number(ago[1]) * UNIT_MS[ago[2]!]!);
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(text);
  if (!iso) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = iso;
  const parts = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const [year, month, day, hour, minute, second] = parts;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const utc = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  utc.setUTCFullYear(year); // Date.UTC reads years 0-99 as 1900-1999.
  // Date.UTC rolls 2025-02-30 over into March: a date that does not come back unchanged does not exist.
  if (utc.getUTCFullYear() !== year || utc.getUTCMonth() !== month - 1 || utc.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const [zh, zm] = [Number(z[2]), Number(z[3])];
    if (zh > 23 || zm > 59) return null;
    offsetMinutes = (z[1] === '-' ? -1 : 1) * (zh * 60 + zm);
  }
  return new Date(utc.getTime() - offsetMinutes * 60_000);
}

function timeOf(values: OptionValues, flag: 'since' | 'until', now: number): Date | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const t = typeof raw === 'string' ? parseTime(raw, now) : null;
  if (!t || Number.isNaN(t.getTime())) throw usageError(`--${flag} must be a time, got '${String(raw)}'.`, `Times are ${TIME_FORMS}.`);
  return t;
}

function limitOf(values: OptionValues): number {
  const raw = values.limit;
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw usageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, got '${String(raw)}'.`);
  return n;
}

/** `--before SEQ`: continue below an event (a previous list's `nextCursor`). */
function beforeOf(values: OptionValues): number | null {
  const raw = values.before;
  if (raw === undefined) return null;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw usageError(`--before must be an event number (SEQ) of 1 or more, got '${String(raw)}'.`);
  return n;
}

function actionsOf(values: OptionValues): string[] | undefined {
  const raw = values.action as string[] | undefined;
  if (raw === undefined) return undefined;
  const actions = [...new Set(raw.flatMap((a) => a.split(',')).map((a) => a.trim()).filter(Boolean))];
  if (actions.length === 0) throw usageError('--action needs an action, e.g. team.create or team.*.');
  return actions;
}

function targetOf(values: OptionValues): Pick<AuditFilter, 'targetType' | 'targetId'> {
  const raw = values.target;
  if (typeof raw !== 'string') return {};
  const at = raw.indexOf(':');
  const type = (at === -1 ? raw : raw.slice(0, at)).trim();
  const id = at === -1 ? undefined : raw.slice(at + 1).trim();
  if (type === '' || id === '') throw usageError(`--target must be TYPE or TYPE:ID, got '${raw}'.`, 'For example: --target team, --target project:prj_01h...');
  return id === undefined ? { targetType: type } : { targetType: type, targetId: id };
}

// ---- actors -------------------------------------------------------------------------------

type ActorCandidate =
  | { kind: 'user'; userId: string; email: string }
  | { kind: 'api_key'; apiKeyId: string; userId: string | null; label: string; name: string | null };

/** Key actors are labelled `email (key gty_…)`; their user is the email before it. */
const KEY_LABEL = /^(.*) \(key (gty_[0-9A-Za-z]+)\)$/;

function describeCandidate(c: ActorCandidate): string {
  return c.kind === 'user' ? `${c.email}  user ${c.userId}` : `${c.label}${c.name ? ` "${c.name}"` : ''}  API key ${c.apiKeyId}`;
}

function candidateFilter(c: ActorCandidate): Pick<AuditFilter, 'actorUserId' | 'actorApiKeyId'> {
  return c.kind === 'user' ? { actorUserId: c.userId } : { actorApiKeyId: c.apiKeyId };
}

/**
 * `--actor` as a filter, from the actors the log holds: a user ID or API key ID exactly; an
 * email (any case: the user, in the browser and with their keys); a key's label or public
 * prefix; else a key's name. More than one match, or none, is a usage error naming them.
 */
async function resolveActor(ctx: Context, raw: string): Promise<Pick<AuditFilter, 'actorUserId' | 'actorApiKeyId'>> {
  const wanted = raw.trim();
  if (wanted === '') throw usageError('--actor needs an email, a user ID, an API key ID or an API key name.');
  const { auditFacets } = await callGraphQL<{ auditFacets: { actors: ActorFacet[] } }>(ctx, AUDIT_ACTORS_QUERY);
  const users = new Map<string, Extract<ActorCandidate, { kind: 'user' }>>();
  const keys = new Map<string, Extract<ActorCandidate, { kind: 'api_key' }>>();
  for (const a of auditFacets.actors) {
    const keyLabel = KEY_LABEL.exec(a.label);
    if (a.userId && !users.has(a.userId)) users.set(a.userId, { kind: 'user', userId: a.userId, email: a.apiKeyId ? (keyLabel?.[1] ?? a.label) : a.label });
    if (a.apiKeyId && !keys.has(a.apiKeyId)) keys.set(a.apiKeyId, { kind: 'api_key', apiKeyId: a.apiKeyId, userId: a.userId, label: a.label, name: a.apiKeyName });
  }

  const byId = users.get(wanted) ?? keys.get(wanted);
  if (byId) return candidateFilter(byId);
  const lower = wanted.toLowerCase();
  let matches: ActorCandidate[] = [
    ...[...users.values()].filter((u) => u.email.toLowerCase() === lower),
    ...[...keys.values()].filter((k) => k.label.toLowerCase() === lower || KEY_LABEL.exec(k.label)?.[2]!.toLowerCase() === lower),
  ];
  // Names last: a key's name is its owner's choice and may repeat.
  if (matches.length === 0) matches = [...keys.values()].filter((k) => k.name?.toLowerCase() === lower);
  if (matches.length === 1) return candidateFilter(matches[0]!);

  const ambiguous = matches.length > 1;
  const listed: ActorCandidate[] = ambiguous ? matches : [...users.values(), ...keys.values()];
  const shown = listed.slice(0, MAX_CANDIDATES_SHOWN).map((c) => `  ${describeCandidate(c)}`);
  if (listed.length > shown.length) shown.push(`  … and ${listed.length - shown.length} more`);
  const message = ambiguous ? `--actor '${wanted}' matches ${matches.length} actors; give one of their IDs.` : `No actor '${wanted}' in the audit log.`;
  const hint = listed.length ? `${ambiguous ? 'Matching' : 'Actors in the log'}:\n${shown.join('\n')}` : 'The audit log has no events yet.';
  throw new CliError('USAGE_ERROR', message, EXIT.USAGE, {
    hint,
    details: { candidates: listed.map((c) => (c.kind === 'user' ? { actorType: 'user', userId: c.userId, email: c.email } : { actorType: 'api_key', apiKeyId: c.apiKeyId, label: c.label, name: c.name })) },
  });
}

// ---- subcommands --------------------------------------------------------------------------

/** `data` arrives as JSON text; --json gives it as the object it is. */
function parsedData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

async function list(ctx: Context, values: OptionValues) {
  // Every flag is checked before anything is sent.
  const now = Date.now();
  const limit = limitOf(values);
  const start = beforeOf(values);
  const since = timeOf(values, 'since', now);
  const until = timeOf(values, 'until', now);
  if (since && until && since.getTime() > until.getTime()) {
    throw usageError(`--since (${since.toISOString()}) is after --until (${until.toISOString()}).`, 'Relative times count back from now: --since 7d --until 24h is the week before yesterday.');
  }
  const actions = actionsOf(values);
  const filter: AuditFilter = {
    ...(actions ? { actions } : {}),
    ...targetOf(values),
    ...(since ? { since: since.toISOString() } : {}),
    ...(until ? { until: until.toISOString() } : {}),
  };
  if (typeof values.actor === 'string') Object.assign(filter, await resolveActor(ctx, values.actor));

  // Newest first; each page's nextCursor continues below its last event.
  const events: AuditEventNode[] = [];
  let before: number | null = start;
  let hasMore = false;
  for (;;) {
    const { auditEvents: page }: { auditEvents: { events: AuditEventNode[]; nextCursor: number | null } } = await callGraphQL(ctx, AUDIT_EVENTS_QUERY, {
      first: Math.min(PAGE_SIZE, limit - events.length),
      before,
      filter,
    });
    events.push(...page.events);
    hasMore = page.nextCursor != null;
    before = page.nextCursor;
    if (!hasMore || events.length >= limit || page.events.length === 0) break;
  }
  const nextCursor = hasMore ? before : null;

  const filtered = Object.keys(filter).length > 0;
  const human = events.length
    ? formatTable([
        ['SEQ', 'TIME', 'ACTOR', 'ACTION', 'TARGET', 'IP'],
        ...events.map((e) => [String(e.seq), shortTime(e.occurredAt), e.actorLabel, e.action, `${e.targetType}:${e.targetId}`, e.ip ?? '-']),
      ]) + (hasMore ? `\n(more events: --before ${nextCursor} continues, or raise --limit up to ${MAX_LIMIT}, or narrow with --since, --action, --actor or --target)` : '')
    : filtered
      ? 'No audit events match.'
      : 'No audit events.';
  ctx.out.result(human, { events: events.map((e) => ({ ...e, data: parsedData(e.data) })), hasMore, nextCursor, filter });
}

async function actions(ctx: Context) {
  const { auditFacets } = await callGraphQL<{ auditFacets: { actions: { action: string; count: number }[] } }>(ctx, AUDIT_ACTIONS_QUERY);
  const rows = auditFacets.actions;
  const human = rows.length ? formatTable([['ACTION', 'EVENTS'], ...rows.map((a) => [a.action, String(a.count)])]) : 'No audit events.';
  ctx.out.result(human, { actions: rows });
}

async function verify(ctx: Context): Promise<ExitCode> {
  const { auditChain: report } = await callGraphQL<{ auditChain: ChainReport }>(ctx, AUDIT_CHAIN_QUERY);
  const events = (n: number) => `${n} event${n === 1 ? '' : 's'}`;
  if (report.valid) {
    ctx.out.result(`Chain intact: ${events(report.checkedEvents)} verified.`, report);
    return EXIT.OK;
  }
  ctx.out.result(`Chain broken at event #${report.firstBrokenSeq}: ${report.reason}.\n${events(report.checkedEvents)} before it verified.`, report);
  ctx.out.error(
    new CliError('AUDIT_CHAIN_BROKEN', `The audit log's hash chain is broken at event #${report.firstBrokenSeq}.`, EXIT.AUDIT_CHAIN_BROKEN, {
      hint: 'Events were changed or removed outside Gantry (the app cannot update or delete them). Compare with a backup; an operator can check every organization with npm run audit:verify.',
    }),
  );
  return EXIT.AUDIT_CHAIN_BROKEN;
}

/** Which subcommand takes which flag, so a flag given to the wrong one is an error, not ignored. */
const FLAGS: Record<string, string[]> = {
  list: ['action', 'actor', 'target', 'since', 'until', 'limit', 'before'],
  ls: ['action', 'actor', 'target', 'since', 'until', 'limit', 'before'],
  actions: [],
  verify: [],
};
const GLOBAL = new Set(['url', 'json', 'help', 'version']);

export const audit: Command = {
  name: 'audit',
  summary: "Read the organization's audit log and verify its hash chain",
  usage: 'gantry audit list [--action A] [--actor WHO] [--target TYPE[:ID]] [--since TIME] [--until TIME] [--limit N] [--before SEQ] | actions | verify',
  help: `Subcommands:
  list (or ls)    audit events, newest first: sequence number, time (UTC), actor (API keys
                  as "email (key gty_…)"), action, target (TYPE:ID) and IP address
  actions         the actions the log holds, with how many events each
  verify          recompute the organization's hash chain; exits 8 if an event was changed
                  or removed

Flags (list):
  --action A         only these actions, exact (team.create) or a family (team.* is every
                     team. action); comma-separated or repeated
  --actor WHO        only this actor: an email (that user in the browser and with any of their
                     API keys, any case), a user ID, an API key ID, prefix (gty_…) or name
  --target T[:ID]    only events on objects of type T (team, project, api_key, …), or on the
                     one object T:ID
  --since TIME       at or after TIME: ISO 8601 (2025-03-01, 2025-03-01T09:30Z; without a zone
                     it is UTC) or how long ago (30m, 24h, 7d; also s and w)
  --until TIME       at or before TIME, in the same forms
  --limit N          events to list (1-${MAX_LIMIT}, default ${DEFAULT_LIMIT}); more than ${PAGE_SIZE} are read page by page
  --before SEQ       only events older than event SEQ: the nextCursor of a previous list

Reading the audit log needs an admin or owner (audit:read). With --json, list prints
{events, hasMore, nextCursor, filter}, each event's data as an object; verify prints the chain report.

Examples:
  gantry audit list --since 24h --action 'team.*,project.create'
  gantry audit list --actor ci-deployer --limit 500 --json | jq -r '.events[].action'
  gantry audit list --target api_key:key_01h...
  gantry audit actions
  gantry audit verify || echo "audit log tampered with"`,
  options: {
    action: { type: 'string', multiple: true },
    actor: { type: 'string' },
    target: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string' },
    before: { type: 'string' },
  },
  args: [{ name: 'list|actions|verify', required: true }],
  async run(ctx, { values, positionals }) {
    const [sub] = positionals;
    const allowed = FLAGS[sub!];
    if (!allowed) throw usageError(`Unknown subcommand '${sub}'.`, "Subcommands: list, actions, verify. Run 'gantry audit --help'.");
    const stray = Object.keys(values).find((k) => values[k] !== undefined && !GLOBAL.has(k) && !allowed.includes(k));
    if (stray) throw usageError(`--${stray} does not apply to 'audit ${sub}'.`, "Run 'gantry audit --help' for which flags go with which subcommand.");
    switch (sub) {
      case 'actions':
        return actions(ctx);
      case 'verify':
        return verify(ctx);
      default:
        return list(ctx, values);
    }
  },
};

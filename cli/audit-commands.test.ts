import type { ApolloServer } from '@apollo/server';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateApiKey } from '../core/auth/authenticate-api-key';
import { createApiKey } from '../core/auth/create-api-key';
import { acceptInvitation } from '../core/tenancy/accept-invitation';
import { createInvitation } from '../core/tenancy/create-invitation';
import { createProject } from '../core/tenancy/create-project';
import { resolveTenantContext } from '../core/tenancy/resolve-context';
import { addTeamMember } from '../core/tenancy/add-team-member';
import { createTeam } from '../core/tenancy/create-team';
import { signUpUser, testMeta, type SignedUp } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import type { GraphQLContext } from '../graphql/context';
import { MAX_PAGE_SIZE } from '../graphql/pagination';
import { apolloServer } from '../graphql/server';
import { PAGE_SIZE, parseTime, type AuditEventNode } from './commands/audit';
import { EXIT } from './exit-codes';
import { runAgainstApi } from './test/run-against-api';

/**
 * `gantry audit …` against the real GraphQL schema and resolvers on a real database.
 * The events are written by real use cases (sign-up, invitations, keys, teams,
 * projects), some of them made with API keys, so actors of both kinds are in the log.
 */
let db: TestDatabase;
let server: ApolloServer<GraphQLContext>;
let A: SignedUp;
let M: SignedUp;
let B: SignedUp;
const keys = { auditor: '', b: '', pages: '', tampered: '' };
const ids = { deployerKey: '', deployerPrefix: '', ciAPrefix: '', ciAKey: '', ciMKey: '', vision: '', ranking: '', project: '' };
/** Between the events before it (seq 1-9) and after it (seq 10-14). */
let boundary = '';
/** Operations the CLI sent, in order. */

const gantry = (argv: string[], key = keys.auditor) => runAgainstApi(server, argv, key);

/** An event as `audit list --json` prints it: `data` as the object it is. */
type Event = Omit<AuditEventNode, 'data'> & { data: unknown };

/** The sequence numbers `audit list` prints with --json, after checking it succeeded. */
async function seqs(argv: string[], key?: string): Promise<number[]> {
  const r = await gantry(['audit', 'list', ...argv, '--json'], key);
  expect(r.code, r.stderr).toBe(EXIT.OK);
  return (r.json().events as Event[]).map((e) => e.seq);
}

const keyContext = async (secret: string) => resolveTenantContext(await authenticateApiKey(secret, testMeta()), null, testMeta());

beforeAll(async () => {
  db = await createTestDatabase();
  server = apolloServer();
  A = await signUpUser('cli-audit-a'); // 1 organization.create
  M = await signUpUser('cli-audit-m');
  const { url } = await createInvitation(A.ctx, { email: M.actor.email, role: 'admin' }); // 2 invitation.create
  await acceptInvitation(M.actor, testMeta(), url.split('/').pop()!); // 3 invitation.accept (M)
  const mctx = await resolveTenantContext(M.actor, A.orgId, testMeta());
  keys.auditor = (await createApiKey(A.ctx, { name: 'auditor', scopes: ['admin'] })).secret; // 4
  const deployer = await createApiKey(mctx, { name: 'Deployer', scopes: ['read', 'write'] }); // 5 (M)
  const ciA = await createApiKey(A.ctx, { name: 'ci', scopes: ['write'] }); // 6
  const ciM = await createApiKey(mctx, { name: 'ci', scopes: ['write'] }); // 7 (M)
  Object.assign(ids, { deployerKey: deployer.apiKey.id, deployerPrefix: deployer.apiKey.prefix, ciAKey: ciA.apiKey.id, ciAPrefix: ciA.apiKey.prefix, ciMKey: ciM.apiKey.id });
  const deployerCtx = await keyContext(deployer.secret);
  ids.vision = (await createTeam(deployerCtx, { name: 'Vision' })).id; // 8 (M with Deployer)
  await createTeam(deployerCtx, { name: 'Speech' }); // 9 (M with Deployer)
  await sleep(25);
  boundary = new Date().toISOString();
  await sleep(25);
  ids.ranking = (await createTeam(A.ctx, { name: 'Ranking' })).id; // 10
  ids.project = (await createProject(A.ctx, { teamId: ids.ranking, name: 'Ranker' })).id; // 11
  await addTeamMember(A.ctx, { teamId: ids.ranking, userId: M.actor.userId, role: 'member' }); // 12 team.member_set
  await createTeam(await keyContext(ciA.secret), { name: 'CI A' }); // 13 (A with ci)
  await createTeam(await keyContext(ciM.secret), { name: 'CI M' }); // 14 (M with ci)

  B = await signUpUser('cli-audit-b');
  keys.b = (await createApiKey(B.ctx, { name: 'b-admin', scopes: ['admin'] })).secret;
});
afterAll(async () => {
  await db.drop();
});

describe('gantry audit list', () => {
  it('lists every event newest first, with the actor of API-key events marked as a key', async () => {
    const r = await gantry(['audit', 'list', '--json']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const events = r.json().events as Event[];
    expect(r.json()).toMatchObject({ hasMore: false, filter: {} });
    expect(events.map((e) => e.seq)).toEqual([14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(events.map((e) => e.action)).toEqual([
      'team.create',
      'team.create',
      'team.member_set',
      'project.create',
      'team.create',
      'team.create',
      'team.create',
      'api_key.create',
      'api_key.create',
      'api_key.create',
      'api_key.create',
      'invitation.accept',
      'invitation.create',
      'organization.create',
    ]);
    const vision = events.find((e) => e.seq === 8)!;
    expect(vision).toMatchObject({
      actorType: 'api_key',
      actorUserId: M.actor.userId,
      actorApiKeyId: ids.deployerKey,
      actorLabel: `${M.actor.email} (key ${ids.deployerPrefix})`,
      targetType: 'team',
      targetId: ids.vision,
      ip: '127.0.0.1',
      data: { name: 'Vision' },
    });
    expect(vision.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(events.at(-1)).toMatchObject({ actorType: 'user', actorLabel: A.actor.email, actorApiKeyId: null, targetType: 'organization', targetId: A.orgId });

    const human = await gantry(['audit', 'list']);
    expect(human.code, human.stderr).toBe(EXIT.OK);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEQ\s+TIME\s+ACTOR\s+ACTION\s+TARGET\s+IP$/);
    expect(lines).toHaveLength(15);
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(human.stdout).toMatch(new RegExp(`^8\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}\\s+${esc(`${M.actor.email} (key ${ids.deployerPrefix})`)}\\s+team\\.create\\s+team:${ids.vision}\\s+127\\.0\\.0\\.1$`, 'm'));
    expect(human.stdout).toMatch(new RegExp(`^1\\s+\\S+ \\S+\\s+${esc(A.actor.email)}\\s+organization\\.create\\s+organization:${A.orgId}\\s+127\\.0\\.0\\.1$`, 'm'));
    expect(human.stdout).not.toContain('more events');
  });

  it('filters by exact actions and by action families, repeated or comma-separated', async () => {
    expect(await seqs(['--action', 'project.create'])).toEqual([11]);
    expect(await seqs(['--action', 'team.*'])).toEqual([14, 13, 12, 10, 9, 8]);
    expect(await seqs(['--action', 'project.create,invitation.accept', '--action', 'organization.create'])).toEqual([11, 3, 1]);
    expect(await seqs(['--action', 'invitation.*, api_key.create'])).toEqual([7, 6, 5, 4, 3, 2]);
    const none = await gantry(['audit', 'list', '--action', 'model.delete']);
    expect(none.code, none.stderr).toBe(EXIT.OK);
    expect(none.stdout).toBe('No audit events match.\n');
    // The server judges the action itself: a wildcard may only end it.
    const bad = await gantry(['audit', 'list', '--action', 'te*am']);
    expect(bad.code).toBe(EXIT.BAD_INPUT);
    expect(bad.stderr).toMatch(/wildcard.*\[BAD_USER_INPUT\]/);
  });

  it('filters by actor: an email (any case) covers the user and their keys; a key by name, prefix or ID', async () => {
    expect(await seqs(['--actor', M.actor.email.toUpperCase()])).toEqual([14, 9, 8, 7, 5, 3]);
    expect(await seqs(['--actor', A.actor.email])).toEqual([13, 12, 11, 10, 6, 4, 2, 1]);
    expect(await seqs(['--actor', A.actor.userId])).toEqual([13, 12, 11, 10, 6, 4, 2, 1]);
    const byName = await gantry(['audit', 'list', '--actor', 'deployer', '--json']);
    expect((byName.json().events as Event[]).map((e) => e.seq)).toEqual([9, 8]);
    expect(byName.json().filter).toEqual({ actorApiKeyId: ids.deployerKey });
    expect(await seqs(['--actor', ids.deployerKey])).toEqual([9, 8]);
    expect(await seqs(['--actor', ids.ciAPrefix])).toEqual([13]);
    expect(await seqs(['--actor', ids.ciMKey, '--action', 'team.*'])).toEqual([14]);
  });

  it('refuses an ambiguous or unknown actor with a usage error naming the candidates', async () => {
    const ambiguous = await gantry(['audit', 'list', '--actor', 'CI']);
    expect(ambiguous.code).toBe(EXIT.USAGE);
    expect(ambiguous.stderr).toMatch(/--actor 'CI' matches 2 actors/);
    expect(ambiguous.stderr).toContain(ids.ciAKey);
    expect(ambiguous.stderr).toContain(ids.ciMKey);
    expect(ambiguous.sent.some((s) => s.query.includes('auditEvents('))).toBe(false);

    const unknown = await gantry(['audit', 'list', '--actor', 'nobody@example.com']);
    expect(unknown.code).toBe(EXIT.USAGE);
    expect(unknown.stderr).toMatch(/No actor 'nobody@example.com' in the audit log/);
    for (const known of [A.actor.email, M.actor.email, A.actor.userId, ids.deployerKey, '"Deployer"']) expect(unknown.stderr).toContain(known);
    expect(unknown.sent.some((s) => s.query.includes('auditEvents('))).toBe(false);

    const json = await gantry(['audit', 'list', '--actor', 'ci', '--json']);
    expect(json.code).toBe(EXIT.USAGE);
    expect(json.stdout).toBe('');
    const error = (JSON.parse(json.stderr) as { error: { code: string; candidates: { apiKeyId: string; name: string }[] } }).error;
    expect(error.code).toBe('USAGE_ERROR');
    expect(error.candidates.map((c) => [c.apiKeyId, c.name]).sort()).toEqual([
      [ids.ciAKey, 'ci'],
      [ids.ciMKey, 'ci'],
    ].sort());
  });

  it('filters by target type, and by one object with type:id', async () => {
    expect(await seqs(['--target', 'project'])).toEqual([11]);
    expect(await seqs(['--target', 'api_key'])).toEqual([7, 6, 5, 4]);
    expect(await seqs(['--target', `team:${ids.ranking}`])).toEqual([12, 10]);
    expect(await seqs(['--target', `team:${ids.ranking}`, '--action', 'team.member_set'])).toEqual([12]);
    expect(await seqs(['--target', `project:${ids.ranking}`])).toEqual([]);
  });

  it('filters by time: ISO 8601 (no zone is UTC, offsets honoured) and how long ago', async () => {
    const before = [9, 8, 7, 6, 5, 4, 3, 2, 1];
    const after = [14, 13, 12, 11, 10];
    expect(await seqs(['--since', boundary])).toEqual(after);
    expect(await seqs(['--until', boundary])).toEqual(before);
    expect(await seqs(['--since', boundary.replace(/Z$/, '')])).toEqual(after);
    // The same instant two hours ahead of UTC.
    const t = new Date(boundary);
    const plus2 = new Date(t.getTime() + 2 * 3_600_000).toISOString().replace(/Z$/, '+02:00');
    expect(await seqs(['--until', plus2])).toEqual(before);
    expect(await seqs(['--since', boundary, '--actor', M.actor.email])).toEqual([14]);

    expect(await seqs(['--since', '30m'])).toHaveLength(14);
    expect(await seqs(['--since', '1h', '--until', '0m'])).toHaveLength(14);
    expect(await seqs(['--until', '30m'])).toEqual([]);
    expect(await seqs(['--since', '7d', '--until', '24h'])).toEqual([]);
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect(await seqs(['--since', day])).toHaveLength(14);
    const sent = (await gantry(['audit', 'list', '--since', '24h', '--json'])).json().filter as { since: string };
    expect(Math.abs(Date.parse(sent.since) - (Date.now() - 86_400_000))).toBeLessThan(60_000);
  });

  it.each([
    ['a time that is neither ISO 8601 nor relative', ['--since', 'yesterday'], /--since must be a time, got 'yesterday'/],
    ['a date that does not exist', ['--until', '2025-02-30'], /--until must be a time/],
    ['a relative time with an unknown unit', ['--since', '3y'], /--since must be a time/],
    ['since after until', ['--since', '1h', '--until', '2h'], /--since \(.*\) is after --until/],
    ['a limit of 0', ['--limit', '0'], /--limit must be a whole number from 1 to 1000, got '0'/],
    ['a limit above 1000', ['--limit', '1001'], /from 1 to 1000/],
    ['a limit that is not a number', ['--limit', 'ten'], /from 1 to 1000, got 'ten'/],
    ['a target without a type', ['--target', ':team_1'], /--target must be TYPE or TYPE:ID/],
    ['a target with an empty ID', ['--target', 'team:'], /--target must be TYPE or TYPE:ID/],
    ['an empty action', ['--action', ','], /--action needs an action/],
    ['an empty actor', ['--actor', ' '], /--actor needs/],
  ])('refuses %s with exit 2 before sending anything', async (_name, flags, message) => {
    const r = await gantry(['audit', 'list', ...flags]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(r.sent).toEqual([]);
  });

  it('reports usage errors as JSON with --json, and checks subcommands and their flags', async () => {
    // A usage error is found before anything is sent.
    const refused = async (argv: string[]) => {
      const r = await gantry(argv);
      expect(r.sent).toEqual([]);
      return r;
    };
    const r = await refused(['audit', 'list', '--since', 'soon', '--json']);
    expect(r.code).toBe(EXIT.USAGE);
    expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'USAGE_ERROR', message: "--since must be a time, got 'soon'." } });
    expect((await refused(['audit'])).code).toBe(EXIT.USAGE);
    const unknownSub = await refused(['audit', 'show']);
    expect(unknownSub.code).toBe(EXIT.USAGE);
    expect(unknownSub.stderr).toMatch(/Unknown subcommand 'show'/);
    const stray = await refused(['audit', 'verify', '--limit', '5']);
    expect(stray.code).toBe(EXIT.USAGE);
    expect(stray.stderr).toMatch(/--limit does not apply to 'audit verify'/);
    expect((await refused(['audit', 'list', 'extra'])).code).toBe(EXIT.USAGE);
  });
});

describe('gantry audit actions and verify', () => {
  it('actions lists the actions in the log with their counts', async () => {
    const r = await gantry(['audit', 'actions', '--json']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.json()).toEqual({
      actions: [
        { action: 'api_key.create', count: 4 },
        { action: 'invitation.accept', count: 1 },
        { action: 'invitation.create', count: 1 },
        { action: 'organization.create', count: 1 },
        { action: 'project.create', count: 1 },
        { action: 'team.create', count: 5 },
        { action: 'team.member_set', count: 1 },
      ],
    });
    const human = await gantry(['audit', 'actions']);
    expect(human.stdout).toMatch(/^ACTION\s+EVENTS$/m);
    expect(human.stdout).toMatch(/^team\.create\s+5$/m);
  });

  it('verify reports an intact chain', async () => {
    const r = await gantry(['audit', 'verify']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toBe('Chain intact: 14 events verified.\n');
    const json = await gantry(['audit', 'verify', '--json']);
    expect(json.json()).toEqual({ valid: true, checkedEvents: 14, firstBrokenSeq: null, reason: null });
  });

  it('verify exits 8 with the first broken event when a row was changed behind the app', async () => {
    const T = await signUpUser('cli-audit-tampered');
    keys.tampered = (await createApiKey(T.ctx, { name: 'auditor', scopes: ['admin'] })).secret;
    await createTeam(T.ctx, { name: 'One' });
    await createTeam(T.ctx, { name: 'Two' });
    expect((await gantry(['audit', 'verify'], keys.tampered)).code).toBe(EXIT.OK);
    // What someone with the database owner's credentials could do: disable the guard and edit a row.
    await db.ownerSql`alter table audit_events disable trigger audit_events_immutable`;
    try {
      await db.ownerSql`update audit_events set data = '{"name":"Forged"}' where org_id = ${T.orgId} and seq = 3`;
    } finally {
      await db.ownerSql`alter table audit_events enable trigger audit_events_immutable`;
    }
    const r = await gantry(['audit', 'verify'], keys.tampered);
    expect(r.code).toBe(EXIT.AUDIT_CHAIN_BROKEN);
    expect(r.stdout).toBe('Chain broken at event #3: event #3 was modified.\n2 events before it verified.\n');
    expect(r.stderr).toMatch(/hash chain is broken at event #3/);
    const json = await gantry(['audit', 'verify', '--json'], keys.tampered);
    expect(json.code).toBe(EXIT.AUDIT_CHAIN_BROKEN);
    expect(json.json()).toEqual({ valid: false, checkedEvents: 2, firstBrokenSeq: 3, reason: 'event #3 was modified' });
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'AUDIT_CHAIN_BROKEN' } });
    // Another organization's chain is its own.
    expect((await gantry(['audit', 'verify'])).code).toBe(EXIT.OK);
  });
});

describe('paging', () => {
  let total = 0;
  beforeAll(async () => {
    const P = await signUpUser('cli-audit-pages');
    keys.pages = (await createApiKey(P.ctx, { name: 'pages', scopes: ['admin'] })).secret;
    for (let i = 0; i < 125; i++) await createTeam(P.ctx, { name: `team ${i}` });
    total = 127;
  });

  const pages = (sent: { query: string; variables: Record<string, unknown> }[]) =>
    sent.filter((s) => s.query.includes('auditEvents(')).map((s) => [s.variables.first, s.variables.before]);

  it('reads the largest page the API allows', () => {
    expect(PAGE_SIZE).toBe(MAX_PAGE_SIZE);
  });

  it('follows nextCursor across pages up to --limit', async () => {
    const r = await gantry(['audit', 'list', '--limit', '120', '--json'], keys.pages);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const events = r.json().events as Event[];
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 120 }, (_, i) => total - i));
    expect(new Set(events.map((e) => e.id)).size).toBe(120);
    expect(r.json().hasMore).toBe(true);
    expect(r.json().nextCursor).toBe(total - 119);
    expect(pages(r.sent)).toEqual([
      [100, null],
      [20, total - 99],
    ]);

    // --before continues where the list stopped, with nothing skipped or repeated.
    const rest = await gantry(['audit', 'list', '--limit', '1000', '--before', String(r.json().nextCursor), '--json'], keys.pages);
    expect(rest.code, rest.stderr).toBe(EXIT.OK);
    expect((rest.json().events as Event[]).map((e) => e.seq)).toEqual(Array.from({ length: total - 120 }, (_, i) => total - 120 - i));
    expect(rest.json()).toMatchObject({ hasMore: false, nextCursor: null });
    expect(pages(rest.sent)[0]).toEqual([100, total - 119]);
    for (const bad of ['0', '-3', 'x', '1.5']) {
      const b = await gantry(['audit', 'list', `--before=${bad}`], keys.pages);
      expect(b.code).toBe(EXIT.USAGE);
      expect(b.stderr).toContain('--before must be an event number');
    }
  });

  it('stops when the log ends before the limit, and says when there is more', async () => {
    const all = await gantry(['audit', 'list', '--limit', '1000', '--json'], keys.pages);
    expect((all.json().events as Event[]).map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => total - i));
    expect(all.json().hasMore).toBe(false);
    expect(pages(all.sent)).toEqual([
      [100, null],
      [100, total - 99],
    ]);

    const one = await gantry(['audit', 'list', '--limit', '100'], keys.pages);
    expect(pages(one.sent)).toEqual([[100, null]]);
    expect(one.stdout).toMatch(new RegExp(`\\n\\(more events: --before ${total - 99} continues`));
    expect(one.stdout.trimEnd().split('\n')).toHaveLength(102);

    const exact = await gantry(['audit', 'list', '--limit', String(total), '--json'], keys.pages);
    expect(exact.json().hasMore).toBe(false);
    expect((exact.json().events as Event[]).length).toBe(total);

    const filtered = await gantry(['audit', 'list', '--action', 'api_key.*,organization.*', '--limit', '1000', '--json'], keys.pages);
    expect((filtered.json().events as Event[]).map((e) => e.action)).toEqual(['api_key.create', 'organization.create']);
    expect(pages(filtered.sent)).toEqual([[100, null]]);
  });
});

describe('tenancy', () => {
  it("another organization's key sees none of these events", async () => {
    const ownIds = new Set(((await gantry(['audit', 'list', '--json'])).json().events as Event[]).map((e) => e.id));
    const r = await gantry(['audit', 'list', '--limit', '1000', '--json'], keys.b);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const events = r.json().events as Event[];
    expect(events.map((e) => e.action)).toEqual(['api_key.create', 'organization.create']);
    expect(events.filter((e) => ownIds.has(e.id))).toEqual([]);
    expect(events.every((e) => e.actorUserId === B.actor.userId)).toBe(true);

    expect(await seqs(['--target', `team:${ids.ranking}`], keys.b)).toEqual([]);
    expect(await seqs(['--action', 'team.*'], keys.b)).toEqual([]);
    const actor = await gantry(['audit', 'list', '--actor', A.actor.email], keys.b);
    expect(actor.code).toBe(EXIT.USAGE);
    expect(actor.stderr).not.toContain(M.actor.email);
    expect((await gantry(['audit', 'list', '--actor', 'deployer'], keys.b)).code).toBe(EXIT.USAGE);
    expect((await gantry(['audit', 'actions', '--json'], keys.b)).json()).toEqual({
      actions: [
        { action: 'api_key.create', count: 1 },
        { action: 'organization.create', count: 1 },
      ],
    });
    expect((await gantry(['audit', 'verify', '--json'], keys.b)).json()).toMatchObject({ valid: true, checkedEvents: 2 });
  });
});

describe('help', () => {
  it('gantry help audit and --help describe the subcommands and flags', async () => {
    for (const argv of [['help', 'audit'], ['audit', '--help'], ['audit', 'list', '-h']]) {
      const r = await gantry(argv);
      expect(r.code).toBe(EXIT.OK);
      expect(r.stdout).toMatch(/^Usage: gantry audit list /);
      for (const word of ['actions', 'verify', '--action', '--actor', '--target', '--since', '--until', '--limit', 'exits 8']) expect(r.stdout).toContain(word);
    }
    const main = await gantry(['--help']);
    expect(main.stdout).toMatch(/^ {2}audit\s+Read the organization's audit log/m);
    expect(main.stdout).toMatch(/^ {2}8 {4}the audit log's hash chain is broken \(audit verify\)$/m);
  });
});

describe('parseTime', () => {
  const now = Date.parse('2025-03-10T12:00:00.000Z');
  it.each([
    ['30m', '2025-03-10T11:30:00.000Z'],
    ['24h', '2025-03-09T12:00:00.000Z'],
    ['7d', '2025-03-03T12:00:00.000Z'],
    ['2w', '2025-02-24T12:00:00.000Z'],
    ['90s', '2025-03-10T11:58:30.000Z'],
    ['2025-03-01', '2025-03-01T00:00:00.000Z'],
    ['2025-03-01T09:30', '2025-03-01T09:30:00.000Z'],
    ['2025-03-01 09:30:15', '2025-03-01T09:30:15.000Z'],
    ['2025-03-01T09:30:15.123456Z', '2025-03-01T09:30:15.123Z'],
    ['2025-03-01T09:30:00+02:00', '2025-03-01T07:30:00.000Z'],
    ['2025-03-01T09:30:00-0530', '2025-03-01T15:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('%s -> %s', (raw, iso) => {
    expect(parseTime(raw, now)?.toISOString()).toBe(iso);
  });

  it.each([['yesterday'], ['5 days'], ['-5m'], ['3M'], ['2025-02-29'], ['2025-13-01'], ['2025-03-01T24:00'], ['2025-03-01T09:60'], ['2025-03-01Z'], ['03/01/2025'], ['']])(
    'refuses %j',
    (raw) => {
      expect(parseTime(raw, now)).toBeNull();
    },
  );
});

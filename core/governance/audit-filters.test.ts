import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { authenticateApiKey } from '../auth/authenticate-api-key';
import { createApiKey } from '../auth/create-api-key';
import { revokeApiKey } from '../auth/revoke-api-key';
import { AppError } from '../errors';
import { createProject } from '../tenancy/create-project';
import { resolveTenantContext } from '../tenancy/resolve-context';
import { createTeam } from '../tenancy/create-team';
import { signUpUser, testMeta, type SignedUp } from '../../testing/fixtures';
import { auditFacets, listAuditEvents, type AuditEventFilter } from './audit-log';

let db: TestDatabase;
let A: SignedUp;
let B: SignedUp;
const ids: Record<string, string> = {};
let beforeKey: Date;

beforeAll(async () => {
  db = await createTestDatabase();
  A = await signUpUser('audit-filter-a');
  B = await signUpUser('audit-filter-b');
  ids.team = (await createTeam(A.ctx, { name: 'Fraud' })).id;
  ids.project = (await createProject(A.ctx, { teamId: ids.team, name: 'Card scoring' })).id;
  const key = await createApiKey(A.ctx, { name: 'pipeline', scopes: ['admin'] });
  ids.key = key.apiKey.id;
  // The events after this moment are the API key's.
  await new Promise((r) => setTimeout(r, 20));
  beforeKey = new Date();
  const keyCtx = await resolveTenantContext(await authenticateApiKey(key.secret, testMeta()), null, testMeta());
  ids.keyTeam = (await createTeam(keyCtx, { name: 'Ranking' })).id;
  await createProject(keyCtx, { teamId: ids.keyTeam, name: 'Feed' });
  await revokeApiKey(A.ctx, { id: ids.key });
  await createTeam(B.ctx, { name: 'B team' });
});
afterAll(async () => {
  await db.drop();
});

const list = (filter: AuditEventFilter, first = 50, ctx = A.ctx) => listAuditEvents(ctx, { first }, filter);
const actions = async (filter: AuditEventFilter, ctx = A.ctx) => (await list(filter, 50, ctx)).map((e) => e.action);

async function badInput(p: Promise<unknown>, message: RegExp) {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe('BAD_USER_INPUT');
  expect((e as AppError).message).toMatch(message);
}

describe('audit log filters', () => {
  it('filter by exact actions and by a family, newest first', async () => {
    expect(await actions({ actions: ['team.create'] })).toEqual(['team.create', 'team.create']);
    expect(await actions({ actions: ['project.create', 'api_key.revoke'] })).toEqual(['api_key.revoke', 'project.create', 'project.create']);
    expect(await actions({ actions: ['api_key.*'] })).toEqual(['api_key.revoke', 'api_key.create']);
    // A family is a prefix taken literally: `_` is not a pattern.
    expect(await actions({ actions: ['a_i_key.*'] })).toEqual([]);
    expect(await actions({ actions: ['api_ke.*'] })).toEqual([]);
    expect(await actions({ actions: [] })).toHaveLength(7);
  });

  it('filter by the acting user or API key', async () => {
    const byKey = await list({ actorApiKeyId: ids.key });
    expect(byKey.map((e) => e.action)).toEqual(['project.create', 'team.create']);
    expect(byKey.every((e) => e.actorType === 'api_key')).toBe(true);
    // A user's filter holds what they did in the browser and with their keys.
    const byUser = await actions({ actorUserId: A.actor.userId! });
    expect(byUser).toHaveLength(7);
    expect(await actions({ actorUserId: A.actor.userId!, actions: ['team.create'] })).toEqual(['team.create', 'team.create']);
  });

  it('filter by target type and object', async () => {
    expect(await actions({ targetType: 'team' })).toEqual(['team.create', 'team.create']);
    const project = await list({ targetType: 'project', targetId: ids.project });
    expect(project.map((e) => [e.action, e.targetId])).toEqual([['project.create', ids.project]]);
    expect(await actions({ targetType: 'api_key', targetId: ids.key })).toEqual(['api_key.revoke', 'api_key.create']);
  });

  it('filter by time, both ends included', async () => {
    const all = await list({});
    const newest = all[0]!.occurredAt;
    expect(await actions({ since: beforeKey })).toEqual(['api_key.revoke', 'project.create', 'team.create']);
    expect(await actions({ until: new Date(beforeKey.getTime() - 1) })).toEqual(['api_key.create', 'project.create', 'team.create', 'organization.create']);
    expect(await actions({ since: newest, until: newest })).toEqual(['api_key.revoke']);
    expect(await actions({ since: new Date(newest.getTime() + 1) })).toEqual([]);
  });

  it('pages through a filtered log without skipping or repeating', async () => {
    const first = await listAuditEvents(A.ctx, { first: 1 }, { actions: ['team.*', 'project.*'] });
    expect(first).toHaveLength(2); // one more than asked: there is a next page
    const seen = [first[0]!];
    let after = first[0]!.seq;
    for (;;) {
      const page = await listAuditEvents(A.ctx, { first: 1, after }, { actions: ['team.*', 'project.*'] });
      if (page.length === 0) break;
      seen.push(page[0]!);
      after = page[0]!.seq;
    }
    expect(seen.map((e) => e.action)).toEqual(['project.create', 'team.create', 'project.create', 'team.create']);
    expect(new Set(seen.map((e) => e.seq)).size).toBe(4);
  });

  it("never shows another organization's events, whatever the filter names", async () => {
    expect(await actions({ actorUserId: A.actor.userId! }, B.ctx)).toEqual([]);
    expect(await actions({ targetType: 'team', targetId: ids.team }, B.ctx)).toEqual([]);
    expect(await actions({ actorApiKeyId: ids.key }, B.ctx)).toEqual([]);
    expect(await actions({ actions: ['team.create'] }, B.ctx)).toEqual(['team.create']);
  });

  it('refuses filters that cannot mean anything, with the reason', async () => {
    await badInput(list({ since: new Date('2026-02-01'), until: new Date('2026-01-01') }), /since must not be after until/);
    await badInput(list({ targetId: ids.project }), /target ID needs its target type/);
    await badInput(list({ actions: ['team.*.create'] }), /wildcard may only end an action/);
    await badInput(list({ actions: ['*'] }), /wildcard may only end an action/);
    await badInput(list({ actions: ["team.create' or 1=1"] }), /may only contain/);
    await badInput(list({ actions: Array.from({ length: 51 }, (_, i) => `a.${i}`) }), /At most 50 actions/);
    await badInput(list({ targetType: 'x'.repeat(65) }), /at most 64 characters/);
  });

  it('facets: the actions, target types and actors the log holds, with counts', async () => {
    const f = await auditFacets(A.ctx);
    expect(f.actions).toEqual([
      { action: 'api_key.create', count: 1 },
      { action: 'api_key.revoke', count: 1 },
      { action: 'organization.create', count: 1 },
      { action: 'project.create', count: 2 },
      { action: 'team.create', count: 2 },
    ]);
    expect(f.targetTypes).toEqual([
      { targetType: 'api_key', count: 2 },
      { targetType: 'organization', count: 1 },
      { targetType: 'project', count: 2 },
      { targetType: 'team', count: 2 },
    ]);
    // Most recently active first: the owner revoked the key after the key's last change.
    expect(f.actors.map((a) => [a.actorType, a.userId, a.apiKeyId, a.count])).toEqual([
      ['user', A.actor.userId, null, 5],
      ['api_key', A.actor.userId, ids.key, 2],
    ]);
    expect(f.actors[1]).toMatchObject({ apiKeyName: 'pipeline', label: expect.stringMatching(/\(key gty_\w+\)$/) });
    expect(f.actors[0]!.apiKeyName).toBeNull();
    expect(f.actors[0]!.lastAt).toBeInstanceOf(Date);
    const fb = await auditFacets(B.ctx);
    expect(fb.actions).toEqual([
      { action: 'organization.create', count: 1 },
      { action: 'team.create', count: 1 },
    ]);
    expect(fb.actors).toHaveLength(1);
  });
});

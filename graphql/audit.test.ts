import type { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { signUpUser, testMeta, type SignedUp } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import { createGraphQLContext, type GraphQLContext } from './context';
import { apolloServer } from './server';

let db: TestDatabase;
let server: ApolloServer<GraphQLContext>;
let A: SignedUp;
let teamId = '';

async function gql(query: string, variables: Record<string, unknown> = {}) {
  const contextValue = createGraphQLContext({ meta: testMeta(), actor: A.actor, requestedOrgId: A.orgId });
  const res = await server.executeOperation({ query, variables }, { contextValue });
  if (res.body.kind !== 'single') throw new Error('expected a single result');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return res.body.singleResult as { data?: Record<string, any>; errors?: { message: string; extensions?: { code?: string } }[] };
}

const EVENTS = 'query($f: AuditEventFilter, $first: Int, $before: Int) { auditEvents(filter: $f, first: $first, before: $before) { nextCursor events { seq action targetType targetId actorType } } }';

beforeAll(async () => {
  db = await createTestDatabase();
  server = apolloServer();
  A = await signUpUser('gql-audit');
  teamId = (await createTeam(A.ctx, { name: 'Search' })).id;
  for (const name of ['Ranking', 'Spelling', 'Autocomplete']) await createProject(A.ctx, { teamId, name });
});
afterAll(async () => {
  await db.drop();
});

describe('the audit log over GraphQL', () => {
  it('filters by action family and target, pages with nextCursor, and takes DateTime bounds', async () => {
    const p1 = await gql(EVENTS, { f: { actions: ['project.*'] }, first: 2 });
    expect(p1.errors).toBeUndefined();
    expect(p1.data!.auditEvents.events.map((e: { action: string }) => e.action)).toEqual(['project.create', 'project.create']);
    const p2 = await gql(EVENTS, { f: { actions: ['project.*'] }, first: 2, before: p1.data!.auditEvents.nextCursor });
    expect(p2.data!.auditEvents).toMatchObject({ nextCursor: null, events: [{ action: 'project.create' }] });

    const team = await gql(EVENTS, { f: { targetType: 'team', targetId: teamId } });
    expect(team.data!.auditEvents.events).toEqual([expect.objectContaining({ action: 'team.create', targetId: teamId, actorType: 'user' })]);

    const future = await gql(EVENTS, { f: { since: new Date(Date.now() + 60_000).toISOString() } });
    expect(future.data!.auditEvents.events).toEqual([]);
    const past = await gql(EVENTS, { f: { until: new Date(Date.now() + 60_000).toISOString(), since: '2020-01-01T00:00:00Z' } });
    expect(past.data!.auditEvents.events).toHaveLength(5);
  });

  it('answers a bad filter with BAD_USER_INPUT and a readable message', async () => {
    const reversed = await gql(EVENTS, { f: { since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' } });
    expect(reversed.errors?.[0]).toMatchObject({ message: 'since must not be after until', extensions: { code: 'BAD_USER_INPUT' } });
    const notATime = await gql(EVENTS, { f: { since: 'yesterday' } });
    expect(notATime.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const idOnly = await gql(EVENTS, { f: { targetId: teamId } });
    expect(idOnly.errors?.[0]).toMatchObject({ message: 'A target ID needs its target type', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('lists the facets to filter by', async () => {
    const r = await gql('{ auditFacets { actions { action count } targetTypes { targetType count } actors { actorType userId apiKeyId apiKeyName label count lastAt } } }');
    expect(r.errors).toBeUndefined();
    expect(r.data!.auditFacets.actions).toEqual([
      { action: 'organization.create', count: 1 },
      { action: 'project.create', count: 3 },
      { action: 'team.create', count: 1 },
    ]);
    expect(r.data!.auditFacets.actors).toEqual([
      { actorType: 'user', userId: A.actor.userId, apiKeyId: null, apiKeyName: null, label: A.actor.email, count: 5, lastAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) },
    ]);
  });
});

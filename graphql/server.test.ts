import { parse, specifiedRules, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../core/errors';
import { signUpUser, testMeta, type SignedUp } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import { createGraphQLContext } from './context';
import { complexityRule, LIMITS } from './limits';
import { schema } from './schema';
import { apolloServer, createApolloServer, formatError } from './server';

let db: TestDatabase;
let user: SignedUp;
beforeAll(async () => {
  db = await createTestDatabase();
  user = await signUpUser('limits');
});
afterAll(async () => {
  await db.drop();
});

async function run(query: string, variables: Record<string, unknown> = {}, actor: SignedUp['actor'] | null = user.actor) {
  const contextValue = createGraphQLContext({ meta: testMeta(), actor, requestedOrgId: null });
  const res = await apolloServer().executeOperation({ query, variables }, { contextValue });
  if (res.body.kind !== 'single') throw new Error('expected a single result');
  return res.body.singleResult;
}

const limitErrors = (q: string, vars: Record<string, unknown> = {}) =>
  validate(schema, parse(q), [...specifiedRules, complexityRule(vars)]).map((e) => e.message);

describe('query limits', () => {
  it('rejects deep queries', () => {
    const q = `{ teams { edges { node { projects { edges { node { team { projects { edges { node { team { projects { edges { node { id } } } } } } } } } } } } } } }`;
    expect(limitErrors(q).join()).toMatch(/depth/);
  });

  it('rejects alias flooding', () => {
    const q = `{ ${Array.from({ length: LIMITS.maxAliases + 1 }, (_, i) => `a${i}: organization { id }`).join(' ')} }`;
    expect(limitErrors(q).join()).toMatch(/aliases/);
  });

  it('rejects queries whose page sizes multiply past the cost limit, counting variables', () => {
    const q = 'query($n: Int) { teams(first: $n) { edges { node { projects(first: $n) { edges { node { id name team { name } } } } } } } }';
    expect(limitErrors(q, { n: 100 }).join()).toMatch(/cost/);
    expect(limitErrors(q, { n: 5 })).toEqual([]);
  });

  it('caps page sizes', async () => {
    const r = await run('{ teams(first: 101) { edges { node { id } } } }');
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers QUERY_TOO_COMPLEX through the server', async () => {
    const q = `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: organization { id }`).join(' ')} }`;
    const r = await run(q);
    expect(r.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });
});

describe('production mode', () => {
  it('turns off introspection and field suggestions', async () => {
    const prod = createApolloServer({ production: true });
    const contextValue = createGraphQLContext({ meta: testMeta(), actor: user.actor, requestedOrgId: null });
    const intro = await prod.executeOperation({ query: '{ __schema { types { name } } }' }, { contextValue });
    expect(intro.body.kind === 'single' && intro.body.singleResult.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await prod.executeOperation({ query: '{ organizaton { id } }' }, { contextValue });
    const message = typo.body.kind === 'single' ? typo.body.singleResult.errors?.[0]?.message : '';
    expect(message).not.toMatch(/Did you mean/);
  });
});

describe('errors', () => {
  it('asks for credentials when there are none, with HTTP 401 and the Bearer challenge', async () => {
    const contextValue = createGraphQLContext({ meta: testMeta(), actor: null, requestedOrgId: null });
    const res = await apolloServer().executeOperation({ query: '{ viewer { user { email } } }' }, { contextValue });
    if (res.body.kind !== 'single') throw new Error('expected a single result');
    expect(res.body.singleResult.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.http.status).toBe(401);
    expect(res.http.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('answers public fields without credentials with 200, and other errors without the challenge', async () => {
    const contextValue = createGraphQLContext({ meta: testMeta(), actor: null, requestedOrgId: null });
    const preview = await apolloServer().executeOperation({ query: '{ invitationPreview(token: "nope") { organizationName } }' }, { contextValue });
    if (preview.body.kind !== 'single') throw new Error('expected a single result');
    expect(preview.body.singleResult.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(preview.http.status).toBeUndefined();
    expect(preview.http.headers.get('www-authenticate')).toBeUndefined();
    const signedIn = createGraphQLContext({ meta: testMeta(), actor: user.actor, requestedOrgId: null });
    const ok = await apolloServer().executeOperation({ query: '{ viewer { user { email } } }' }, { contextValue: signedIn });
    expect(ok.http.status).toBeUndefined();
  });

  it('keeps internal messages, SQL and stacks out of responses', () => {
    const internal = Object.assign(new Error('relation "secret_table" does not exist'), { stack: 'at db.ts:1' });
    const out = formatError({ message: internal.message, extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['x'] } }, internal);
    expect(out).toEqual({ message: 'Internal server error', path: undefined, extensions: { code: 'INTERNAL' } });
  });

  it('passes domain errors through with their code and fields', async () => {
    const r = await run('mutation { createTeam(input: { name: "" }) { id } }');
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: 'name' }] });
    expect(JSON.stringify(r.errors)).not.toMatch(/stack|at .*\.ts/);
    const wrapped = formatError({ message: 'x' }, new AppError('CONFLICT', 'taken'));
    expect(wrapped.extensions).toEqual({ code: 'CONFLICT' });
  });
});

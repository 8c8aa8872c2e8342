import type { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../core/auth/create-api-key';
import { createModelVersion } from '../core/registry/create-model-version';
import { createRegisteredModel } from '../core/registry/create-registered-model';
import { protectModelAlias } from '../core/registry/protect-model-alias';
import { setModelAlias } from '../core/registry/set-model-alias';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { createExperiment } from '../core/tracking/create-experiment';
import { createRun } from '../core/tracking/create-run';
import { logBatch } from '../core/tracking/log-batch';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import type { GraphQLContext } from '../graphql/context';
import { apolloServer } from '../graphql/server';
import { EXIT } from './exit-codes';
import { runAgainstApi } from './test/run-against-api';

/**
 * `gantry runs …` and `gantry models …` against the real GraphQL schema and
 * resolvers on a real database: the CLI's fetch is answered in-process by the
 * Apollo server, authenticating the Bearer key as the web app does.
 */
let db: TestDatabase;
let server: ApolloServer<GraphQLContext>;
let A: SignedUp;
let B: SignedUp;
const keys = { admin: '', write: '', b: '' };
const ids = { exp: '', r1: '', r2: '' };

const gantry = (argv: string[], key = keys.admin) => runAgainstApi(server, argv, key);

beforeAll(async () => {
  db = await createTestDatabase();
  server = apolloServer();
  A = await signUpUser('cli-reg-a');
  B = await signUpUser('cli-reg-b');
  keys.admin = (await createApiKey(A.ctx, { name: 'admin', scopes: ['admin'] })).secret;
  keys.write = (await createApiKey(A.ctx, { name: 'write', scopes: ['read', 'write'] })).secret;
  keys.b = (await createApiKey(B.ctx, { name: 'b', scopes: ['admin'] })).secret;
  ids.exp = (await createExperiment(A.ctx, { name: 'cli-exp' })).id;
  ids.r1 = (await createRun(A.ctx, { experimentId: ids.exp, runName: 'baseline' })).id;
  ids.r2 = (await createRun(A.ctx, { experimentId: ids.exp, runName: 'tuned' })).id;
  await logBatch(A.ctx, { runId: ids.r1, params: [{ key: 'lr', value: '0.1' }, { key: 'depth', value: '3' }], metrics: [{ key: 'acc', value: 0.8, timestamp: 1, step: 0 }] });
  await logBatch(A.ctx, { runId: ids.r2, params: [{ key: 'lr', value: '0.01' }, { key: 'depth', value: '3' }], metrics: [{ key: 'acc', value: 0.9, timestamp: 1, step: 0 }] });
  await createRegisteredModel(A.ctx, { name: 'churn', description: 'who leaves' });
  await createModelVersion(A.ctx, { model: { name: 'churn' }, source: `runs:/${ids.r1}/model`, runId: ids.r1 });
  await createModelVersion(A.ctx, { model: { name: 'churn' }, source: `runs:/${ids.r2}/model`, runId: ids.r2 });
  await setModelAlias(A.ctx, { model: { name: 'churn' }, alias: 'champion', version: 1 });
  await createRegisteredModel(B.ctx, { name: 'b-only' });
});
afterAll(async () => {
  await db.drop();
});

describe('gantry models', () => {
  it('ls lists models with latest version and aliases', async () => {
    const r = await gantry(['models', 'ls', '--json']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.json().models).toEqual([expect.objectContaining({ name: 'churn', latestVersion: 2, aliases: [{ alias: 'champion', version: 1 }] })]);
    const human = await gantry(['models', 'ls', '--search', 'CHU']);
    expect(human.stdout).toMatch(/churn\s+2\s+champion→1/);
    expect((await gantry(['models', 'ls', '--search', 'nothing'])).stdout).toContain('No registered models.');
  });

  it('alias set moves an alias, and show tells who moved it when', async () => {
    const r = await gantry(['models', 'alias', 'set', 'churn', 'champion', '2', '--json']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.json()).toMatchObject({ model: 'churn', alias: 'champion', version: 2 });
    const show = await gantry(['models', 'show', 'churn', '--json']);
    const model = show.json().model as { aliases: { alias: string; version: number; history: { action: string; fromVersion: number; toVersion: number; actorEmail: string }[] }[] };
    expect(model.aliases[0]).toMatchObject({ alias: 'champion', version: 2 });
    expect(model.aliases[0]!.history.map((h) => [h.action, h.fromVersion, h.toVersion, h.actorEmail])).toEqual([
      ['move', 1, 2, A.actor.email],
      ['set', null, 1, A.actor.email],
    ]);
    expect((show.json().versions as { version: number }[]).map((v) => v.version)).toEqual([2, 1]);
    const human = await gantry(['models', 'show', 'churn']);
    expect(human.stdout).toMatch(/champion\s+2\s+no\s+move 1→2 by /);
  });

  it('a protected alias refuses a write-scoped key (exit 4) and bad input is a usage error', async () => {
    await protectModelAlias(A.ctx, { model: { name: 'churn' }, alias: 'champion', minRole: 'admin' });
    const r = await gantry(['models', 'alias', 'set', 'churn', 'champion', '1'], keys.write);
    expect(r.code).toBe(EXIT.FORBIDDEN);
    expect(r.stderr).toMatch(/FORBIDDEN/);
    expect((await gantry(['models', 'alias', 'set', 'churn', 'champion', 'two'])).code).toBe(EXIT.USAGE);
    expect((await gantry(['models', 'alias', 'move', 'churn', 'x', '1'])).code).toBe(EXIT.USAGE);
    expect((await gantry(['models', 'alias', 'set', 'churn', 'champion', '9'])).code).toBe(EXIT.FORBIDDEN);
  });

  it("another organization's model is not found", async () => {
    const r = await gantry(['models', 'show', 'churn'], keys.b);
    expect(r.code).toBe(EXIT.FORBIDDEN);
    expect(r.stderr).toMatch(/NOT_FOUND/);
    expect((await gantry(['models', 'alias', 'set', 'churn', 'champion', '1'], keys.b)).code).toBe(EXIT.FORBIDDEN);
  });
});

describe('gantry runs', () => {
  it('ls lists an experiment’s runs with metrics', async () => {
    const r = await gantry(['runs', 'ls', '--experiment', ids.exp, '--json']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect((r.json().runs as { id: string }[]).map((x) => x.id).sort()).toEqual([ids.r1, ids.r2].sort());
    const human = await gantry(['runs', 'ls', '--experiment', ids.exp]);
    expect(human.stdout).toMatch(/RUN\s+NAME\s+STATUS\s+STARTED\s+acc/);
    expect(human.stdout).toMatch(/tuned\s+RUNNING\s+\S+ \S+\s+0\.9/);
  });

  it('show prints params and metrics; compare puts runs side by side and marks differences', async () => {
    const show = await gantry(['runs', 'show', ids.r1]);
    expect(show.stdout).toContain('lr = 0.1');
    expect(show.stdout).toContain('acc = 0.8 (step 0)');
    const cmp = await gantry(['runs', 'compare', ids.r1, ids.r2, '--json']);
    expect(cmp.code, cmp.stderr).toBe(EXIT.OK);
    expect(cmp.json()).toMatchObject({ params: { lr: ['0.1', '0.01'], depth: ['3', '3'] }, metrics: { acc: [0.8, 0.9] } });
    const human = await gantry(['runs', 'compare', ids.r1, ids.r2]);
    expect(human.stdout).toMatch(/\* params\.lr\s+0\.1\s+0\.01/);
    expect(human.stdout).toMatch(/ {2}params\.depth\s+3\s+3/);
    expect((await gantry(['runs', 'compare', ids.r1])).code).toBe(EXIT.USAGE);
  });

  it("another organization's run is not found", async () => {
    expect((await gantry(['runs', 'show', ids.r1], keys.b)).code).toBe(EXIT.FORBIDDEN);
    expect((await gantry(['runs', 'compare', ids.r1, ids.r2], keys.b)).code).toBe(EXIT.FORBIDDEN);
    // Searching runs skips experiments the caller cannot see, as MLflow's search does: nothing of A's comes back.
    const ls = await gantry(['runs', 'ls', '--experiment', ids.exp, '--json'], keys.b);
    expect(ls.code, ls.stderr).toBe(EXIT.OK);
    expect(ls.json().runs).toEqual([]);
  });
});

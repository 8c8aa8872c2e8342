import type { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateApiKey } from '../core/auth/authenticate-api-key';
import { createApiKey } from '../core/auth/create-api-key';
import { createProject } from '../core/tenancy/create-project';
import { resolveTenantContext } from '../core/tenancy/resolve-context';
import { createTeam } from '../core/tenancy/create-team';
import { signUpUser, testMeta, type SignedUp } from '../testing/fixtures';
import { createExperiment } from '../core/tracking/create-experiment';
import { createRun } from '../core/tracking/create-run';
import { updateRun } from '../core/tracking/update-run';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import { createGraphQLContext, type GraphQLContext } from './context';
import { apolloServer } from './server';

let db: TestDatabase;
let server: ApolloServer<GraphQLContext>;
let A: SignedUp;
let projectId = '';

async function gql(query: string, variables: Record<string, unknown> = {}) {
  const contextValue = createGraphQLContext({ meta: testMeta(), actor: A.actor, requestedOrgId: A.orgId });
  const res = await server.executeOperation({ query, variables }, { contextValue });
  if (res.body.kind !== 'single') throw new Error('expected a single result');
  // Results are read along known paths; typing every document would add nothing the assertions do not check.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return res.body.singleResult as { data?: Record<string, any>; errors?: { message: string; extensions?: { code?: string } }[] };
}

beforeAll(async () => {
  db = await createTestDatabase();
  server = apolloServer();
  A = await signUpUser('gql-tracking');
  const team = await createTeam(A.ctx, { name: 'ML' });
  projectId = (await createProject(A.ctx, { teamId: team.id, name: 'Vision' })).id;
});
afterAll(async () => {
  await db.drop();
});

describe('tracking over GraphQL', () => {
  it('creates, logs (NaN and ±Infinity as Double), filters, sorts, pages and charts runs', async () => {
    const exp = await gql('mutation($p: ID!) { createExperiment(input: { projectId: $p, name: "resnet" }) { id name project { id } } }', { p: projectId });
    expect(exp.errors).toBeUndefined();
    const experimentId = exp.data!.createExperiment.id as string;
    expect(exp.data!.createExperiment.project.id).toBe(projectId);

    const accs = [0.7, 0.95, 0.85];
    const runIds: string[] = [];
    for (const [i, acc] of accs.entries()) {
      const r = await gql('mutation($e: ID!, $n: String) { createRun(input: { experimentId: $e, name: $n }) { id status } }', { e: experimentId, n: `run-${i}` });
      expect(r.data!.createRun.status).toBe('RUNNING');
      const id = r.data!.createRun.id as string;
      runIds.push(id);
      const metrics = [
        { key: 'acc', value: acc, step: 1 },
        { key: 'odd', value: 'NaN', step: 0 },
        { key: 'odd', value: '-Infinity', step: 1 },
        ...Array.from({ length: 50 }, (_, s) => ({ key: 'loss', value: s === 17 ? 99 : 1 / (s + 1), step: s })),
      ];
      const logged = await gql('mutation($in: LogBatchInput!) { logBatch(input: $in) { metricsWritten } }', {
        in: { runId: id, metrics, params: [{ key: 'lr', value: i === 0 ? '0.1' : '0.01' }] },
      });
      expect(logged.errors).toBeUndefined();
      expect(logged.data!.logBatch.metricsWritten).toBe(53);
    }
    await gql('mutation($id: ID!) { updateRun(input: { runId: $id, status: FINISHED }) { id } }', { id: runIds[1] });

    const run = await gql('query($id: ID!) { run(id: $id) { name endTime params { key value } latestMetrics { key value step } experiment { name } } }', { id: runIds[0] });
    expect(run.data!.run.latestMetrics).toEqual([
      { key: 'acc', value: 0.7, step: 1 },
      { key: 'loss', value: 1 / 50, step: 49 },
      { key: 'odd', value: '-Infinity', step: 1 },
    ]);
    expect(run.data!.run.experiment.name).toBe('resnet');

    const filtered = await gql(
      `query($e: ID!) { runs(experimentId: $e, filter: { metrics: [{ key: "acc", op: GT, value: 0.8 }], params: [{ key: "lr", op: EQ, value: "0.01" }] }, orderBy: [{ metric: "acc", ascending: true }]) { edges { node { name } } } }`,
      { e: experimentId },
    );
    expect(filtered.data!.runs.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['run-2', 'run-1']);
    const finished = await gql('query($e: ID!) { runs(experimentId: $e, filter: { status: [FINISHED] }) { edges { node { name } } } }', { e: experimentId });
    expect(finished.data!.runs.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['run-1']);

    const names: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Awaited<ReturnType<typeof gql>> = await gql(
        'query($e: ID!, $a: String) { runs(experimentId: $e, first: 2, after: $a, orderBy: [{ metric: "acc" }]) { edges { node { name } } pageInfo { hasNextPage endCursor } } }',
        { e: experimentId, a: after },
      );
      names.push(...page.data!.runs.edges.map((e: { node: { name: string } }) => e.node.name));
      if (!page.data!.runs.pageInfo.hasNextPage) break;
      after = page.data!.runs.pageInfo.endCursor;
    }
    expect(names).toEqual(['run-1', 'run-2', 'run-0']);

    const series = await gql('query($id: ID!) { metricSeries(runId: $id, key: "loss", maxPoints: 10) { downsampled totalPoints buckets { fromStep toStep max { step value } } points { step } } }', { id: runIds[0] });
    expect(series.data!.metricSeries.downsampled).toBe(true);
    expect(series.data!.metricSeries.totalPoints).toBe(50);
    expect(series.data!.metricSeries.points.length).toBeLessThanOrEqual(10);
    // The spike survives downsampling.
    expect(series.data!.metricSeries.buckets.some((b: { max: { step: number; value: number } }) => b.max.step === 17 && b.max.value === 99)).toBe(true);
    const zoom = await gql('query($id: ID!) { metricSeries(runId: $id, key: "loss", maxPoints: 10, minStep: 15, maxStep: 19) { downsampled points { step value } } }', { id: runIds[0] });
    expect(zoom.data!.metricSeries).toMatchObject({ downsampled: false, points: [{ step: 15 }, { step: 16 }, { step: 17, value: 99 }, { step: 18 }, { step: 19 }] });

    const exps = await gql('query($p: ID!) { experiments(projectId: $p) { edges { node { id } } } }', { p: projectId });
    expect(exps.data!.experiments.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([experimentId]);
  });

  it('shows who created each run, sorts by creator and duration, counts all matches, and keeps running runs in place across pages', async () => {
    const exp = await createExperiment(A.ctx, { projectId, name: 'who-and-how-long' });
    const { secret } = await createApiKey(A.ctx, { name: 'ci', scopes: ['read', 'write'] });
    const keyActor = await authenticateApiKey(secret, testMeta());
    const keyCtx = await resolveTenantContext(keyActor, null, testMeta());
    const page = (after: string | null) =>
      gql('query($e: ID!, $a: String) { runs(experimentId: $e, first: 1, after: $a, orderBy: [{ attribute: DURATION }]) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }', {
        e: exp.id,
        a: after,
      });
    const t0 = Date.now();
    // Finished after 15 s; running for 10 s when the first page is read, and for more than 15 s by the second.
    const finished = await createRun(A.ctx, { experimentId: exp.id, runName: 'finished', startTime: t0 - 20_000 });
    await updateRun(A.ctx, { runId: finished.id, status: 'FINISHED', endTime: t0 - 5_000 });
    await createRun(keyCtx, { experimentId: exp.id, runName: 'running', startTime: t0 - 10_000 });
    const p1 = await page(null);
    expect(Date.now() - t0, 'the first page must be read within 5 s').toBeLessThan(5_000);
    expect(p1.data!.runs).toMatchObject({ totalCount: 2, edges: [{ node: { name: 'finished' } }], pageInfo: { hasNextPage: true } });

    const listed = await gql(
      'query($e: ID!) { runs(experimentId: $e, orderBy: [{ attribute: CREATOR }]) { totalCount edges { node { name createdBy { kind label user { email } apiKey { name prefix } } } } } }',
      { e: exp.id },
    );
    expect(listed.errors).toBeUndefined();
    const prefix = keyActor.kind === 'api_key' ? keyActor.prefix : '';
    expect(listed.data!.runs).toEqual({
      totalCount: 2,
      edges: [
        { node: { name: 'running', createdBy: { kind: 'API_KEY', label: `${A.actor.email} (key ${prefix})`, user: { email: A.actor.email }, apiKey: { name: 'ci', prefix } } } },
        { node: { name: 'finished', createdBy: { kind: 'USER', label: A.actor.email, user: { email: A.actor.email }, apiKey: null } } },
      ],
    });
    const asc = await gql('query($e: ID!) { runs(experimentId: $e, orderBy: [{ attribute: CREATOR, ascending: true }]) { edges { node { name } } } }', { e: exp.id });
    expect(asc.data!.runs.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['finished', 'running']);

    await new Promise((r) => setTimeout(r, Math.max(0, t0 + 5_500 - Date.now())));
    // By now the running run has run longer than the finished one; the cursor still measures it as the first page did.
    const p2 = await page(p1.data!.runs.pageInfo.endCursor);
    expect(p2.data!.runs).toMatchObject({ totalCount: 2, edges: [{ node: { name: 'running' } }], pageInfo: { hasNextPage: false } });
    const fresh = await page(null);
    expect(fresh.data!.runs.edges).toEqual([{ node: { name: 'running' } }]);
    // Cursors from before asOf was carried (a bare offset) still work.
    const legacy = await gql('query($e: ID!, $a: String) { runs(experimentId: $e, first: 5, after: $a) { edges { node { name } } } }', { e: exp.id, a: Buffer.from('0').toString('base64url') });
    expect(legacy.data!.runs.edges).toHaveLength(1);
    const bad = await gql('query($e: ID!, $a: String) { runs(experimentId: $e, after: $a) { edges { node { name } } } }', { e: exp.id, a: Buffer.from('x_1').toString('base64url') });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers bad input with BAD_USER_INPUT', async () => {
    const bad = await gql('query { runs(experimentId: "exp_x", orderBy: [{ metric: "a", param: "b" }]) { edges { node { id } } } }');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const notNumber = await gql('mutation { logBatch(input: { runId: "run_x", metrics: [{ key: "a", value: "high" }] }) { metricsWritten } }');
    expect(notNumber.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

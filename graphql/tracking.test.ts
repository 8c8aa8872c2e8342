import type { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '../core/tenancy/projects';
import { createTeam } from '../core/tenancy/teams';
import { signUpUser, testMeta, type SignedUp } from '../core/testing/fixtures';
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

  it('answers bad input with BAD_USER_INPUT', async () => {
    const bad = await gql('query { runs(experimentId: "exp_x", orderBy: [{ metric: "a", param: "b" }]) { edges { node { id } } } }');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const notNumber = await gql('mutation { logBatch(input: { runId: "run_x", metrics: [{ key: "a", value: "high" }] }) { metricsWritten } }');
    expect(notNumber.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

import type { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptInvitation } from '../core/tenancy/accept-invitation';
import { createInvitation } from '../core/tenancy/create-invitation';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { createExperiment } from '../core/tracking/create-experiment';
import { createRun } from '../core/tracking/create-run';
import { createRegisteredModel } from '../core/registry/create-registered-model';
import { createModelVersion } from '../core/registry/create-model-version';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import { signUpUser, testMeta, type SignedUp } from '../testing/fixtures';
import { createGraphQLContext, type GraphQLContext } from './context';
import { apolloServer } from './server';

/**
 * Budgets and the cost explorer over GraphQL: admins set budgets and members read them; bad
 * amounts and thresholds are coded field errors that write nothing; the explorer, forecasts and
 * the costs of runs and model versions read the ledger.
 */
let db: TestDatabase;
let server: ApolloServer<GraphQLContext>;
let admin: SignedUp;
let member: SignedUp;
let other: SignedUp;
let teamId = '';
let projectId = '';
let runId = '';
let versionId = '';

async function gql(as: SignedUp, query: string, variables: Record<string, unknown> = {}) {
  const contextValue = createGraphQLContext({ meta: testMeta(), actor: as.actor, requestedOrgId: admin.orgId });
  const res = await server.executeOperation({ query, variables }, { contextValue });
  if (res.body.kind !== 'single') throw new Error('expected a single result');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return res.body.singleResult as { data?: Record<string, any>; errors?: { message: string; extensions?: { code?: string; fields?: { path: string; message: string }[] } }[] };
}

const SET = `mutation($team: ID!, $project: ID, $amount: Micros!, $thresholds: [Int!], $action: BudgetAction) {
  setBudget(teamId: $team, projectId: $project, amountMicros: $amount, thresholds: $thresholds, action: $action) { id teamName projectName amountMicros thresholds action month spentMicros reservedMicros remainingMicros }
}`;

beforeAll(async () => {
  db = await createTestDatabase();
  server = apolloServer();
  admin = await signUpUser('gql-costs');
  other = await signUpUser('gql-costs-other');
  const m = await signUpUser('gql-costs-member', 'member own org');
  const { url } = await createInvitation(admin.ctx, { email: m.actor.email, role: 'member' });
  await acceptInvitation(m.actor, testMeta(), url.split('/').pop()!);
  member = { ...m, orgId: admin.orgId };
  teamId = (await createTeam(admin.ctx, { name: 'Vision' })).id;
  projectId = (await createProject(admin.ctx, { teamId, name: 'Detector' })).id;
  const exp = await createExperiment(admin.ctx, { projectId, name: 'detector' });
  runId = (await createRun(admin.ctx, { experimentId: exp.id })).id;
  const model = await createRegisteredModel(admin.ctx, { projectId, name: 'detector' });
  versionId = (await createModelVersion(admin.ctx, { model: { modelId: model.id }, source: `runs:/${runId}/model`, runId })).id;
  // Two charges of the run's job (as the training workflow writes them) and an evaluation of the version.
  await db.ownerSql`insert into cost_lines (id, org_id, source, source_key, amount_micros, occurred_at, team_id, project_id, user_id, run_id, model_version_id, gpu_type) values
    ('cl_1', ${admin.orgId}, 'training', 'job/a', 2500000, now() - interval '1 hour', ${teamId}, ${projectId}, ${admin.actor.userId}, ${runId}, null, 'a100'),
    ('cl_2', ${admin.orgId}, 'evaluation', 'job/b', 500000, now() - interval '1 hour', ${teamId}, ${projectId}, ${admin.actor.userId}, null, ${versionId}, null)`;
});
afterAll(async () => {
  await db?.drop();
});

describe('budgets and costs over GraphQL', () => {
  it('lets admins set a team budget, with the defaults, and members read its standing', async () => {
    const set = await gql(admin, SET, { team: teamId, amount: '10000000' });
    expect(set.errors).toBeUndefined();
    expect(set.data!.setBudget).toMatchObject({ teamName: 'Vision', projectName: null, amountMicros: '10000000', thresholds: [50, 80, 100], action: 'block', spentMicros: '3000000', reservedMicros: '0', remainingMicros: '7000000' });
    const project = await gql(admin, SET, { team: teamId, project: projectId, amount: '2000000', thresholds: [90], action: 'alert' });
    expect(project.data!.setBudget).toMatchObject({ projectName: 'Detector', thresholds: [90], action: 'alert', remainingMicros: '0' });

    const read = await gql(member, '{ budgets { teamName projectName amountMicros remainingMicros } }');
    expect(read.data!.budgets).toEqual([
      { teamName: 'Vision', projectName: null, amountMicros: '10000000', remainingMicros: '7000000' },
      { teamName: 'Vision', projectName: 'Detector', amountMicros: '2000000', remainingMicros: '0' },
    ]);
    const refused = await gql(member, SET, { team: teamId, amount: '99000000' });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses bad amounts, thresholds and teams with coded field errors, and writes nothing', async () => {
    const before = await db.ownerSql`select id, amount_micros, thresholds, action from budgets where org_id = ${admin.orgId} order by id`;
    const cases: [Record<string, unknown>, string, string][] = [
      [{ amount: '-5000000' }, 'BAD_USER_INPUT', 'amountMicros'],
      [{ amount: '0' }, 'BAD_USER_INPUT', 'amountMicros'],
      [{ amount: '100000000000001' }, 'BAD_USER_INPUT', 'amountMicros'],
      [{ amount: '12.5' }, 'BAD_USER_INPUT', ''],
      [{ amount: '1000000', thresholds: [80, 50] }, 'BAD_USER_INPUT', 'thresholds'],
      [{ amount: '1000000', thresholds: [50, 120] }, 'BAD_USER_INPUT', 'thresholds'],
      [{ amount: '1000000', thresholds: [] }, 'BAD_USER_INPUT', 'thresholds'],
    ];
    for (const [vars, code, field] of cases) {
      const r = await gql(admin, SET, { team: teamId, ...vars });
      expect(r.errors?.[0]?.extensions?.code, JSON.stringify(vars)).toBe(code);
      if (field) expect(r.errors?.[0]?.extensions?.fields?.map((f) => f.path), JSON.stringify(vars)).toContain(field);
    }
    const foreign = await gql(admin, SET, { team: (await createTeam(other.ctx, { name: 'Theirs' })).id, amount: '1000000' });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const otherTeam = (await createTeam(admin.ctx, { name: 'Ranking' })).id;
    const misplaced = await gql(admin, SET, { team: otherTeam, project: projectId, amount: '1000000' });
    expect(misplaced.errors?.[0]).toMatchObject({ message: 'Project Detector belongs to another team', extensions: { code: 'BAD_USER_INPUT' } });
    expect(await db.ownerSql`select id, amount_micros, thresholds, action from budgets where org_id = ${admin.orgId} order by id`).toEqual(before);
  });

  it('breaks spend down, draws it by day, forecasts the month and prices runs and model versions', async () => {
    const range = { from: new Date(Date.now() - 3 * 86_400_000).toISOString(), to: new Date(Date.now() + 86_400_000).toISOString() };
    const b = await gql(member, 'query($f: DateTime!, $t: DateTime!) { costBreakdown(from: $f, to: $t, groupBy: [source, gpuType]) { totalMicros othersMicros lines groups { amountMicros keys { dimension id label } } } }', { f: range.from, t: range.to });
    expect(b.data!.costBreakdown).toEqual({
      totalMicros: '3000000',
      othersMicros: '0',
      lines: 2,
      groups: [
        { amountMicros: '2500000', keys: [{ dimension: 'source', id: 'training', label: 'training' }, { dimension: 'gpuType', id: 'a100', label: 'a100' }] },
        { amountMicros: '500000', keys: [{ dimension: 'source', id: 'evaluation', label: 'evaluation' }, { dimension: 'gpuType', id: null, label: null }] },
      ],
    });
    // The run's line counts toward the version registered from the run.
    const byModel = await gql(member, 'query($f: DateTime!, $t: DateTime!) { costBreakdown(from: $f, to: $t, groupBy: [modelVersion]) { groups { amountMicros keys { label } } } }', { f: range.from, t: range.to });
    expect(byModel.data!.costBreakdown.groups).toEqual([{ amountMicros: '3000000', keys: [{ label: 'detector v1' }] }]);
    const daily = await gql(member, 'query($f: DateTime!, $t: DateTime!) { dailyCosts(from: $f, to: $t, by: team) { days totals series { key { label } totalMicros } } }', { f: range.from, t: range.to });
    expect(daily.data!.dailyCosts.days).toHaveLength(5);
    expect(daily.data!.dailyCosts.series).toEqual([{ key: { label: 'Vision' }, totalMicros: '3000000' }]);
    const forecasts = await gql(member, '{ costForecasts { teamName spentMicros forecastMicros budgetMicros } }');
    const vision = forecasts.data!.costForecasts.find((f: { teamName: string }) => f.teamName === 'Vision');
    expect(Number(vision.forecastMicros)).toBeGreaterThanOrEqual(Number(vision.spentMicros));
    expect(vision.budgetMicros).toBe('10000000');
    const priced = await gql(member, 'query($r: ID!, $v: ID!) { run(id: $r) { costMicros } modelVersion(id: $v) { costMicros } }', { r: runId, v: versionId });
    expect(priced.errors).toBeUndefined();
    expect(priced.data).toEqual({ run: { costMicros: '2500000' }, modelVersion: { costMicros: '3000000' } });
  });
});

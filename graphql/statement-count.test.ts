import type { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listClusters, listGpuPrices } from '../core/compute/list-clusters';
import { setEvaluationPolicy } from '../core/evaluation/set-evaluation-policy';
import { createEvaluation } from '../core/evaluation/create-evaluation';
import { newId } from '../core/ids';
import { createModelVersion } from '../core/registry/create-model-version';
import { createRegisteredModel } from '../core/registry/create-registered-model';
import { listRunModelVersions } from '../core/registry/list-run-model-versions';
import { setModelAlias } from '../core/registry/set-model-alias';
import { createProject } from '../core/tenancy/create-project';
import { listProjects } from '../core/tenancy/list-projects';
import { createTeam } from '../core/tenancy/create-team';
import { signUpUser, testMeta, type SignedUp } from '../testing/fixtures';
import { createExperiment } from '../core/tracking/create-experiment';
import { createRun } from '../core/tracking/create-run';
import { getRun } from '../core/tracking/get-run';
import { listTrainingJobs } from '../core/training/list-training-jobs';
import { recordChildTrainingJob } from '../core/training/record-training-job';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import { countStatements } from '../db/test/statements';
import { createGraphQLContext, type GraphQLContext } from './context';
import { apolloServer } from './server';

/**
 * The main list queries cost the same number of SQL statements however many items they
 * return: every field of a list item that loads something loads it for all items at once
 * (graphql/batch.ts). Each query is measured with 2 items of each kind and again with 12.
 */

let db: TestDatabase;
let server: ApolloServer<GraphQLContext>;
let A: SignedUp;
let projectId = '';
/** The experiment whose runs are listed, and the model version whose evaluations are. */
let listedExperimentId = '';
let evaluatedVersionId = '';
let evaluatedModelId = '';
let retrainedModelId = '';
let size = 0;

// Results are read along known paths; typing every document would add nothing the assertions do not check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Result = { data?: Record<string, any>; errors?: { message: string; path?: readonly (string | number)[]; extensions?: { code?: string } }[] };

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<Result> {
  const contextValue = createGraphQLContext({ meta: testMeta(), actor: A.actor, requestedOrgId: A.orgId });
  const res = await server.executeOperation({ query, variables }, { contextValue });
  if (res.body.kind !== 'single') throw new Error('expected a single result');
  return res.body.singleResult as Result;
}

/** Adds items of every kind until each list holds `to` of them. */
async function grow(to: number) {
  for (let i = size; i < to; i++) {
    const clusterId = newId('cluster');
    const clusterName = `gpu-${i}`;
    await db.ownerSql`insert into clusters (id, org_id, name, kind, namespace, server, status, cpu_core_hour_micros, memory_gib_hour_micros, created_by)
      values (${clusterId}, ${A.orgId}, ${clusterName}, 'kubernetes', 'ml', 'https://k8s.example.com', 'ready', ${40_000 + i}, 5000, ${A.actor.userId})`;
    await db.ownerSql`insert into cluster_gpu_prices (org_id, cluster_id, gpu_type, hour_micros)
      values (${A.orgId}, ${clusterId}, 'nvidia-a100', ${3_000_000 + i}), (${A.orgId}, ${clusterId}, 'nvidia-t4', 350000)`;

    // A job on its own cluster, with a run in its own experiment that a model version came from.
    const experiment = await createExperiment(A.ctx, { projectId, name: `job-exp-${i}` });
    const run = await createRun(A.ctx, { experimentId: experiment.id, runName: `job-run-${i}` });
    const job = await recordChildTrainingJob(A.ctx, { project: projectId, cluster: clusterName, image: 'python:3.12', command: ['true'] });
    await db.ownerSql`update training_jobs set run_id = ${run.id} where id = ${job.id}`;

    // A model with a version and an alias, registered from a run of the listed experiment.
    const listedRun = await createRun(A.ctx, { experimentId: listedExperimentId, runName: `listed-run-${i}` });
    const model = await createRegisteredModel(A.ctx, { projectId, name: `model-${i}`, tags: [] });
    await createModelVersion(A.ctx, { model: { modelId: model.id }, source: `s3://models/${i}`, runId: listedRun.id, tags: [] });
    await createModelVersion(A.ctx, { model: { modelId: model.id }, source: `s3://models/${i}/b`, runId: run.id, tags: [] });
    await setModelAlias(A.ctx, { model: { modelId: model.id }, alias: 'champion', version: 1 });

    // An evaluation of the evaluated version, its job on this cluster.
    await setEvaluationPolicy(A.ctx, { model: { modelId: evaluatedModelId }, checks: ['acc >= 0.5'], jobTemplate: { command: ['true'], cluster: clusterName, image: 'python:3.12' } });
    await createEvaluation(A.ctx, { modelVersionId: evaluatedVersionId });

    // A retraining policy with a job it started.
    const policyId = newId('retrainingPolicy');
    await db.ownerSql`insert into retraining_policies (id, org_id, model_id, name, job_template, cron, created_by)
      values (${policyId}, ${A.orgId}, ${retrainedModelId}, ${`nightly-${i}`}, ${db.ownerSql.json({ project: projectId, command: ['true'] })}, '0 3 * * *', ${A.actor.userId})`;
    await recordChildTrainingJob(A.ctx, { project: projectId, cluster: clusterName, image: 'python:3.12', command: ['true'] }, { retrainingPolicyId: policyId });

    // A team with two projects.
    const team = await createTeam(A.ctx, { name: `Team ${i}` });
    for (const p of ['a', 'b']) await createProject(A.ctx, { teamId: team.id, name: `Team ${i} ${p}` });
  }
  size = to;
}

const QUERIES: Record<string, { query: () => string; items: (r: Result) => unknown[] }> = {
  jobs: {
    query: () => `{ jobs(first: 100, kind: "training") { edges { node {
      id events { status } cluster { name prices { cpuCoreHourMicros gpu { gpuType hourMicros } } }
      run { id experiment { name project { name } } modelVersions { id aliases } }
    } } } }`,
    items: (r) => r.data!.jobs.edges.filter((e: { node: { run: unknown } }) => e.node.run),
  },
  clusters: {
    query: () => '{ clusters { id name prices { cpuCoreHourMicros memoryGibHourMicros gpu { gpuType hourMicros } } } }',
    items: (r) => r.data!.clusters.filter((c: { name: string }) => c.name !== 'local'),
  },
  models: {
    query: () => `{ registeredModels(first: 100, projectId: "${projectId}") { edges { node { id name latestVersion project { name } aliases { alias version history { action } } } } } }`,
    items: (r) => r.data!.registeredModels.edges.filter((e: { node: { name: string } }) => e.node.name.startsWith('model-')),
  },
  runs: {
    query: () =>
      `{ runs(experimentId: "${listedExperimentId}", first: 100) { edges { node { id name params { key } createdBy { label } singleValueMetrics job { id } experiment { name } modelVersions { id version aliases } } } } }`,
    items: (r) => r.data!.runs.edges,
  },
  // The home page's one query: jobs, the newest runs with their key metric, and models with their aliases.
  home: {
    query: () => `{
      jobs(first: 50, kind: "training") { edges { node { id name status run { id } } } }
      recentRuns(first: 50) { id name status keyMetric { key value } createdBy { label } job { id } experiment { name project { name } } }
      registeredModels(first: 50, orderBy: RECENTLY_UPDATED) { edges { node { id name latestVersion project { name } aliases { alias version } } } }
    }`,
    items: (r) => r.data!.recentRuns.filter((run: { name: string }) => run.name.startsWith('listed-run-')),
  },
  teams: {
    query: () => '{ teams(first: 100) { edges { node { id name members { role user { email } } projects(first: 2) { edges { node { id name team { name } } } } } } } }',
    items: (r) => r.data!.teams.edges.filter((e: { node: { name: string } }) => e.node.name.startsWith('Team ')),
  },
  projects: {
    query: () => '{ projects(first: 100) { edges { node { id name team { name members { role } } } } } }',
    // Two projects of each team: count the first of each.
    items: (r) => r.data!.projects.edges.filter((e: { node: { name: string } }) => /^Team \d+ a$/.test(e.node.name)),
  },
  evaluations: {
    query: () => `{ evaluations(modelVersionId: "${evaluatedVersionId}") { id status job { id cluster { name prices { gpu { hourMicros } } } events { status } } } }`,
    items: (r) => r.data!.evaluations,
  },
  retrainingPolicies: {
    query: () => `{ retrainingPolicies(modelId: "${retrainedModelId}") { id jobs(first: 5) { edges { node { id cluster { name } } } } } }`,
    items: (r) => r.data!.retrainingPolicies,
  },
};

/** The statements as text, with lists of parameters (`in ($1, $2, …)`) as one, in a stable order. */
const shapes = (statements: string[]) => statements.map((s) => s.replace(/\$\d+(?:\s*,\s*\$\d+)*/g, '$n')).sort();

async function measure(name: string) {
  const q = QUERIES[name]!;
  const { value, statements } = await countStatements(() => gql(q.query()));
  expect(value.errors, name).toBeUndefined();
  return { items: q.items(value).length, statements: shapes(statements) };
}

beforeAll(async () => {
  db = await createTestDatabase();
  server = apolloServer();
  A = await signUpUser('statements');
  const team = await createTeam(A.ctx, { name: 'Platform' });
  projectId = (await createProject(A.ctx, { teamId: team.id, name: 'Ranking' })).id;
  listedExperimentId = (await createExperiment(A.ctx, { projectId, name: 'listed' })).id;
  const evaluated = await createRegisteredModel(A.ctx, { projectId, name: 'evaluated', tags: [] });
  evaluatedModelId = evaluated.id;
  evaluatedVersionId = (await createModelVersion(A.ctx, { model: { modelId: evaluated.id }, source: 's3://models/evaluated', tags: [] })).id;
  retrainedModelId = (await createRegisteredModel(A.ctx, { projectId, name: 'retrained', tags: [] })).id;
  // Made on first read; made now, so no measured read makes it.
  await listClusters(A.ctx);
  await grow(2);
});

afterAll(async () => {
  await db.drop();
});

describe('SQL statements per list query', () => {
  it('stay the same from 2 items to 12', async () => {
    const small: Record<string, Awaited<ReturnType<typeof measure>>> = {};
    for (const name of Object.keys(QUERIES)) small[name] = await measure(name);
    await grow(12);
    for (const name of Object.keys(QUERIES)) {
      const large = await measure(name);
      expect([small[name]!.items, large.items], name).toEqual([2, 12]);
      // On failure the statements themselves show which field loads per item.
      expect(large.statements, name).toEqual(small[name]!.statements);
    }
  });
});

describe('fields loaded for many items at once', () => {
  it('answer as the one-item use cases do', async () => {
    const jobs = await gql('{ jobs(first: 100, kind: "training") { edges { node { id runId run { id name } cluster { id prices { cpuCoreHourMicros memoryGibHourMicros gpu { gpuType hourMicros } } } } } } }');
    expect(jobs.errors).toBeUndefined();
    const { rows } = await listTrainingJobs(A.ctx, { first: 100, kind: 'training' });
    const gpu = await listGpuPrices(
      A.ctx,
      rows.map((j) => j.clusterId),
    );
    for (const { node } of jobs.data!.jobs.edges) {
      const job = rows.find((j) => j.id === node.id)!;
      expect(node.cluster.id).toBe(job.clusterId);
      const cluster = (await listClusters(A.ctx)).find((c) => c.id === job.clusterId)!;
      expect(node.cluster.prices).toEqual({
        cpuCoreHourMicros: String(cluster.cpuCoreHourMicros),
        memoryGibHourMicros: String(cluster.memoryGibHourMicros),
        gpu: (gpu.get(job.clusterId) ?? []).map((g) => ({ gpuType: g.gpuType, hourMicros: String(g.hourMicros) })),
      });
      if (node.runId) expect(node.run).toEqual({ id: node.runId, name: (await getRun(A.ctx, node.runId)).name });
    }

    const runs = await gql(`{ runs(experimentId: "${listedExperimentId}", first: 100) { edges { node { id modelVersions { id } } } } }`);
    for (const { node } of runs.data!.runs.edges) {
      expect(node.modelVersions.map((v: { id: string }) => v.id)).toEqual((await listRunModelVersions(A.ctx, node.id)).map((v) => v.id));
    }

    const teams = await gql('{ teams(first: 100) { edges { node { id projects(first: 1) { edges { node { id } } pageInfo { hasNextPage } } } } } }');
    for (const { node } of teams.data!.teams.edges) {
      const one = await listProjects(A.ctx, { first: 1, teamId: node.id });
      expect(node.projects.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(one.slice(0, 1).map((p) => p.id));
      expect(node.projects.pageInfo.hasNextPage).toBe(one.length > 1);
    }
  });

  it('reads a job whose run is gone as having no run, and a failed run load as an error, not as null', async () => {
    const experiment = await createExperiment(A.ctx, { projectId, name: 'gone' });
    const run = await createRun(A.ctx, { experimentId: experiment.id, runName: 'gone' });
    const job = await recordChildTrainingJob(A.ctx, { project: projectId, command: ['true'] });
    await db.ownerSql`update training_jobs set run_id = ${run.id} where id = ${job.id}`;
    const query = `{ job(id: "${job.id}") { id run { id } } }`;

    await db.ownerSql`revoke select on runs from gantry_app`;
    let failed: Result;
    try {
      failed = await gql(query);
    } finally {
      await db.ownerSql`grant select on runs to gantry_app`;
    }
    expect(failed.errors?.map((e) => e.path)).toEqual([['job', 'run']]);
    expect(failed.errors?.[0]?.extensions?.code).toBe('INTERNAL');

    expect((await gql(query)).data!.job.run).toEqual({ id: run.id });
    // The job's run_id is set null with it; a run deleted between the job's read and the run's is left out of the load alike.
    await db.ownerSql`delete from runs where id = ${run.id}`;
    const gone = await gql(query);
    expect(gone.errors).toBeUndefined();
    expect(gone.data!.job.run).toBeNull();
  });
});

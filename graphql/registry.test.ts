import type { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelVersion } from '../core/registry/create-model-version';
import { createRegisteredModel } from '../core/registry/create-registered-model';
import { listModelAliases } from '../core/registry/list-model-aliases';
import { protectModelAlias } from '../core/registry/protect-model-alias';
import { setModelAlias } from '../core/registry/set-model-alias';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { signUpUser, testMeta, type SignedUp } from '../testing/fixtures';
import { createExperiment } from '../core/tracking/create-experiment';
import { createRun } from '../core/tracking/create-run';
import { logBatch } from '../core/tracking/log-batch';
import { logInputs } from '../core/tracking/log-inputs';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import { createGraphQLContext, type GraphQLContext } from './context';
import { apolloServer } from './server';

let db: TestDatabase;
let server: ApolloServer<GraphQLContext>;
let A: SignedUp;
let projectId = '';
let experimentId = '';
let runId = '';

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
  A = await signUpUser('gql-registry');
  const team = await createTeam(A.ctx, { name: 'ML' });
  projectId = (await createProject(A.ctx, { teamId: team.id, name: 'Ranking' })).id;
  experimentId = (await createExperiment(A.ctx, { projectId, name: 'ranker' })).id;
  runId = (await createRun(A.ctx, { experimentId, runName: 'train' })).id;
  await logBatch(A.ctx, { runId, params: [{ key: 'depth', value: '6' }], metrics: [{ key: 'ndcg', value: 0.71, timestamp: 5, step: 2 }] });
  await logInputs(A.ctx, { runId, datasets: [{ dataset: { name: 'clicks', digest: 'abc', sourceType: 's3', source: 's3://b/clicks', schema: null, profile: null }, tags: [] }] });
});
afterAll(async () => {
  await db.drop();
});

describe('model registry over GraphQL', () => {
  it('registers a version from a run’s artifact path, moves aliases with history, resolves URIs and shows lineage', async () => {
    const created = await gql('mutation($p: ID!) { createRegisteredModel(input: { projectId: $p, name: "ranker", description: "learning to rank", tags: [{ key: "team", value: "search" }] }) { id name project { id } tags { key value } } }', { p: projectId });
    expect(created.errors).toBeUndefined();
    const modelId = created.data!.createRegisteredModel.id as string;
    expect(created.data!.createRegisteredModel).toMatchObject({ name: 'ranker', project: { id: projectId }, tags: [{ key: 'team', value: 'search' }] });

    const v1 = await gql(
      'mutation($in: CreateModelVersionInput!) { createModelVersion(input: $in) { id version source storageLocation runId framework signatureJson metricsSnapshot { key value step } } }',
      { in: { modelId, runId, artifactPath: 'model', framework: 'xgboost', signatureJson: '{"inputs":"[]"}', tags: [{ key: 'k', value: 'v' }] } },
    );
    expect(v1.errors).toBeUndefined();
    expect(v1.data!.createModelVersion).toMatchObject({
      version: 1,
      runId,
      framework: 'xgboost',
      signatureJson: '{"inputs":"[]"}',
      source: `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`,
      metricsSnapshot: [{ key: 'ndcg', value: 0.71, step: 2 }],
    });
    const v2 = await gql('mutation($in: CreateModelVersionInput!) { createModelVersion(input: $in) { id version } }', { in: { modelId, source: 's3://models/ranker/2' } });
    expect(v2.data!.createModelVersion.version).toBe(2);
    const badSig = await gql('mutation($in: CreateModelVersionInput!) { createModelVersion(input: $in) { id } }', { in: { modelId, source: 's3://x', signatureJson: '[1' } });
    expect(badSig.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const updated = await gql('mutation($id: ID!) { updateModelVersion(input: { modelVersionId: $id, description: "first", setTags: [{ key: "q", value: "ok" }], deleteTagKeys: ["k"] }) { description tags { key value } } }', {
      id: v1.data!.createModelVersion.id,
    });
    expect(updated.data!.updateModelVersion).toEqual({ description: 'first', tags: [{ key: 'q', value: 'ok' }] });

    for (const version of [1, 2]) {
      const set = await gql('mutation($m: ID!, $v: Int!) { setModelAlias(input: { modelId: $m, alias: "champion", version: $v }) { version aliases } }', { m: modelId, v: version });
      expect(set.data!.setModelAlias).toEqual({ version, aliases: ['champion'] });
    }
    const prot = await gql('mutation($m: ID!) { protectModelAlias(input: { modelId: $m, alias: "champion", minRole: admin, requiresPassingEvaluation: true }) { alias version protection { minRole requiresPassingEvaluation } } }', { m: modelId });
    expect(prot.data!.protectModelAlias).toEqual({ alias: 'champion', version: 2, protection: { minRole: 'admin', requiresPassingEvaluation: true } });

    const resolved = await gql('{ a: resolveModelUri(uri: "models:/ranker@champion") { artifactLocation version { version } } b: resolveModelUri(uri: "models:/ranker/1") { artifactLocation } }');
    expect(resolved.data).toEqual({
      a: { artifactLocation: 's3://models/ranker/2', version: { version: 2 } },
      b: { artifactLocation: `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model` },
    });
    const missing = await gql('{ resolveModelUri(uri: "models:/ranker@nobody") { artifactLocation } }');
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const deleted = await gql('mutation($m: ID!) { deleteModelAlias(input: { modelId: $m, alias: "champion" }) }', { m: modelId });
    expect(deleted.data!.deleteModelAlias).toBe(true);
    const model = await gql('query($id: ID) { registeredModel(id: $id) { latestVersion aliases { alias version protection { minRole } history { action fromVersion toVersion actorEmail } } } }', { id: modelId });
    expect(model.data!.registeredModel.latestVersion).toBe(2);
    expect(model.data!.registeredModel.aliases).toEqual([
      {
        alias: 'champion',
        version: null,
        protection: { minRole: 'admin' },
        history: [
          { action: 'delete', fromVersion: 2, toVersion: null, actorEmail: A.actor.email },
          { action: 'move', fromVersion: 1, toVersion: 2, actorEmail: A.actor.email },
          { action: 'set', fromVersion: null, toVersion: 1, actorEmail: A.actor.email },
        ],
      },
    ]);

    const lineage = await gql(
      'query($id: ID!) { lineage(modelVersionId: $id) { model { name } version { version } run { id params { key value } latestMetrics { key } inputs { name } } experiment { id name } job { id } cluster { id } deployments { id } } }',
      { id: v1.data!.createModelVersion.id },
    );
    expect(lineage.errors).toBeUndefined();
    expect(lineage.data!.lineage).toEqual({
      model: { name: 'ranker' },
      version: { version: 1 },
      run: { id: runId, params: [{ key: 'depth', value: '6' }], latestMetrics: [{ key: 'ndcg' }], inputs: [{ name: 'clicks' }] },
      experiment: { id: experimentId, name: 'ranker' },
      job: null,
      cluster: null,
      deployments: [],
    });

    const one = await gql('query($id: ID!) { modelVersion(id: $id) { version description } }', { id: v1.data!.createModelVersion.id });
    expect(one.data!.modelVersion).toEqual({ version: 1, description: 'first' });
    const page1 = await gql('query($m: ID!) { modelVersions(modelId: $m, first: 1) { edges { node { version } } pageInfo { hasNextPage endCursor } } }', { m: modelId });
    expect(page1.data!.modelVersions.edges).toEqual([{ node: { version: 2 } }]);
    expect(page1.data!.modelVersions.pageInfo.hasNextPage).toBe(true);
    const page2 = await gql('query($m: ID!, $a: String) { modelVersions(modelId: $m, first: 1, after: $a) { edges { node { version } } pageInfo { hasNextPage } } }', {
      m: modelId,
      a: page1.data!.modelVersions.pageInfo.endCursor,
    });
    expect(page2.data!.modelVersions).toEqual({ edges: [{ node: { version: 1 } }], pageInfo: { hasNextPage: false } });
    const listed = await gql('query($p: ID) { registeredModels(projectId: $p, search: "RANK") { edges { node { name } } } }', { p: projectId });
    expect(listed.data!.registeredModels.edges).toEqual([{ node: { name: 'ranker' } }]);
  });
  it('lists many models with their projects and aliases, loaded together, each as its own model page shows it', async () => {
    const team = await createTeam(A.ctx, { name: 'Listing' });
    const projects = [
      (await createProject(A.ctx, { teamId: team.id, name: 'Fraud' })).id,
      (await createProject(A.ctx, { teamId: team.id, name: 'Churn' })).id,
    ];
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const model = await createRegisteredModel(A.ctx, { projectId: projects[i % 2], name: `listed-${i}` });
      ids.push(model.id);
      if (i === 4) continue; // one model with no alias at all
      await createModelVersion(A.ctx, { model: { modelId: model.id }, source: `s3://models/listed-${i}` });
      await createModelVersion(A.ctx, { model: { modelId: model.id }, source: `s3://models/listed-${i}` });
      await setModelAlias(A.ctx, { model: { modelId: model.id }, alias: 'champion', version: 1 + (i % 2) });
      if (i % 2 === 0) await setModelAlias(A.ctx, { model: { modelId: model.id }, alias: 'challenger', version: 2 });
      if (i === 0) await protectModelAlias(A.ctx, { model: { modelId: model.id }, alias: 'champion', minRole: 'admin' });
      if (i === 2) await protectModelAlias(A.ctx, { model: { modelId: model.id }, alias: 'production', minRole: 'owner' });
    }

    const res = await gql(
      '{ registeredModels(search: "listed-", first: 50) { edges { node { id name project { id } aliases { alias version protection { minRole } history { toVersion } } } } } }',
    );
    expect(res.errors).toBeUndefined();
    const nodes = (res.data!.registeredModels.edges as { node: { id: string; project: { id: string }; aliases: unknown[] } }[]).map((e) => e.node);
    expect(nodes.map((n) => n.id).sort()).toEqual([...ids].sort());
    for (const node of nodes) {
      const i = ids.indexOf(node.id);
      expect(node.project.id).toBe(projects[i % 2]);
      const one = await listModelAliases(A.ctx, { modelId: node.id });
      expect(node.aliases).toEqual(one.map((a) => ({ alias: a.alias, version: a.version, protection: a.protection && { minRole: a.protection.minRole }, history: a.history.map((h) => ({ toVersion: h.toVersion })) })));
    }
    const byName = Object.fromEntries(nodes.map((n) => [ids.indexOf(n.id), n.aliases]));
    expect(byName[0]).toEqual([
      expect.objectContaining({ alias: 'challenger', version: 2, protection: null }),
      expect.objectContaining({ alias: 'champion', version: 1, protection: { minRole: 'admin' } }),
    ]);
    expect(byName[2]).toContainEqual(expect.objectContaining({ alias: 'production', version: null, protection: { minRole: 'owner' } }));
    expect(byName[4]).toEqual([]);
  });

  it('edits a model’s description and tags', async () => {
    const created = await gql('mutation($p: ID!) { createRegisteredModel(input: { projectId: $p, name: "editable", tags: [{ key: "a", value: "1" }, { key: "b", value: "2" }] }) { id } }', { p: projectId });
    const modelId = created.data!.createRegisteredModel.id as string;
    const updated = await gql(
      'mutation($m: ID!) { updateRegisteredModel(input: { modelId: $m, description: "ranks the feed", setTags: [{ key: "a", value: "9" }, { key: "c", value: "3" }], deleteTagKeys: ["b"] }) { id description tags { key value } } }',
      { m: modelId },
    );
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateRegisteredModel).toEqual({
      id: modelId,
      description: 'ranks the feed',
      tags: [
        { key: 'a', value: '9' },
        { key: 'c', value: '3' },
      ],
    });
    // Only the tags change when no description is given.
    const tagsOnly = await gql('mutation($m: ID!) { updateRegisteredModel(input: { modelId: $m, deleteTagKeys: ["c"] }) { description tags { key } } }', { m: modelId });
    expect(tagsOnly.data!.updateRegisteredModel).toEqual({ description: 'ranks the feed', tags: [{ key: 'a' }] });

    const tooLong = await gql('mutation($m: ID!, $d: String) { updateRegisteredModel(input: { modelId: $m, description: $d }) { id } }', { m: modelId, d: 'x'.repeat(5001) });
    expect(tooLong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const missing = await gql('mutation { updateRegisteredModel(input: { modelId: "rm_01m8bhpd5mf1mgwdfb0h6he24r", description: "x" }) { id } }');
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

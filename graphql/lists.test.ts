import type { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp } from '../core/auth/sign-up';
import { acceptInvitation } from '../core/tenancy/accept-invitation';
import { createInvitation } from '../core/tenancy/create-invitation';
import { createProject } from '../core/tenancy/create-project';
import { addTeamMember } from '../core/tenancy/add-team-member';
import { createTeam } from '../core/tenancy/create-team';
import { getTeam } from '../core/tenancy/get-team';
import { listTeamMembers } from '../core/tenancy/list-team-members';
import { signUpUser, testMeta, uniqueEmail, type SignedUp } from '../testing/fixtures';
import { createExperiment } from '../core/tracking/create-experiment';
import { createRun } from '../core/tracking/create-run';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import { createGraphQLContext, type GraphQLContext } from './context';
import { apolloServer } from './server';

/**
 * Fields of list items that are loaded together per request (graphql/batch.ts): the answers
 * must be exactly what the one-item use cases give, item by item.
 */

let db: TestDatabase;
let server: ApolloServer<GraphQLContext>;
let A: SignedUp;
let B: SignedUp;
const teamIds: string[] = [];
const projectIds: string[] = [];

async function gql(who: SignedUp, query: string, variables: Record<string, unknown> = {}) {
  const contextValue = createGraphQLContext({ meta: testMeta(), actor: who.actor, requestedOrgId: who.orgId });
  const res = await server.executeOperation({ query, variables }, { contextValue });
  if (res.body.kind !== 'single') throw new Error('expected a single result');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return res.body.singleResult as { data?: Record<string, any>; errors?: { message: string }[] };
}

beforeAll(async () => {
  db = await createTestDatabase();
  server = apolloServer();
  A = await signUpUser('lists');
  B = await signUpUser('lists-other');
  const others: string[] = [];
  for (const name of ['Ada', 'Grace']) {
    const email = uniqueEmail(name.toLowerCase());
    const { url } = await createInvitation(A.ctx, { email, role: 'member' });
    const r = await signUp(testMeta(), { email, name, password: 'a-strong-passphrase-1', createOrganization: false });
    await acceptInvitation({ kind: 'user', userId: r.userId, email }, testMeta(), url.split('/').pop()!);
    others.push(r.userId);
  }
  for (let i = 0; i < 3; i++) {
    const team = await createTeam(A.ctx, { name: `Team ${i}` });
    teamIds.push(team.id);
    for (const [j, userId] of others.entries()) if (j <= i - 1) await addTeamMember(A.ctx, { teamId: team.id, userId, role: j === 0 ? 'maintainer' : 'member' });
    for (let p = 0; p < 2; p++) projectIds.push((await createProject(A.ctx, { teamId: team.id, name: `Project ${i}-${p}` })).id);
  }
  await createTeam(B.ctx, { name: 'Elsewhere' });
});

afterAll(async () => {
  await db.drop();
});

describe('list fields loaded together', () => {
  it('teams with their members, and projects with their team, as the one-item use cases answer', async () => {
    const teams = await gql(A, '{ teams(first: 50) { edges { node { id name members { role user { id email } } } } } }');
    expect(teams.errors).toBeUndefined();
    const nodes = teams.data!.teams.edges.map((e: { node: { id: string; members: unknown[] } }) => e.node) as { id: string; members: unknown[] }[];
    expect(nodes.map((n) => n.id).sort()).toEqual([...teamIds].sort());
    for (const n of nodes) {
      const one = await listTeamMembers(A.ctx, n.id);
      expect(n.members).toEqual(one.map((m) => ({ role: m.role, user: { id: m.userId, email: m.email } })));
    }
    expect(nodes.map((n) => n.members.length).sort()).toEqual([1, 2, 3]);

    const projects = await gql(A, '{ projects(first: 50) { edges { node { id team { id name } } } } }');
    expect(projects.errors).toBeUndefined();
    for (const { node } of projects.data!.projects.edges as { node: { id: string; team: { id: string; name: string } } }[]) {
      expect(projectIds).toContain(node.id);
      const team = await getTeam(A.ctx, node.team.id);
      expect(node.team).toEqual({ id: team.id, name: team.name });
    }
  });

  it('experiments with their project and runs with their experiment', async () => {
    const exps = [];
    for (let i = 0; i < 3; i++) exps.push(await createExperiment(A.ctx, { projectId: projectIds[i]!, name: `exp-${i}` }));
    for (let i = 0; i < 4; i++) await createRun(A.ctx, { experimentId: exps[0]!.id, runName: `r${i}` });
    const res = await gql(A, '{ experiments(projectId: $p, first: 50) { edges { node { id project { id } } } } }'.replace('$p', JSON.stringify(projectIds[1])));
    expect(res.errors).toBeUndefined();
    expect(res.data!.experiments.edges.map((e: { node: { project: { id: string } } }) => e.node.project.id)).toEqual([projectIds[1]]);
    const runs = await gql(A, '{ runs(experimentId: $e, first: 50) { edges { node { name experiment { id name } } } } }'.replace('$e', JSON.stringify(exps[0]!.id)));
    expect(runs.errors).toBeUndefined();
    const rows = runs.data!.runs.edges.map((e: { node: { name: string; experiment: { id: string; name: string } } }) => e.node);
    expect(rows).toHaveLength(4);
    for (const r of rows) expect(r.experiment).toEqual({ id: exps[0]!.id, name: 'exp-0' });
  });

  it('loads nothing of another organization through a list field', async () => {
    const theirs = await gql(B, '{ teams(first: 50) { edges { node { id members { user { email } } } } } }');
    expect(theirs.errors).toBeUndefined();
    const ids = theirs.data!.teams.edges.map((e: { node: { id: string } }) => e.node.id);
    for (const id of teamIds) expect(ids).not.toContain(id);
    expect(theirs.data!.teams.edges.flatMap((e: { node: { members: { user: { email: string } }[] } }) => e.node.members.map((m) => m.user.email))).toEqual([B.actor.email]);
  });
});

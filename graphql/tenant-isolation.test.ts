import type { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../core/auth/create-api-key';
import { listClusters } from '../core/compute/list-clusters';
import { createEvaluation } from '../core/evaluation/create-evaluation';
import { setEvaluationPolicy } from '../core/evaluation/set-evaluation-policy';
import { recordChildTrainingJob } from '../core/training/record-training-job';
import { createModelVersion } from '../core/registry/create-model-version';
import { createRegisteredModel } from '../core/registry/create-registered-model';
import { setModelAlias } from '../core/registry/set-model-alias';
import { createInvitation } from '../core/tenancy/create-invitation';
import { listMembers } from '../core/tenancy/list-members';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { setBudget } from '../core/costs/budgets';
import { createExperiment } from '../core/tracking/create-experiment';
import { createRun } from '../core/tracking/create-run';
import { logBatch } from '../core/tracking/log-batch';
import { signUpUser, testMeta, type SignedUp } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import { createGraphQLContext, type GraphQLContext } from './context';
import { schema } from './schema';
import { apolloServer } from './server';

/**
 * User B drives every query and mutation in the schema with user A's IDs.
 * Each must answer NOT_FOUND or only B's own data, and A's data must be unchanged.
 * Adding a root field without a case here fails the coverage test.
 */
let db: TestDatabase;
let server: ApolloServer<GraphQLContext>;
let A: SignedUp;
let B: SignedUp;
const ids = { team: '', project: '', invitation: '', inviteToken: '', apiKey: '', membership: '', bTeam: '', experiment: '', run: '', model: '', modelVersion: '', bModel: '', cluster: '', job: '', evaluation: '', retrainingPolicy: '', deployment: '', alertRule: '', alert: '', notification: '', webhookEndpoint: '', rollout: '', budget: '', stripeCustomer: '' };

async function run(as: SignedUp, query: string, variables: Record<string, unknown> = {}, org: string | null = null) {
  const contextValue = createGraphQLContext({ meta: testMeta(), actor: as.actor, requestedOrgId: org ?? as.orgId });
  const res = await server.executeOperation({ query, variables }, { contextValue });
  if (res.body.kind !== 'single') throw new Error('expected a single result');
  return res.body.singleResult;
}

const codeOf = (r: Awaited<ReturnType<typeof run>>) => r.errors?.[0]?.extensions?.code ?? 'OK';

async function snapshotA() {
  const rows = await db.ownerSql`
    select (select count(*) from teams where org_id = ${A.orgId})::int as teams,
           (select count(*) from projects where org_id = ${A.orgId})::int as projects,
           (select count(*) from memberships where org_id = ${A.orgId})::int as members,
           (select count(*) from invitations where org_id = ${A.orgId} and revoked_at is null)::int as invitations,
           (select count(*) from api_keys where org_id = ${A.orgId} and revoked_at is null)::int as keys,
           (select count(*) from team_memberships where org_id = ${A.orgId})::int as team_members,
           (select count(*) from audit_events where org_id = ${A.orgId})::int as audit,
           (select string_agg(name || lifecycle_stage, ',' order by id) from experiments where org_id = ${A.orgId}) as experiments,
           (select string_agg(name || status || coalesce(end_time, 0), ',' order by id) from runs where org_id = ${A.orgId}) as runs,
           (select count(*) from run_metrics where org_id = ${A.orgId})::int as metric_points,
           (select count(*) from run_params where org_id = ${A.orgId})::int as params,
           (select string_agg(key || '=' || value, ',' order by key) from run_tags where org_id = ${A.orgId}) as run_tags,
           (select string_agg(role::text, ',' order by id) from memberships where org_id = ${A.orgId}) as roles,
           (select string_agg(name || description || next_version, ',' order by id) from registered_models where org_id = ${A.orgId}) as models,
           (select string_agg(version || description, ',' order by id) from model_versions where org_id = ${A.orgId}) as versions,
           (select count(*) from model_version_tags where org_id = ${A.orgId})::int as version_tags,
           (select string_agg(alias || version_id, ',' order by alias) from model_aliases where org_id = ${A.orgId}) as aliases,
           (select count(*) from protected_model_aliases where org_id = ${A.orgId})::int as protected_aliases,
           (select count(*) from model_alias_history where org_id = ${A.orgId})::int as alias_events,
           (select string_agg(name || status || cpu_core_hour_micros || coalesce(encrypted_config, ''), ',' order by id) from clusters where org_id = ${A.orgId}) as clusters,
           (select count(*) from cluster_gpu_prices where org_id = ${A.orgId})::int as gpu_prices,
           (select string_agg(status || coalesce(cancel_requested_at::text, ''), ',' order by id) from training_jobs where org_id = ${A.orgId}) as jobs,
           (select string_agg(array_to_string(checks, ';'), ',' order by id) from (select id, array(select jsonb_array_elements_text(checks)) as checks from evaluation_policies where org_id = ${A.orgId}) p) as evaluation_policies,
           (select string_agg(status::text, ',' order by id) from evaluations where org_id = ${A.orgId}) as evaluations,
           (select string_agg(cron || paused || coalesce(deleted_at::text, ''), ',' order by id) from retraining_policies where org_id = ${A.orgId}) as retraining,
           (select string_agg(enabled || '/' || interval_minutes, ',') from drift_monitors where org_id = ${A.orgId}) as drift_monitors,
           (select string_agg(name || metric::text || threshold, ',' order by id) from alert_rules where org_id = ${A.orgId}) as alert_rules,
           (select string_agg(status::text || count, ',' order by id) from alerts where org_id = ${A.orgId}) as alerts,
           (select string_agg(coalesce(read_at::text, 'unread'), ',' order by id) from notifications where org_id = ${A.orgId}) as notifications,
           (select string_agg(url || enabled || coalesce(deleted_at::text, ''), ',' order by id) from webhook_endpoints where org_id = ${A.orgId}) as webhooks,
           (select string_agg(state::text || coalesce(approved_by, ''), ',' order by id) from rollouts where org_id = ${A.orgId}) as rollouts,
           (select string_agg(name || traffic_generation || sample_rate || coalesce(rate_limit_per_second, 0) || traffic::text, ',' order by id) from deployments where org_id = ${A.orgId}) as deployments,
           (select count(*) from predictions where org_id = ${A.orgId})::int as predictions,
           (select string_agg(amount_micros || array_to_string(thresholds, ';') || action::text, ',' order by id) from budgets where org_id = ${A.orgId}) as budgets,
           (select count(*) || '/' || coalesce(sum(amount_micros), 0) from cost_lines where org_id = ${A.orgId}) as cost_lines,
           (select string_agg(stripe_customer_id || coalesce(subscription_status, ''), ',') from billing_accounts where org_id = ${A.orgId}) as billing`;
  return rows[0];
}

beforeAll(async () => {
  db = await createTestDatabase();
  server = apolloServer();
  A = await signUpUser('tenant-a');
  B = await signUpUser('tenant-b');
  const team = await createTeam(A.ctx, { name: 'A team' });
  ids.team = team.id;
  ids.project = (await createProject(A.ctx, { teamId: team.id, name: 'A project' })).id;
  const inv = await createInvitation(A.ctx, { email: 'someone@example.com', role: 'member' });
  ids.invitation = inv.invitation.id;
  ids.inviteToken = inv.url.split('/').pop()!;
  ids.apiKey = (await createApiKey(A.ctx, { name: 'A key', scopes: ['read'] })).apiKey.id;
  ids.membership = (await listMembers(A.ctx, { first: 5 }))[0]!.id;
  ids.bTeam = (await createTeam(B.ctx, { name: 'B team' })).id;
  ids.experiment = (await createExperiment(A.ctx, { projectId: ids.project, name: 'A experiment' })).id;
  ids.run = (await createRun(A.ctx, { experimentId: ids.experiment, runName: 'A run' })).id;
  await logBatch(A.ctx, { runId: ids.run, metrics: [{ key: 'acc', value: 0.9, timestamp: 1, step: 0 }], params: [{ key: 'lr', value: '0.1' }] });
  ids.model = (await createRegisteredModel(A.ctx, { projectId: ids.project, name: 'A model' })).id;
  ids.modelVersion = (await createModelVersion(A.ctx, { model: { modelId: ids.model }, source: `runs:/${ids.run}/model`, runId: ids.run })).id;
  await setModelAlias(A.ctx, { model: { modelId: ids.model }, alias: 'champion', version: 1 });
  ids.bModel = (await createRegisteredModel(B.ctx, { name: 'B model' })).id;
  ids.cluster = (await listClusters(A.ctx))[0]!.id;
  // Jobs recorded without starting their workflows: no Temporal server is needed to check who may see them.
  ids.job = (await recordChildTrainingJob(A.ctx, { project: ids.project, command: ['true'] })).id;
  await setEvaluationPolicy(A.ctx, { model: { modelId: ids.model }, checks: ['acc >= 0.5'], jobTemplate: { command: ['true'] } });
  ids.evaluation = (await createEvaluation(A.ctx, { modelVersionId: ids.modelVersion })).id;
  ids.retrainingPolicy = 'rtp_' + ids.model.slice(3);
  await db.ownerSql`insert into retraining_policies (id, org_id, model_id, name, job_template, cron, created_by)
    values (${ids.retrainingPolicy}, ${A.orgId}, ${ids.model}, 'nightly', ${db.ownerSql.json({ project: ids.project, command: ['true'] })}, '0 3 * * *', ${A.actor.userId})`;
  // A's deployment with a rule, an open alert, a notification and a webhook endpoint (rows as the monitor writes them).
  ids.deployment = 'dep_' + ids.model.slice(3);
  ids.alertRule = 'alr_' + ids.model.slice(3);
  ids.alert = 'alt_' + ids.model.slice(3);
  ids.notification = 'ntf_' + ids.model.slice(3);
  ids.webhookEndpoint = 'whe_' + ids.model.slice(3);
  await db.ownerSql`insert into deployments (id, org_id, project_id, model_id, name, cluster_id, traffic)
    values (${ids.deployment}, ${A.orgId}, ${ids.project}, ${ids.model}, 'a-endpoint', ${ids.cluster}, ${db.ownerSql.json({ arms: [{ versionId: ids.modelVersion, version: 1, weight: 100, role: 'stable' }], sticky: null, shadows: [] })})`;
  await db.ownerSql`insert into drift_monitors (deployment_id, org_id) values (${ids.deployment}, ${A.orgId})`;
  await db.ownerSql`insert into alert_rules (id, org_id, deployment_id, name, metric, threshold) values (${ids.alertRule}, ${A.orgId}, ${ids.deployment}, 'drift', 'psi', 0.2)`;
  await db.ownerSql`insert into alerts (id, org_id, rule_id, deployment_id, first_at, last_at, value, summary, last_window_end)
    values (${ids.alert}, ${A.orgId}, ${ids.alertRule}, ${ids.deployment}, now(), now(), 0.5, 'PSI is 0.5', now())`;
  await db.ownerSql`insert into notifications (id, org_id, user_id, kind, title, body, alert_id, event_key)
    values (${ids.notification}, ${A.orgId}, ${A.actor.userId}, 'alert', 'drift on a-endpoint', 'PSI is 0.5', ${ids.alert}, 'alert/x/1')`;
  await db.ownerSql`insert into webhook_endpoints (id, org_id, url, secret_encrypted) values (${ids.webhookEndpoint}, ${A.orgId}, 'https://a.example.com/hook', 'v1:x:y:z')`;
  // A running rollout on that deployment, written directly: the version has no model files to serve and no Temporal runs here.
  ids.rollout = 'ro_' + ids.model.slice(3);
  await db.ownerSql`insert into rollouts (id, org_id, deployment_id, n, from_version_id, from_version, to_version_id, to_version, plan, state, started_by_label)
    values (${ids.rollout}, ${A.orgId}, ${ids.deployment}, 1, ${ids.modelVersion}, 1, ${ids.modelVersion}, 1, ${db.ownerSql.json({ steps: [{ weight: 100, minRequests: 1, minDurationSeconds: 1 }], thresholds: {}, requireApproval: true, stepTimeoutSeconds: 60 })}, 'paused', ${A.actor.email})`;
  // A's Stripe customer and subscription, as the webhooks leave them (billing is off in this file: no Stripe key).
  ids.stripeCustomer = 'cus_' + ids.model.slice(3);
  await db.ownerSql`insert into billing_accounts (org_id, stripe_customer_id, subscription_id, subscription_plan, subscription_status, state_at)
    values (${A.orgId}, ${ids.stripeCustomer}, ${'sub_' + ids.model.slice(3)}, 'team', 'active', now())`;
  await db.ownerSql`insert into predictions (org_id, deployment_id, model_version_id, version, arm, request_id, protocol, at, latency_ms, status)
    values (${A.orgId}, ${ids.deployment}, ${ids.modelVersion}, 1, 'stable', 'r1', 'oip', now(), 3, 200)`;
  // A's budget and a ledger line charged to A's team, run and model version.
  ids.budget = (await setBudget(A.ctx, { teamId: ids.team, amountMicros: 5_000_000 })).id;
  await db.ownerSql`insert into cost_lines (id, org_id, source, source_key, amount_micros, occurred_at, team_id, project_id, run_id, model_version_id)
    values ('cl_' || ${ids.model.slice(3)}, ${A.orgId}, 'training', 'test/a', 1234567, now(), ${ids.team}, ${ids.project}, ${ids.run}, ${ids.modelVersion})`;
});
afterAll(async () => {
  await db.drop();
});

/** Hostile input for the cluster mutations: B's own request, refused before anything is run or reached. */
const EXEC_KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://k8s.example.com" } }]
users: [{ name: u, user: { exec: { apiVersion: client.authentication.k8s.io/v1, command: /bin/touch, args: [/tmp/gantry-pwned] } } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

type Case = { name: string; query: string; vars?: () => Record<string, unknown>; expect: 'NOT_FOUND' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'UNAVAILABLE' | ((data: Record<string, unknown>) => void) };

const noAData = (data: Record<string, unknown>) => {
  const s = JSON.stringify(data);
  for (const [k, v] of Object.entries(ids)) if (k !== 'bTeam' && k !== 'bModel' && v) expect(s).not.toContain(v);
  expect(s).not.toContain(A.orgId);
  expect(s).not.toContain(A.actor.email);
};

const cases: Record<string, Case[]> = {
  viewer: [{ name: 'own viewer', query: '{ viewer { user { email } organization { id } role } }', expect: noAData }],
  organization: [{ name: 'current org', query: '{ organization { id name } }', expect: noAData }],
  organizations: [{ name: 'my orgs', query: '{ organizations { id name } }', expect: noAData }],
  // The same for every caller: which features can be used, and Temporal's state.
  platformStatus: [{ name: 'platform status', query: '{ platformStatus { temporal { state } features { key state } } }', expect: noAData }],
  members: [{ name: 'members', query: '{ members { edges { node { id user { email } } } } }', expect: noAData }],
  teams: [{ name: 'teams', query: '{ teams { edges { node { id name } } } }', expect: noAData }],
  team: [{ name: 'A team by id', query: 'query($id: ID!) { team(id: $id) { id } }', vars: () => ({ id: ids.team }), expect: 'NOT_FOUND' }],
  projects: [
    { name: 'projects', query: '{ projects { edges { node { id } } } }', expect: noAData },
    { name: 'projects of A team', query: 'query($t: ID) { projects(teamId: $t) { edges { node { id } } } }', vars: () => ({ t: ids.team }), expect: noAData },
  ],
  project: [{ name: 'A project by id', query: 'query($id: ID!) { project(id: $id) { id } }', vars: () => ({ id: ids.project }), expect: 'NOT_FOUND' }],
  invitations: [{ name: 'invitations', query: '{ invitations(pendingOnly: false) { id email } }', expect: noAData }],
  // Bearer-token semantics: the link itself is the credential, so anyone holding it may read its preview.
  invitationPreview: [{ name: 'preview by token', query: 'query($t: String!) { invitationPreview(token: $t) { organizationName } }', vars: () => ({ t: ids.inviteToken }), expect: () => {} }],
  apiKeys: [{ name: 'api keys', query: '{ apiKeys { edges { node { id name } } } }', expect: noAData }],
  auditEvents: [
    { name: 'audit events', query: '{ auditEvents { events { id targetId actorLabel } } }', expect: noAData },
    {
      name: 'audit events filtered by A team',
      query: 'query($t: String!) { auditEvents(filter: { targetType: "team", targetId: $t }) { events { id } } }',
      vars: () => ({ t: ids.team }),
      expect: (d) => expect(d).toEqual({ auditEvents: { events: [] } }),
    },
    {
      name: 'audit events filtered by A user',
      query: 'query($u: String!) { auditEvents(filter: { actorUserId: $u }) { events { id } } }',
      vars: () => ({ u: A.actor.userId }),
      expect: (d) => expect(d).toEqual({ auditEvents: { events: [] } }),
    },
  ],
  auditFacets: [{ name: 'audit facets', query: '{ auditFacets { actions { action count } targetTypes { targetType } actors { userId apiKeyId apiKeyName label } } }', expect: noAData }],
  auditChain: [{ name: 'audit chain', query: '{ auditChain { valid checkedEvents } }', expect: (d) => expect(d).toMatchObject({ auditChain: { valid: true } }) }],

  createOrganization: [{ name: 'creates B’s own org', query: 'mutation { createOrganization(input: { name: "B second" }) { id } }', expect: noAData }],
  inviteMember: [{ name: 'invites into B’s org', query: 'mutation { inviteMember(input: { email: "x@example.com" }) { invitation { id } } }', expect: noAData }],
  revokeInvitation: [{ name: 'A invitation', query: 'mutation($id: ID!) { revokeInvitation(id: $id) { id } }', vars: () => ({ id: ids.invitation }), expect: 'NOT_FOUND' }],
  acceptInvitation: [{ name: 'A invitation for another email', query: 'mutation($t: String!) { acceptInvitation(token: $t) { organizationId } }', vars: () => ({ t: ids.inviteToken }), expect: 'FORBIDDEN' }],
  changeMemberRole: [{ name: 'A membership', query: 'mutation($id: ID!) { changeMemberRole(input: { membershipId: $id, role: viewer }) { id } }', vars: () => ({ id: ids.membership }), expect: 'NOT_FOUND' }],
  removeMember: [{ name: 'A membership', query: 'mutation($id: ID!) { removeMember(input: { membershipId: $id }) }', vars: () => ({ id: ids.membership }), expect: 'NOT_FOUND' }],
  createTeam: [{ name: 'creates in B', query: 'mutation { createTeam(input: { name: "B other" }) { id } }', expect: noAData }],
  addTeamMember: [
    { name: 'into A team', query: 'mutation($t: ID!, $u: ID!) { addTeamMember(input: { teamId: $t, userId: $u }) { id } }', vars: () => ({ t: ids.team, u: B.actor.userId }), expect: 'NOT_FOUND' },
    { name: 'A user into B team', query: 'mutation($t: ID!, $u: ID!) { addTeamMember(input: { teamId: $t, userId: $u }) { id } }', vars: () => ({ t: ids.bTeam, u: A.actor.userId }), expect: 'NOT_FOUND' },
  ],
  removeTeamMember: [{ name: 'from A team', query: 'mutation($t: ID!, $u: ID!) { removeTeamMember(input: { teamId: $t, userId: $u }) { id } }', vars: () => ({ t: ids.team, u: A.actor.userId }), expect: 'NOT_FOUND' }],
  createProject: [{ name: 'in A team', query: 'mutation($t: ID!) { createProject(input: { teamId: $t, name: "sneaky" }) { id } }', vars: () => ({ t: ids.team }), expect: 'NOT_FOUND' }],
  createApiKey: [{ name: 'creates for B', query: 'mutation { createApiKey(input: { name: "b", scopes: [read] }) { apiKey { id } } }', expect: noAData }],
  experiments: [{ name: 'of A project', query: 'query($p: ID!) { experiments(projectId: $p, includeDeleted: true) { edges { node { id } } } }', vars: () => ({ p: ids.project }), expect: noAData }],
  experiment: [{ name: 'A experiment by id', query: 'query($id: ID!) { experiment(id: $id) { id } }', vars: () => ({ id: ids.experiment }), expect: 'NOT_FOUND' }],
  runs: [
    {
      name: 'of A experiment',
      query: 'query($e: ID!) { runs(experimentId: $e, filter: { viewType: ALL, metrics: [{ key: "acc", op: GT, value: 0 }] }, orderBy: [{ metric: "acc" }]) { edges { node { id } } } }',
      vars: () => ({ e: ids.experiment }),
      expect: noAData,
    },
    {
      name: 'of A experiment, counted and sorted by creator',
      query: 'query($e: ID!) { runs(experimentId: $e, orderBy: [{ attribute: CREATOR }, { attribute: DURATION }]) { totalCount edges { node { id createdBy { label } modelVersions { id } } } } }',
      vars: () => ({ e: ids.experiment }),
      expect: (d) => {
        noAData(d);
        expect(d).toEqual({ runs: { totalCount: 0, edges: [] } });
      },
    },
  ],
  run: [{ name: 'A run by id', query: 'query($id: ID!) { run(id: $id) { id params { key } } }', vars: () => ({ id: ids.run }), expect: 'NOT_FOUND' }],
  recentRuns: [{ name: 'newest runs', query: '{ recentRuns(first: 50) { id name keyMetric { key } singleValueMetrics job { id } experiment { id } } }', expect: noAData }],
  metricSeries: [{ name: 'A run series', query: 'query($id: ID!) { metricSeries(runId: $id, key: "acc") { totalPoints } }', vars: () => ({ id: ids.run }), expect: 'NOT_FOUND' }],
  createExperiment: [{ name: 'in A project', query: 'mutation($p: ID!) { createExperiment(input: { projectId: $p, name: "sneaky" }) { id } }', vars: () => ({ p: ids.project }), expect: 'NOT_FOUND' }],
  createRun: [{ name: 'in A experiment', query: 'mutation($e: ID!) { createRun(input: { experimentId: $e }) { id } }', vars: () => ({ e: ids.experiment }), expect: 'NOT_FOUND' }],
  updateRun: [{ name: 'A run', query: 'mutation($id: ID!) { updateRun(input: { runId: $id, status: KILLED }) { id } }', vars: () => ({ id: ids.run }), expect: 'NOT_FOUND' }],
  logBatch: [
    {
      name: 'into A run',
      query: 'mutation($id: ID!) { logBatch(input: { runId: $id, metrics: [{ key: "acc", value: "NaN", step: 5 }], params: [{ key: "x", value: "1" }] }) { metricsWritten } }',
      vars: () => ({ id: ids.run }),
      expect: 'NOT_FOUND',
    },
  ],
  revokeApiKey: [{ name: 'A key', query: 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', vars: () => ({ id: ids.apiKey }), expect: 'NOT_FOUND' }],
  registeredModels: [
    { name: 'search A name', query: '{ registeredModels(search: "A model") { edges { node { id name } } } }', expect: (d) => { noAData(d); expect(JSON.stringify(d)).not.toContain('A model'); } },
    { name: 'of A project', query: 'query($p: ID) { registeredModels(projectId: $p) { edges { node { id } } } }', vars: () => ({ p: ids.project }), expect: noAData },
    { name: 'recently updated', query: '{ registeredModels(orderBy: RECENTLY_UPDATED) { edges { node { id name aliases { alias } } } } }', expect: noAData },
  ],
  registeredModel: [
    { name: 'A model by id', query: 'query($id: ID) { registeredModel(id: $id) { id } }', vars: () => ({ id: ids.model }), expect: 'NOT_FOUND' },
    { name: 'A model by name', query: '{ registeredModel(name: "A model") { id aliases { alias } } }', expect: 'NOT_FOUND' },
  ],
  modelVersions: [{ name: 'of A model', query: 'query($m: ID!) { modelVersions(modelId: $m) { edges { node { id } } } }', vars: () => ({ m: ids.model }), expect: 'NOT_FOUND' }],
  modelVersion: [{ name: 'A version by id', query: 'query($id: ID!) { modelVersion(id: $id) { id source } }', vars: () => ({ id: ids.modelVersion }), expect: 'NOT_FOUND' }],
  lineage: [{ name: 'of A version', query: 'query($id: ID!) { lineage(modelVersionId: $id) { run { id } } }', vars: () => ({ id: ids.modelVersion }), expect: 'NOT_FOUND' }],
  resolveModelUri: [
    { name: 'A alias', query: '{ resolveModelUri(uri: "models:/A model@champion") { artifactLocation } }', expect: 'NOT_FOUND' },
    { name: 'A version', query: '{ resolveModelUri(uri: "models:/A model/1") { artifactLocation } }', expect: 'NOT_FOUND' },
  ],
  createRegisteredModel: [
    { name: 'in A project', query: 'mutation($p: ID!) { createRegisteredModel(input: { projectId: $p, name: "sneaky" }) { id } }', vars: () => ({ p: ids.project }), expect: 'NOT_FOUND' },
  ],
  createModelVersion: [
    { name: 'of A model', query: 'mutation($m: ID!) { createModelVersion(input: { modelId: $m, source: "s3://b/x" }) { id } }', vars: () => ({ m: ids.model }), expect: 'NOT_FOUND' },
    {
      name: 'from A run into B model',
      query: 'mutation($m: ID!, $r: ID!) { createModelVersion(input: { modelId: $m, runId: $r, artifactPath: "model" }) { id } }',
      vars: () => ({ m: ids.bModel, r: ids.run }),
      expect: 'NOT_FOUND',
    },
    {
      name: 'A run artifacts as a source',
      query: 'mutation($m: ID!, $s: String!) { createModelVersion(input: { modelId: $m, source: $s }) { id } }',
      vars: () => ({ m: ids.bModel, s: `mlflow-artifacts:/${ids.experiment}/${ids.run}/artifacts/model` }),
      expect: 'NOT_FOUND',
    },
  ],
  updateRegisteredModel: [
    { name: 'A model', query: 'mutation($m: ID!) { updateRegisteredModel(input: { modelId: $m, description: "x", setTags: [{ key: "k", value: "v" }] }) { id } }', vars: () => ({ m: ids.model }), expect: 'NOT_FOUND' },
  ],
  updateModelVersion: [
    { name: 'A version', query: 'mutation($id: ID!) { updateModelVersion(input: { modelVersionId: $id, description: "x", setTags: [{ key: "k", value: "v" }] }) { id } }', vars: () => ({ id: ids.modelVersion }), expect: 'NOT_FOUND' },
  ],
  setModelAlias: [{ name: 'on A model', query: 'mutation($m: ID!) { setModelAlias(input: { modelId: $m, alias: "champion", version: 1 }) { id } }', vars: () => ({ m: ids.model }), expect: 'NOT_FOUND' }],
  deleteModelAlias: [{ name: 'on A model', query: 'mutation($m: ID!) { deleteModelAlias(input: { modelId: $m, alias: "champion" }) }', vars: () => ({ m: ids.model }), expect: 'NOT_FOUND' }],
  protectModelAlias: [
    { name: 'on A model', query: 'mutation($m: ID!) { protectModelAlias(input: { modelId: $m, alias: "champion", minRole: owner }) { alias } }', vars: () => ({ m: ids.model }), expect: 'NOT_FOUND' },
  ],
  runArtifacts: [{ name: 'A run artifacts', query: 'query($id: ID!) { runArtifacts(runId: $id) { path size contentType } }', vars: () => ({ id: ids.run }), expect: 'NOT_FOUND' }],
  clusters: [{ name: 'clusters', query: '{ clusters { id name } }', expect: noAData }],
  exampleJobs: [{ name: 'bundled examples', query: '{ exampleJobs { id title specJson } }', expect: noAData }],
  cluster: [{ name: 'A cluster by id', query: 'query($id: ID!) { cluster(id: $id) { id } }', vars: () => ({ id: ids.cluster }), expect: 'NOT_FOUND' }],
  jobs: [{ name: 'jobs', query: '{ jobs { edges { node { id } } } }', expect: noAData }],
  job: [{ name: 'A job by id', query: 'query($id: ID!) { job(id: $id) { id } }', vars: () => ({ id: ids.job }), expect: 'NOT_FOUND' }],
  jobLogs: [{ name: 'A job logs', query: 'query($id: ID!) { jobLogs(jobId: $id) { text } }', vars: () => ({ id: ids.job }), expect: 'NOT_FOUND' }],
  evaluations: [{ name: 'of A version', query: 'query($id: ID!) { evaluations(modelVersionId: $id) { id } }', vars: () => ({ id: ids.modelVersion }), expect: 'NOT_FOUND' }],
  evaluation: [{ name: 'A evaluation', query: 'query($id: ID!) { evaluation(id: $id) { id } }', vars: () => ({ id: ids.evaluation }), expect: 'NOT_FOUND' }],
  evaluationPolicy: [{ name: 'of A model', query: 'query($id: ID!) { evaluationPolicy(modelId: $id) { id } }', vars: () => ({ id: ids.model }), expect: 'NOT_FOUND' }],
  retrainingPolicies: [{ name: 'of A model', query: 'query($id: ID!) { retrainingPolicies(modelId: $id) { id } }', vars: () => ({ id: ids.model }), expect: 'NOT_FOUND' }],
  checkClusterConnection: [
    {
      name: 'a kubeconfig that would run a command',
      query: 'mutation($k: String!) { checkClusterConnection(input: { name: "x", namespace: "ml", kubeconfig: $k }) { ok } }',
      vars: () => ({ k: EXEC_KUBECONFIG }),
      expect: 'BAD_USER_INPUT',
    },
  ],
  connectCluster: [
    {
      name: 'a kubeconfig that would run a command',
      query: 'mutation($k: String!) { connectCluster(input: { name: "x", namespace: "ml", kubeconfig: $k }) { id } }',
      vars: () => ({ k: EXEC_KUBECONFIG }),
      expect: 'BAD_USER_INPUT',
    },
  ],
  recheckCluster: [{ name: 'A cluster', query: 'mutation($id: ID!) { recheckCluster(id: $id) { id } }', vars: () => ({ id: ids.cluster }), expect: 'NOT_FOUND' }],
  removeCluster: [{ name: 'A cluster', query: 'mutation($id: ID!) { removeCluster(id: $id) { id } }', vars: () => ({ id: ids.cluster }), expect: 'NOT_FOUND' }],
  updateClusterPrices: [
    { name: 'A cluster', query: 'mutation($id: ID!) { updateClusterPrices(input: { clusterId: $id, cpuCoreHourMicros: "1", memoryGibHourMicros: "1" }) { id } }', vars: () => ({ id: ids.cluster }), expect: 'NOT_FOUND' },
  ],
  submitTrainingJob: [
    { name: 'in A project', query: 'mutation($p: String!) { submitTrainingJob(input: { project: $p, command: ["true"] }) { id } }', vars: () => ({ p: ids.project }), expect: 'NOT_FOUND' },
  ],
  cancelJob: [{ name: 'A job', query: 'mutation($id: ID!) { cancelJob(id: $id) { id } }', vars: () => ({ id: ids.job }), expect: 'NOT_FOUND' }],
  setEvaluationPolicy: [
    { name: 'on A model', query: 'mutation($m: ID!) { setEvaluationPolicy(modelId: $m, checks: ["acc >= 0"], jobTemplate: { command: ["true"] }) { id } }', vars: () => ({ m: ids.model }), expect: 'NOT_FOUND' },
  ],
  startBatchPrediction: [
    { name: 'with A model', query: 'mutation($m: ID!) { startBatchPrediction(input: { modelId: $m, version: 1, input: "runs:/run_x/data.csv" }) { id } }', vars: () => ({ m: ids.model }), expect: 'NOT_FOUND' },
  ],
  rollouts: [{ name: 'of A deployment', query: 'query($id: ID!) { rollouts(deploymentId: $id) { id } }', vars: () => ({ id: ids.deployment }), expect: 'NOT_FOUND' }],
  rollout: [{ name: 'A rollout', query: 'query($id: ID!) { rollout(id: $id) { id } }', vars: () => ({ id: ids.rollout }), expect: 'NOT_FOUND' }],
  startRollout: [{ name: 'on A deployment', query: 'mutation($id: ID!) { startRollout(deploymentId: $id, version: 1) { id } }', vars: () => ({ id: ids.deployment }), expect: 'NOT_FOUND' }],
  approveRollout: [{ name: 'A rollout', query: 'mutation($id: ID!) { approveRollout(id: $id) { id } }', vars: () => ({ id: ids.rollout }), expect: 'NOT_FOUND' }],
  pauseRollout: [{ name: 'A rollout', query: 'mutation($id: ID!) { pauseRollout(id: $id) { id } }', vars: () => ({ id: ids.rollout }), expect: 'NOT_FOUND' }],
  resumeRollout: [{ name: 'A rollout', query: 'mutation($id: ID!) { resumeRollout(id: $id) { id } }', vars: () => ({ id: ids.rollout }), expect: 'NOT_FOUND' }],
  abortRollout: [{ name: 'A rollout', query: 'mutation($id: ID!) { abortRollout(id: $id, reason: "x") { id } }', vars: () => ({ id: ids.rollout }), expect: 'NOT_FOUND' }],
  skipRolloutAnalysis: [{ name: 'A rollout', query: 'mutation($id: ID!) { skipRolloutAnalysis(id: $id) { id } }', vars: () => ({ id: ids.rollout }), expect: 'NOT_FOUND' }],
  startEvaluation: [{ name: 'of A version', query: 'mutation($id: ID!) { startEvaluation(modelVersionId: $id) { id } }', vars: () => ({ id: ids.modelVersion }), expect: 'NOT_FOUND' }],
  createRetrainingPolicy: [
    {
      name: 'on A model',
      query: 'mutation($m: ID!) { createRetrainingPolicy(input: { modelId: $m, cron: "@daily", evaluate: false, jobTemplate: { command: ["true"] } }) { id } }',
      vars: () => ({ m: ids.model }),
      expect: 'NOT_FOUND',
    },
  ],
  setRetrainingPaused: [{ name: 'A policy', query: 'mutation($id: ID!) { setRetrainingPaused(policyId: $id, paused: true) { id } }', vars: () => ({ id: ids.retrainingPolicy }), expect: 'NOT_FOUND' }],
  triggerRetraining: [{ name: 'A policy', query: 'mutation($id: ID!) { triggerRetraining(policyId: $id) }', vars: () => ({ id: ids.retrainingPolicy }), expect: 'NOT_FOUND' }],
  deleteRetrainingPolicy: [{ name: 'A policy', query: 'mutation($id: ID!) { deleteRetrainingPolicy(policyId: $id) }', vars: () => ({ id: ids.retrainingPolicy }), expect: 'NOT_FOUND' }],
  deploymentMonitoring: [
    { name: 'A deployment by id', query: 'query($id: ID!) { deploymentMonitoring(deploymentId: $id) { deploymentId } }', vars: () => ({ id: ids.deployment }), expect: 'NOT_FOUND' },
    { name: 'A deployment by name', query: '{ deploymentMonitoring(name: "a-endpoint") { deploymentId } }', expect: 'NOT_FOUND' },
  ],
  alerts: [
    { name: 'of A deployment', query: 'query($id: ID!) { alerts(deploymentId: $id, includeResolved: true) { id summary } }', vars: () => ({ id: ids.deployment }), expect: noAData },
    { name: 'all', query: '{ alerts(includeResolved: true) { id summary deploymentName } }', expect: noAData },
  ],
  notifications: [{ name: 'own', query: '{ notifications { unread items { id title } } }', expect: noAData }],
  webhookEndpoints: [{ name: 'own', query: '{ webhookEndpoints { id url } }', expect: noAData }],
  webhookDeliveries: [{ name: 'A endpoint', query: 'query($id: ID!) { webhookDeliveries(endpointId: $id) { id } }', vars: () => ({ id: ids.webhookEndpoint }), expect: 'NOT_FOUND' }],
  setDriftMonitor: [{ name: 'A deployment', query: 'mutation($id: ID!) { setDriftMonitor(deploymentId: $id, enabled: false) { enabled } }', vars: () => ({ id: ids.deployment }), expect: 'NOT_FOUND' }],
  runDriftCheck: [{ name: 'A deployment', query: 'mutation($id: ID!) { runDriftCheck(deploymentId: $id) { requestedAt monitor { enabled } } }', vars: () => ({ id: ids.deployment }), expect: 'NOT_FOUND' }],
  createAlertRule: [
    { name: 'on A deployment', query: 'mutation($id: ID!) { createAlertRule(deploymentId: $id, input: { name: "x", metric: psi, threshold: 1 }) { id } }', vars: () => ({ id: ids.deployment }), expect: 'NOT_FOUND' },
  ],
  updateAlertRule: [
    { name: 'A rule', query: 'mutation($id: ID!) { updateAlertRule(ruleId: $id, input: { name: "x", metric: psi, threshold: 9 }) { id } }', vars: () => ({ id: ids.alertRule }), expect: 'NOT_FOUND' },
  ],
  deleteAlertRule: [{ name: 'A rule', query: 'mutation($id: ID!) { deleteAlertRule(ruleId: $id) }', vars: () => ({ id: ids.alertRule }), expect: 'NOT_FOUND' }],
  acknowledgeAlert: [{ name: 'A alert', query: 'mutation($id: ID!) { acknowledgeAlert(alertId: $id) }', vars: () => ({ id: ids.alert }), expect: 'NOT_FOUND' }],
  resolveAlert: [{ name: 'A alert', query: 'mutation($id: ID!) { resolveAlert(alertId: $id) }', vars: () => ({ id: ids.alert }), expect: 'NOT_FOUND' }],
  markNotificationsRead: [
    {
      name: 'A notification',
      query: 'mutation($id: ID!) { markNotificationsRead(ids: [$id]) }',
      vars: () => ({ id: ids.notification }),
      expect: (d) => expect(d.markNotificationsRead).toBe(0),
    },
    { name: 'all of mine', query: 'mutation { markNotificationsRead }', expect: (d) => expect(d.markNotificationsRead).toBe(0) },
  ],
  // B's own endpoint, in B's organization: A's rows are untouched (checked by the snapshot).
  createWebhookEndpoint: [{ name: 'own', query: 'mutation { createWebhookEndpoint(url: "https://b.example.com/hook") { endpoint { id url } secret } }', expect: noAData }],
  deleteWebhookEndpoint: [{ name: 'A endpoint', query: 'mutation($id: ID!) { deleteWebhookEndpoint(endpointId: $id) }', vars: () => ({ id: ids.webhookEndpoint }), expect: 'NOT_FOUND' }],
  deployments: [
    { name: 'deployments', query: '{ deployments { id name traffic { arms { versionNumber } } metrics { requests arms { versionId } } } }', expect: (d) => { noAData(d); expect(d).toEqual({ deployments: [] }); } },
    { name: 'of A project', query: 'query($p: ID) { deployments(projectId: $p) { id } }', vars: () => ({ p: ids.project }), expect: (d) => expect(d).toEqual({ deployments: [] }) },
    { name: 'of A model', query: 'query($m: ID) { deployments(modelId: $m) { id } }', vars: () => ({ m: ids.model }), expect: 'NOT_FOUND' },
  ],
  deployment: [
    { name: 'A deployment by id', query: 'query($id: ID) { deployment(id: $id) { id metrics { requests series { version } } } }', vars: () => ({ id: ids.deployment }), expect: 'NOT_FOUND' },
    { name: 'A deployment by name', query: '{ deployment(name: "a-endpoint") { id endpoint { oipUrl } } }', expect: 'NOT_FOUND' },
  ],
  createDeployment: [
    { name: 'of A model', query: 'mutation($m: ID!) { createDeployment(input: { name: "steal", modelId: $m, version: 1 }) { id } }', vars: () => ({ m: ids.model }), expect: 'NOT_FOUND' },
    { name: 'in A project', query: 'mutation($m: ID!, $p: ID!) { createDeployment(input: { name: "steal", modelId: $m, version: 1, projectId: $p }) { id } }', vars: () => ({ m: ids.bModel, p: ids.project }), expect: 'NOT_FOUND' },
  ],
  updateDeployment: [{ name: 'A deployment', query: 'mutation($id: ID!) { updateDeployment(input: { deploymentId: $id, sampleRate: 1, rateLimitPerSecond: 1 }) { id } }', vars: () => ({ id: ids.deployment }), expect: 'NOT_FOUND' }],
  setDeploymentTraffic: [
    { name: 'A deployment', query: 'mutation($id: ID!) { setDeploymentTraffic(input: { deploymentId: $id, arms: [{ version: 1, weight: 100, role: stable }] }) { id } }', vars: () => ({ id: ids.deployment }), expect: 'NOT_FOUND' },
  ],
  // B's own plan; A's customer and subscription never show.
  billing: [{ name: 'own billing', query: '{ billing { enabled plan usage { seats } subscription { id status } hasCustomer } }', expect: (d) => (noAData(d), expect(d).toMatchObject({ billing: { plan: 'free', subscription: null, hasCustomer: false } })) }],
  // Both act on the caller's own organization only (no ID to point at A's); without a Stripe key billing is off.
  startCheckout: [{ name: 'in B, billing off', query: 'mutation { startCheckout(plan: team) }', expect: 'UNAVAILABLE' }],
  openBillingPortal: [{ name: 'in B, billing off', query: 'mutation { openBillingPortal }', expect: 'UNAVAILABLE' }],
  deleteDeployment: [{ name: 'A deployment', query: 'mutation($id: ID!) { deleteDeployment(id: $id) }', vars: () => ({ id: ids.deployment }), expect: 'NOT_FOUND' }],
  costBreakdown: [
    {
      name: 'of A team',
      query: 'query($t: ID, $f: DateTime!, $u: DateTime!) { costBreakdown(from: $f, to: $u, groupBy: [team, modelVersion], filter: { teamId: $t }) { totalMicros groups { keys { id label } } } }',
      vars: () => ({ t: ids.team, f: new Date(Date.now() - 86_400_000).toISOString(), u: new Date(Date.now() + 86_400_000).toISOString() }),
      expect: (d) => (noAData(d), expect(d).toEqual({ costBreakdown: { totalMicros: '0', groups: [] } })),
    },
  ],
  dailyCosts: [{ name: 'own', query: 'query($f: DateTime!, $t: DateTime!) { dailyCosts(from: $f, to: $t, by: team) { totals series { key { id label } } } }', vars: () => ({ f: new Date(Date.now() - 86_400_000).toISOString(), t: new Date(Date.now() + 86_400_000).toISOString() }), expect: noAData }],
  costForecasts: [{ name: 'own', query: '{ costForecasts { teamId teamName spentMicros forecastMicros } }', expect: noAData }],
  budgets: [{ name: 'of A team', query: 'query($t: ID) { budgets(teamId: $t) { id teamName spentMicros } }', vars: () => ({ t: ids.team }), expect: (d) => (noAData(d), expect(d).toEqual({ budgets: [] })) }],
  setBudget: [{ name: 'on A team', query: 'mutation($t: ID!) { setBudget(teamId: $t, amountMicros: "1") { id } }', vars: () => ({ t: ids.team }), expect: 'NOT_FOUND' }],
  deleteBudget: [{ name: 'A budget', query: 'mutation($id: ID!) { deleteBudget(budgetId: $id) }', vars: () => ({ id: ids.budget }), expect: 'NOT_FOUND' }],
};

describe('two tenants', () => {
  it('covers every root field of the schema', () => {
    const fields = [...Object.keys(schema.getQueryType()!.getFields()), ...Object.keys(schema.getMutationType()!.getFields())].sort();
    expect(Object.keys(cases).sort()).toEqual(fields);
  });

  it('answers NOT_FOUND for another tenant’s organization ID', async () => {
    const r = await run(B, '{ teams { edges { node { id } } } }', {}, A.orgId);
    expect(codeOf(r)).toBe('NOT_FOUND');
  });

  for (const [field, list] of Object.entries(cases)) {
    for (const c of list) {
      it(`${field}: ${c.name}`, async () => {
        const before = await snapshotA();
        const r = await run(B, c.query, c.vars?.() ?? {});
        if (typeof c.expect === 'string') {
          expect(codeOf(r)).toBe(c.expect);
        } else {
          expect(r.errors).toBeUndefined();
          c.expect(r.data as Record<string, unknown>);
        }
        expect(await snapshotA()).toEqual(before);
      });
    }
  }
});

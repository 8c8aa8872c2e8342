import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { users } from '../../db/schema';
import { uploadArtifact } from '../artifacts/upload-artifact';
import { listClusters } from '../compute/list-clusters';
import { updateClusterPrices } from '../compute/update-cluster-prices';
import { listBudgets, setBudget } from '../costs/budgets';
import { signUp } from '../auth/sign-up';
import { isAppError } from '../errors';
import { createModelVersion } from '../registry/create-model-version';
import { createRegisteredModel } from '../registry/create-registered-model';
import { getRegisteredModel } from '../registry/get-registered-model';
import { searchModelVersions } from '../registry/search-model-versions';
import { setModelAlias } from '../registry/set-model-alias';
import { systemMeta, type TenantContext } from '../tenancy/context';
import { createProject } from '../tenancy/create-project';
import { createTeam } from '../tenancy/create-team';
import { listProjects } from '../tenancy/list-projects';
import { listTeams } from '../tenancy/list-teams';
import { listMyOrganizations, resolveTenantContext } from '../tenancy/resolve-context';
import { withoutTenant } from '../tenancy/with-tenant';
import { createExperiment } from '../tracking/create-experiment';
import { createRun } from '../tracking/create-run';
import { getExperimentByName } from '../tracking/get-experiment';
import { logBatch } from '../tracking/log-batch';
import { logInputs } from '../tracking/log-inputs';
import { searchRuns } from '../tracking/search-runs';
import { setRunLifecycle } from '../tracking/set-run-lifecycle';
import { LIMITS } from '../tracking/tracking.schemas';
import { updateRun } from '../tracking/update-run';
import { CTR_FEATURES, simulateClickLog, trainCtrModel, type CtrHyperparameters } from './ctr-model';

export const DEMO_LOGIN = { email: 'demo@gantry.dev', password: 'gantry-demo-2026', orgName: 'Demo ML Org' } as const;

/** What the demo organization holds; the Temporal part (seed-demo-work.ts) adds jobs in the churn project. */
export const DEMO = {
  teams: [
    {
      name: 'Recommendations',
      description: 'Ranking and retrieval models',
      projects: [
        { name: 'Home feed ranking', description: 'Click-through model for the home feed' },
        { name: 'Similar items', description: 'Item-to-item retrieval' },
      ],
    },
    { name: 'Retention', description: 'Customer churn and lifetime value', projects: [{ name: 'Churn prediction', description: 'Which subscribers are about to cancel' }] },
  ],
  experiment: 'home-feed-ctr',
  model: 'home-feed-ctr',
  /** The projects the experiment and the jobs live in. */
  rankingProject: 'Home feed ranking',
  churnProject: 'Churn prediction',
  /** The local cluster's catalog, as a small cloud VM prices them ($0.048 a core-hour, $0.006 a GiB-hour), so the demo's jobs cost something. */
  localPrices: { cpuCoreHourMicros: 48_000, memoryGibHourMicros: 6_000 },
  /** A monthly budget for the team whose jobs the demo runs. */
  budget: { team: 'Retention', amountMicros: 25_000_000 },
} as const;

const CTR_EPOCHS = 12;
/** The simulated click log: its size, the training rows (the rest validate) and its seed. */
const CLICK_LOG = { rows: 2400, trainRows: 1600, seed: 20260101 };
/** Smoothing of the per-batch loss curve (an exponential moving average, bias-corrected as Adam's moments are). */
const LOSS_SMOOTHING = 0.95;
const CTR_BATCH = 64;
const CTR_SEED = 7;
/** Wall time per optimizer step as a training job on a shared machine would take, for run durations and metric timestamps. */
const MS_PER_STEP: Record<number, number> = { 0: 250, 4: 500, 8: 800 };

/** The experiment's grid: every architecture at every learning rate, with and without weight decay. */
export const CTR_GRID: CtrHyperparameters[] = [0, 4, 8].flatMap((hiddenUnits) =>
  [0.03, 0.1, 0.3, 1].flatMap((learningRate) => [0, 0.01].map((l2) => ({ hiddenUnits, learningRate, l2, batchSize: CTR_BATCH, epochs: CTR_EPOCHS, seed: CTR_SEED }))),
);

/** The per-batch loss as training loops show it: averaged over recent batches, since one batch of 64 is noisy. */
function smoothed(losses: { step: number; loss: number }[]): { step: number; loss: number }[] {
  let avg = 0;
  return losses.map((b, i) => {
    avg = LOSS_SMOOTHING * avg + (1 - LOSS_SMOOTHING) * b.loss;
    return { step: b.step, loss: avg / (1 - LOSS_SMOOTHING ** (i + 1)) };
  });
}

const architecture = (hp: CtrHyperparameters) => (hp.hiddenUnits === 0 ? 'logreg' : `mlp${hp.hiddenUnits}`);
export const ctrRunName = (hp: CtrHyperparameters) => `${architecture(hp)}-lr${hp.learningRate}${hp.l2 ? `-l2-${hp.l2}` : ''}`;

/** The demo user in the demo organization, once it exists. */
export async function demoContext(): Promise<TenantContext | null> {
  const [user] = await withoutTenant((tx) => tx.select({ id: users.id }).from(users).where(eq(users.email, DEMO_LOGIN.email)));
  if (!user) return null;
  const orgs = await listMyOrganizations(user.id);
  const org = orgs.find((o) => o.name === DEMO_LOGIN.orgName) ?? orgs[0];
  if (!org) return null;
  return resolveTenantContext({ kind: 'user', userId: user.id, email: DEMO_LOGIN.email }, org.id, systemMeta('seed'));
}

/** The demo project called `name`, by name. */
export async function demoProject(ctx: TenantContext, name: string) {
  const project = (await listProjects(ctx, { first: 100 })).find((p) => p.name === name);
  if (!project) throw new Error(`The demo organization has no project "${name}"`);
  return project;
}

const notFound = (e: unknown) => isAppError(e) && e.code === 'NOT_FOUND';

/**
 * Creates the demo organization and what a visitor looks at first: teams and projects, an
 * experiment of a few dozen training runs with their curves, and a registered model whose
 * versions come from the best runs, with `champion` and `challenger` aliases. Everything goes
 * through the use cases the API calls. Each part is looked up before it is made, so a later
 * start changes nothing and one that was interrupted finishes the rest.
 */
export async function seedDemo(): Promise<{ email: string; password: string; orgName: string; created: boolean }> {
  let ctx = await demoContext();
  let created = false;
  if (!ctx) {
    const meta = systemMeta('seed');
    const { userId, orgId } = await signUp(meta, { email: DEMO_LOGIN.email, name: 'Demo User', password: DEMO_LOGIN.password, organizationName: DEMO_LOGIN.orgName });
    ctx = await resolveTenantContext({ kind: 'user', userId, email: DEMO_LOGIN.email }, orgId, meta);
    created = true;
  }
  created = (await seedTeams(ctx)) || created;
  created = (await seedCosts(ctx)) || created;
  created = (await seedExperiment(ctx)) || created;
  created = (await seedModel(ctx)) || created;
  return { ...DEMO_LOGIN, created };
}

async function seedTeams(ctx: TenantContext): Promise<boolean> {
  let created = false;
  const teams = await listTeams(ctx, { first: 100 });
  const projects = await listProjects(ctx, { first: 100 });
  for (const t of DEMO.teams) {
    const team = teams.find((x) => x.name === t.name) ?? ((created = true), await createTeam(ctx, { name: t.name, description: t.description }));
    for (const p of t.projects) {
      if (projects.some((x) => x.name === p.name)) continue;
      await createProject(ctx, { teamId: team.id, name: p.name, description: p.description });
      created = true;
    }
  }
  return created;
}

/** Prices on the local cluster (when it has none) and the Retention team's monthly budget (when it has none). */
async function seedCosts(ctx: TenantContext): Promise<boolean> {
  let created = false;
  const local = (await listClusters(ctx)).find((c) => c.kind === 'local');
  if (local && local.cpuCoreHourMicros === 0 && local.memoryGibHourMicros === 0) {
    await updateClusterPrices(ctx, { clusterId: local.id, ...DEMO.localPrices, gpu: [] });
    created = true;
  }
  const team = (await listTeams(ctx, { first: 100 })).find((t) => t.name === DEMO.budget.team);
  if (team && (await listBudgets(ctx, { teamId: team.id })).length === 0) {
    await setBudget(ctx, { teamId: team.id, amountMicros: DEMO.budget.amountMicros });
    created = true;
  }
  return created;
}

/** Trains every configuration of the grid and logs it as an MLflow client would: params, tags, curves, the model file. */
async function seedExperiment(ctx: TenantContext): Promise<boolean> {
  let experiment;
  try {
    experiment = await getExperimentByName(ctx, DEMO.experiment);
  } catch (e) {
    if (!notFound(e)) throw e;
    experiment = await createExperiment(ctx, {
      name: DEMO.experiment,
      projectId: (await demoProject(ctx, DEMO.rankingProject)).id,
      tags: [{ key: 'mlflow.note.content', value: 'Click-through rate on the home feed: logistic regression against small networks, swept over learning rate and weight decay.' }],
    });
  }
  // Deleted runs count as there: what a visitor deletes stays deleted.
  const existing = (await searchRuns(ctx, { experimentIds: [experiment.id], maxResults: 1000, viewType: 'ALL' })).runs;
  const halfLogged = (r: (typeof existing)[number]) => r.status !== 'FINISHED' && r.lifecycleStage === 'active';
  const missing = CTR_GRID.filter((hp) => {
    const runs = existing.filter((r) => r.name === ctrRunName(hp));
    return runs.length === 0 || runs.every(halfLogged);
  });
  if (missing.length === 0) return false;
  // A run left half-logged by an interrupted start is replaced, not continued.
  for (const r of existing) if (halfLogged(r) && missing.some((hp) => ctrRunName(hp) === r.name)) await setRunLifecycle(ctx, r.id, 'deleted');

  const log = simulateClickLog(CLICK_LOG.rows, CLICK_LOG.seed);
  const train = { x: log.x.slice(0, CLICK_LOG.trainRows), y: log.y.slice(0, CLICK_LOG.trainRows) };
  const validation = { x: log.x.slice(CLICK_LOG.trainRows), y: log.y.slice(CLICK_LOG.trainRows) };
  const clicks = {
    name: 'home-feed-impressions',
    digest: createHash('sha256').update(JSON.stringify(log)).digest('hex').slice(0, 8),
    sourceType: 'code',
    source: `core/demo/ctr-model.ts simulateClickLog(${CLICK_LOG.rows}, ${CLICK_LOG.seed})`,
    schema: JSON.stringify({ mlflow_colspec: [...CTR_FEATURES.map((name) => ({ type: 'double', name })), { type: 'long', name: 'clicked' }] }),
  };
  // The sweep ran over the last few days, one configuration after another.
  let clock = Date.now() - CTR_GRID.length * 45 * 60_000;
  for (const hp of CTR_GRID) {
    const startTime = clock;
    clock += 45 * 60_000;
    if (!missing.includes(hp)) continue;
    const result = trainCtrModel(train, validation, hp);
    const msPerStep = MS_PER_STEP[hp.hiddenUnits] ?? 100;
    const at = (step: number) => startTime + step * msPerStep;
    const run = await createRun(ctx, {
      experimentId: experiment.id,
      runName: ctrRunName(hp),
      startTime,
      clientUser: 'demo',
      tags: [
        { key: 'mlflow.user', value: 'demo' },
        { key: 'mlflow.source.name', value: 'core/demo/ctr-model.ts' },
        { key: 'mlflow.source.type', value: 'LOCAL' },
        { key: 'model_family', value: hp.hiddenUnits ? 'neural network' : 'linear' },
      ],
    });
    const metrics = [
      ...smoothed(result.batchLosses).map((b) => ({ key: 'train_loss_smoothed', value: b.loss, step: b.step, timestamp: at(b.step) })),
      ...result.epochs.flatMap((e) => [
        { key: 'train_loss', value: e.trainLoss, step: e.epoch, timestamp: at(e.step) },
        { key: 'val_loss', value: e.valLoss, step: e.epoch, timestamp: at(e.step) },
        { key: 'val_auc', value: e.valAuc, step: e.epoch, timestamp: at(e.step) },
        { key: 'val_accuracy', value: e.valAccuracy, step: e.epoch, timestamp: at(e.step) },
      ]),
    ];
    const params = [
      { key: 'model', value: hp.hiddenUnits ? 'mlp' : 'logistic_regression' },
      { key: 'hidden_units', value: String(hp.hiddenUnits) },
      { key: 'learning_rate', value: String(hp.learningRate) },
      { key: 'l2', value: String(hp.l2) },
      { key: 'batch_size', value: String(hp.batchSize) },
      { key: 'epochs', value: String(hp.epochs) },
      { key: 'seed', value: String(hp.seed) },
      { key: 'features', value: String(CTR_FEATURES.length) },
      { key: 'train_rows', value: String(train.y.length) },
      { key: 'validation_rows', value: String(validation.y.length) },
    ];
    // As the mlflow client batches: the params with the first points, then the rest a batch at a time.
    for (let i = 0; i < metrics.length; i += LIMITS.metricsPerBatch) {
      await logBatch(ctx, { runId: run.id, params: i === 0 ? params : [], metrics: metrics.slice(i, i + LIMITS.metricsPerBatch) });
    }
    await logInputs(ctx, { runId: run.id, datasets: [{ dataset: clicks, tags: [{ key: 'mlflow.data.context', value: 'training' }] }] });
    const file = Buffer.from(`${JSON.stringify({ format: 'gantry-demo-ctr/1', ...result.model }, null, 1)}\n`);
    await uploadArtifact(ctx, { runId: run.id, path: 'model/model.json', body: Readable.from([file]), contentType: 'application/json', contentLength: file.length });
    const lastStep = result.batchLosses.at(-1)?.step ?? 0;
    await updateRun(ctx, { runId: run.id, status: 'FINISHED', endTime: at(lastStep) + 2_000 });
  }
  return true;
}

/** The best run of each architecture becomes a version, in the order the team would have shipped them. */
async function seedModel(ctx: TenantContext): Promise<boolean> {
  let created = false;
  try {
    await getRegisteredModel(ctx, { name: DEMO.model });
  } catch (e) {
    if (!notFound(e)) throw e;
    const project = await demoProject(ctx, DEMO.rankingProject);
    await createRegisteredModel(ctx, { name: DEMO.model, projectId: project.id, description: 'Predicts whether a home-feed impression is clicked; ranks the feed.' });
    created = true;
  }
  const experiment = await getExperimentByName(ctx, DEMO.experiment);
  const runs = (await searchRuns(ctx, { experimentIds: [experiment.id], maxResults: 1000 })).runs;
  const auc = (r: (typeof runs)[number]) => r.latestMetrics.find((m) => m.key === 'val_auc')?.value ?? 0;
  const bestOf = (arch: string) => runs.filter((r) => r.name.startsWith(`${arch}-`)).sort((a, b) => auc(b) - auc(a))[0];
  const plan = [
    { arch: 'logreg', description: 'Logistic regression baseline.' },
    { arch: 'mlp4', description: 'One hidden layer of 4 units: begins to learn that affinity matters more for popular items.' },
    { arch: 'mlp8', description: 'Eight hidden units at a higher learning rate: the best validation AUC of the sweep.' },
  ];
  const versions = (await searchModelVersions(ctx, { model: { name: DEMO.model } })).versions;
  for (const [i, step] of plan.entries()) {
    if (versions.some((v) => v.version === i + 1)) continue;
    const run = bestOf(step.arch);
    if (!run) throw new Error(`No finished ${step.arch} run in the demo experiment`);
    await createModelVersion(ctx, { model: { name: DEMO.model }, source: `runs:/${run.id}/model`, runId: run.id, description: step.description });
    created = true;
  }
  const model = await getRegisteredModel(ctx, { name: DEMO.model });
  for (const [alias, version] of [
    ['champion', 2],
    ['challenger', 3],
  ] as const) {
    if (model.aliases.some((a) => a.alias === alias)) continue;
    await setModelAlias(ctx, { model: { name: DEMO.model }, alias, version });
    created = true;
  }
  return created;
}

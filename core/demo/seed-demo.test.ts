import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../../config/env';
import { serveApi, type ServedApi } from '../../testing/serve-api';
import { startTemporalPlatform, type TemporalPlatform } from '../../testing/temporal-platform';
import { getEvaluation } from '../evaluation/get-evaluation';
import { listEvaluations } from '../evaluation/list-evaluations';
import { listAuditEvents } from '../governance/audit-log';
import { getRegisteredModel } from '../registry/get-registered-model';
import { searchModelVersions } from '../registry/search-model-versions';
import type { TenantContext } from '../tenancy/context';
import { listProjects } from '../tenancy/list-projects';
import { listTeams } from '../tenancy/list-teams';
import { getExperimentByName } from '../tracking/get-experiment';
import { getMetricHistory } from '../tracking/get-metric-history';
import { searchRuns } from '../tracking/search-runs';
import { getTrainingJob, listTrainingJobs } from '../training/list-training-jobs';
import { listBudgets } from '../costs/budgets';
import { readJobLogs } from '../training/read-job-logs';
import { CTR_GRID, ctrRunName, DEMO, demoContext, demoProject, seedDemo } from './seed-demo';
import { DEMO_FAILING_JOB, seedDemoWork } from './seed-demo-work';

/**
 * The demo organization as a visitor finds it after the first `npm run dev`: seeded by the
 * database part, then by the part that needs Temporal, on a real PostgreSQL, a real Temporal dev
 * server and the real worker. The bundled example's scripts run as local jobs with the real
 * mlflow client, talking to the web app's MLflow routes over HTTP. A second start changes nothing.
 */

let platform: TemporalPlatform;
let api: ServedApi;
const savedPath = process.env.PATH;
// The Python with mlflow, numpy, pandas and onnx the example needs (.ci/run installs it there).
const venv = path.join(os.homedir(), '.gantry-tools', 'mlflow-venv', 'bin');

beforeAll(async () => {
  if (existsSync(venv)) process.env.PATH = `${venv}${path.delimiter}${process.env.PATH}`;
  platform = await startTemporalPlatform('demo');
  api = await serveApi({ routes: ['mlflow', 'mlflow-artifacts'] });
  // Where the jobs' mlflow client reaches Gantry.
  process.env.GANTRY_PUBLIC_URL = api.url;
  resetEnvCache();
  await platform.startWorker();
}, 300_000);

afterAll(async () => {
  await api?.close();
  await platform?.stop();
  process.env.PATH = savedPath;
});

/** What a second start could have added to: every count a visitor sees, and the audit log's head. */
async function snapshot(ctx: TenantContext) {
  const experiment = await getExperimentByName(ctx, DEMO.experiment);
  const churn = await demoProject(ctx, DEMO.churnProject);
  return {
    teams: (await listTeams(ctx, { first: 100 })).length,
    projects: (await listProjects(ctx, { first: 100 })).length,
    runs: (await searchRuns(ctx, { experimentIds: [experiment.id], maxResults: 1000 })).runs.length,
    versions: (await searchModelVersions(ctx, {})).versions.map((v) => `${v.modelName} v${v.version} ${v.aliases.join(',')}`).sort(),
    jobs: (await listTrainingJobs(ctx, { projectId: churn.id, first: 100 })).rows.map((j) => `${j.kind} ${j.name} ${j.status}`).sort(),
    auditHead: (await listAuditEvents(ctx, { first: 1 }))[0]?.seq,
  };
}

describe('the demo organization', () => {
  let ctx: TenantContext;

  it('has an experiment of trained runs with their curves, and a model with champion and challenger', async () => {
    const login = await seedDemo();
    expect(login).toMatchObject({ email: 'demo@gantry.dev', created: true });
    ctx = (await demoContext())!;
    expect((await listProjects(ctx, { first: 100 })).map((p) => p.name).sort()).toEqual(['Churn prediction', 'Home feed ranking', 'Similar items']);

    const experiment = await getExperimentByName(ctx, DEMO.experiment);
    const runs = (await searchRuns(ctx, { experimentIds: [experiment.id], maxResults: 1000 })).runs;
    expect(runs.map((r) => r.name).sort()).toEqual(CTR_GRID.map(ctrRunName).sort());
    expect(runs.length).toBeGreaterThanOrEqual(24);
    expect(new Set(runs.map((r) => r.status))).toEqual(new Set(['FINISHED']));
    expect(runs.every((r) => r.inputs.some((i) => i.dataset.name === 'home-feed-impressions'))).toBe(true);
    for (const run of runs) {
      const auc = (await getMetricHistory(ctx, { runId: run.id, key: 'val_auc' })).metrics;
      expect(auc.map((p) => p.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect((await getMetricHistory(ctx, { runId: run.id, key: 'train_loss_smoothed' })).metrics.length).toBe(300);
    }
    // Curves that come from training: a higher learning rate fits faster, and the sweep ends at different places.
    const aucOf = (name: string) => runs.find((r) => r.name === name)!.latestMetrics.find((m) => m.key === 'val_auc')!.value;
    const lossAtEpoch1 = async (name: string) => (await getMetricHistory(ctx, { runId: runs.find((r) => r.name === name)!.id, key: 'train_loss' })).metrics[0]!.value;
    expect(await lossAtEpoch1('mlp8-lr1')).toBeLessThan(await lossAtEpoch1('mlp8-lr0.03'));
    expect(aucOf('mlp8-lr1')).toBeGreaterThan(aucOf('logreg-lr1'));
    expect(new Set(runs.map((r) => aucOf(r.name).toFixed(4))).size).toBeGreaterThan(20);
    for (const r of runs) expect(aucOf(r.name)).toBeGreaterThan(0.6);

    const model = await getRegisteredModel(ctx, { name: DEMO.model });
    expect(model.aliases.map((a) => [a.alias, a.version]).sort()).toEqual([
      ['challenger', 3],
      ['champion', 2],
    ]);
    const versions = (await searchModelVersions(ctx, { model: { name: DEMO.model } })).versions.sort((a, b) => a.version - b.version);
    expect(versions.map((v) => runs.find((r) => r.id === v.runId)?.name.split('-')[0])).toEqual(['logreg', 'mlp4', 'mlp8']);
    expect(versions.every((v) => v.source === `runs:/${v.runId}/model`)).toBe(true);
  }, 300_000);

  it('has the example job finished, a failed job with its error in the log, and an evaluation that passed', async () => {
    const messages: string[] = [];
    const work = await seedDemoWork({ log: (m) => messages.push(m) });
    expect(work.submitted, messages.join('\n')).toBe(true);
    const logOf = async (jobId: string) => (await readJobLogs(ctx, { jobId })).text;
    expect(work.trainingJob!.status, await logOf(work.trainingJob!.id)).toBe('succeeded');
    expect(work.failingJob).toMatchObject({ name: DEMO_FAILING_JOB, status: 'failed' });

    expect(await logOf(work.trainingJob!.id)).toMatch(/final: auc 0\.\d+/);
    const failed = await logOf(work.failingJob!.id);
    expect(failed).toContain('FileNotFoundError');
    expect(failed).toContain('churn-next-quarter.csv');

    const [evaluation] = await listEvaluations(ctx, work.trainingJob!.modelVersionId!);
    const done = await getEvaluation(ctx, evaluation!.id);
    expect(done.status, (await logOf(done.jobId!)).slice(-4000)).toBe('passed');
    expect(done.results!.map((r) => [r.expression, r.passed])).toEqual([
      ['auc >= 0.8', true],
      ['log_loss <= 0.5', true],
    ]);
    // It passed, so the trained version became the churn model's champion.
    const churn = await getRegisteredModel(ctx, { name: 'churn' });
    expect(churn.aliases).toEqual([{ alias: 'champion', version: 1 }]);
    expect(messages.join('\n')).toMatch(/Demo jobs done: training succeeded, the second job failed/);
    // The local cluster has prices, so the demo's jobs are in the ledger and the Retention team's budget shows them.
    const [budget] = await listBudgets(ctx, {});
    expect(budget).toMatchObject({ teamName: DEMO.budget.team, amountMicros: DEMO.budget.amountMicros, reservedMicros: 0 });
    expect(budget!.spentMicros).toBe(work.trainingJob!.costMicros! + (await getTrainingJob(ctx, work.failingJob!.id)).job.costMicros! + (await getTrainingJob(ctx, done.jobId!)).job.costMicros!);
    expect(work.trainingJob!.costMicros).toBeGreaterThan(0);
  }, 600_000);

  it('is left as it is by a second start', async () => {
    const before = await snapshot(ctx);
    expect((await seedDemo()).created).toBe(false);
    const messages: string[] = [];
    const again = await seedDemoWork({ log: (m) => messages.push(m) });
    expect(again.submitted).toBe(false);
    expect(messages).toEqual([]);
    expect(await snapshot(ctx)).toEqual(before);
  }, 120_000);
});

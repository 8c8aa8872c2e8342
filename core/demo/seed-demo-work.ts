import path from 'node:path';
import { evaluationWorkflowId, startEvaluation } from '../evaluation/start-evaluation';
import { getEvaluationPolicy } from '../evaluation/get-evaluation-policy';
import { listEvaluations } from '../evaluation/list-evaluations';
import { setEvaluationPolicy } from '../evaluation/set-evaluation-policy';
import { temporalClient } from '../orchestration/temporal';
import { getModelVersion } from '../registry/get-model-version';
import { getRegisteredModel } from '../registry/get-registered-model';
import { setModelAlias } from '../registry/set-model-alias';
import { jobWorkflowId, type JobView } from '../training/access';
import { listExampleJobs } from '../training/example-jobs';
import { getTrainingJob, listTrainingJobs } from '../training/list-training-jobs';
import { submitTrainingJob } from '../training/submit-training-job';
import { DEMO, demoContext, demoProject } from './seed-demo';

/** The failing demo job: the example pointed at a data file that does not exist. */
export const DEMO_FAILING_JOB = 'churn logistic regression on next quarter’s data';
const MISSING_DATA_FILE = 'churn-next-quarter.csv';
/** What the churn model's evaluations check: the example's holdout metrics. */
export const DEMO_EVALUATION_CHECKS = ['auc >= 0.8', 'log_loss <= 0.5'];

export interface SeedDemoWorkResult {
  /** False when the demo organization or the bundled examples are missing, or it was all done before. */
  submitted: boolean;
  trainingJob: JobView | null;
  failingJob: JobView | null;
  evaluationId: string | null;
}

/** Waits for a workflow to end, whatever its outcome; the rows it wrote say how it went. */
async function ended(workflowId: string): Promise<void> {
  const client = await temporalClient();
  await client.workflow
    .getHandle(workflowId)
    .result()
    .catch(() => undefined);
}

/**
 * The demo organization's work that needs Temporal and the worker, produced once through the real
 * paths: the bundled churn example submitted as a training job (it trains, logs through the mlflow
 * client and registers a version of `churn`), the same job pointed at a data file that is not there
 * (it fails, with the traceback in its log), then an evaluation of the trained version under an
 * evaluation policy and, when it passes, `champion` on that version. Each step looks for what an
 * earlier start made (the jobs by name in the churn project, the policy, the evaluation, the alias)
 * and does only what is missing, so a second start submits nothing.
 */
export async function seedDemoWork(opts: { log: (message: string) => void }): Promise<SeedDemoWorkResult> {
  const none: SeedDemoWorkResult = { submitted: false, trainingJob: null, failingJob: null, evaluationId: null };
  const ctx = await demoContext();
  if (!ctx) return none;
  const examples = listExampleJobs(ctx);
  const training = examples.find((e) => e.id === 'churn/job.yaml');
  const evaluation = examples.find((e) => e.id === 'churn/evaluate.job.yaml');
  if (!training || !evaluation) {
    opts.log('Demo jobs skipped: the bundled churn example is not available (local jobs off, or no examples/ folder).');
    return none;
  }
  const project = await demoProject(ctx, DEMO.churnProject);
  const jobs = (await listTrainingJobs(ctx, { projectId: project.id, kind: 'training', first: 100 })).rows;
  let submitted = false;

  const trainingName = training.spec.name ?? training.title;
  let trainingJob = jobs.find((j) => j.name === trainingName) ?? null;
  if (!trainingJob) {
    trainingJob = await submitTrainingJob(ctx, { ...training.spec, name: trainingName, project: project.id });
    submitted = true;
  }
  let failingJob = jobs.find((j) => j.name === DEMO_FAILING_JOB) ?? null;
  if (!failingJob) {
    const script = training.spec.args?.[0];
    const missing = path.join(path.dirname(script ?? '.'), 'data', MISSING_DATA_FILE);
    const { registerModel: _none, inputs: _data, ...spec } = training.spec;
    failingJob = await submitTrainingJob(ctx, { ...spec, name: DEMO_FAILING_JOB, project: project.id, retries: 0, args: [...(training.spec.args ?? []), '--data', missing] });
    submitted = true;
  }
  if (submitted) opts.log(`Demo jobs submitted: "${trainingJob.name}" and "${failingJob.name}" (project "${project.name}").`);

  await ended(jobWorkflowId(trainingJob.id));
  await ended(jobWorkflowId(failingJob.id));
  trainingJob = (await getTrainingJob(ctx, trainingJob.id)).job;
  failingJob = (await getTrainingJob(ctx, failingJob.id)).job;
  if (trainingJob.status !== 'succeeded' || !trainingJob.modelVersionId) {
    if (submitted) opts.log(`The demo training job ended ${trainingJob.status}; its log is on its page (Jobs → "${trainingJob.name}"). No evaluation was started.`);
    return { submitted, trainingJob, failingJob, evaluationId: null };
  }

  const version = await getModelVersion(ctx, { versionId: trainingJob.modelVersionId });
  if (!(await getEvaluationPolicy(ctx, version.modelId))) {
    await setEvaluationPolicy(ctx, { model: { modelId: version.modelId }, checks: DEMO_EVALUATION_CHECKS, jobTemplate: evaluation.spec });
    submitted = true;
  }
  let [latest] = await listEvaluations(ctx, version.id);
  if (!latest) {
    latest = await startEvaluation(ctx, { modelVersionId: version.id });
    submitted = true;
    opts.log(`Demo evaluation started: ${version.modelName} v${version.version}.`);
  }
  await ended(evaluationWorkflowId(latest.id));
  const [done] = await listEvaluations(ctx, version.id);
  const model = await getRegisteredModel(ctx, { modelId: version.modelId });
  if (done?.status === 'passed' && !model.aliases.some((a) => a.alias === 'champion')) {
    await setModelAlias(ctx, { model: { modelId: version.modelId }, alias: 'champion', version: version.version });
    submitted = true;
  }
  if (submitted) opts.log(`Demo jobs done: training ${trainingJob.status}, the second job ${failingJob.status} (as it should), evaluation ${done?.status ?? 'not run'}.`);
  return { submitted, trainingJob, failingJob, evaluationId: done?.id ?? null };
}

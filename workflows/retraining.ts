import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../workers/activities';

type RetrainingWorkflowInput = Omit<Parameters<Activities['startRetrainingJob']>[0], 'firingId'>;
import { evaluationWorkflow } from './evaluation';
import { trainingJobWorkflow } from './training-job';

const steps = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20, nonRetryableErrorTypes: ['AppError:FORBIDDEN', 'AppError:BAD_USER_INPUT', 'AppError:NOT_FOUND'] },
});

export interface RetrainingOutcome {
  status: 'skipped' | 'training-failed' | 'evaluation-failed' | 'promoted';
  jobId: string | null;
  modelVersionId: string | null;
  evaluationId: string | null;
  alias: string | null;
  reason: string | null;
}

/**
 * One retraining (started by the schedule `retraining/<policyId>`, by "run
 * now", or by a drift signal): train and register a new version, evaluate it
 * against the model's policy, and on a pass move `challenger` (or `champion`
 * when the policy auto-promotes) to it.
 */
export async function retrainingWorkflow(input: RetrainingWorkflowInput): Promise<RetrainingOutcome> {
  const firingId = workflowInfo().workflowId;
  const started = await steps.startRetrainingJob({ ...input, firingId });
  const out: RetrainingOutcome = { status: 'skipped', jobId: started.jobId, modelVersionId: null, evaluationId: null, alias: null, reason: started.reason };
  if (!started.jobId) return out;

  const job = await executeChild(trainingJobWorkflow, { workflowId: `training-job/${started.jobId}`, args: [{ jobId: started.jobId, orgId: input.orgId }] });
  if (!job || job.status !== 'succeeded' || !job.modelVersionId) {
    return { ...out, status: 'training-failed', reason: job?.reason ?? 'The training job did not produce a model version' };
  }
  out.modelVersionId = job.modelVersionId;

  if (started.evaluate) {
    const ev = await steps.findOrCreateRetrainingEvaluation({ orgId: input.orgId, policyId: input.policyId, modelVersionId: job.modelVersionId });
    if (ev) {
      out.evaluationId = ev.evaluationId;
      const verdict = await executeChild(evaluationWorkflow, {
        workflowId: `evaluation/${ev.evaluationId}`,
        args: [{ evaluationId: ev.evaluationId, orgId: input.orgId, jobId: ev.jobId }],
      });
      if (verdict.status !== 'passed') return { ...out, status: 'evaluation-failed', reason: verdict.message };
    }
  }
  const promoted = await steps.promoteRetrainedVersion({ orgId: input.orgId, policyId: input.policyId, modelVersionId: job.modelVersionId });
  return { ...out, status: 'promoted', alias: promoted?.alias ?? null };
}

import { executeChild, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../workers/activities';
import { trainingJobWorkflow } from './training-job';

const { judgeEvaluation } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
});

export interface EvaluationWorkflowInput {
  evaluationId: string;
  orgId: string;
  jobId: string;
}

/**
 * An evaluation (workflow ID `evaluation/<id>`): runs the evaluation job as a
 * child (`training-job/<jobId>`, the same machinery as training), then applies
 * the policy's checks to the metrics it logged and the champion's, recording
 * pass or fail per check.
 */
export async function evaluationWorkflow(input: EvaluationWorkflowInput): Promise<{ status: string; message: string | null }> {
  const job = await executeChild(trainingJobWorkflow, {
    workflowId: `training-job/${input.jobId}`,
    args: [{ jobId: input.jobId, orgId: input.orgId }],
    staticSummary: `Evaluation job for ${input.evaluationId}`,
  });
  return judgeEvaluation({ evaluationId: input.evaluationId, orgId: input.orgId, jobStatus: job?.status ?? 'failed', jobReason: job?.reason ?? null });
}

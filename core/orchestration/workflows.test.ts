import { describe, expect, it } from 'vitest';
import { signalWorkflow } from './temporal';
import { signals, workflowStart } from './workflows';

/**
 * The checks here are mostly the compiler's: each `@ts-expect-error` line must fail typecheck, so
 * renaming a workflow, changing its input or a signal's arguments breaks `tsc` where core calls it.
 */
describe('typed workflow references', () => {
  it('take the names and inputs the workflow code declares', () => {
    const start = workflowStart('trainingJobWorkflow', 'training-job/job_x', [{ jobId: 'job_x', orgId: 'org_x' }]);
    expect(start).toMatchObject({ workflow: 'trainingJobWorkflow', args: [{ jobId: 'job_x', orgId: 'org_x' }] });
    workflowStart('retrainingWorkflow', 'retraining/rtp_x', [{ policyId: 'rtp_x', orgId: 'org_x', trigger: 'manual' }]);

    // @ts-expect-error a name the worker does not register
    workflowStart('trainingWorkflow', 'x', [{ jobId: 'job_x', orgId: 'org_x' }]);
    // @ts-expect-error an input without a field the workflow reads
    workflowStart('trainingJobWorkflow', 'x', [{ jobId: 'job_x' }]);
    // @ts-expect-error another workflow's input
    workflowStart('evaluationWorkflow', 'x', [{ jobId: 'job_x', orgId: 'org_x' }]);
    // @ts-expect-error a field of the wrong type
    workflowStart('retrainingWorkflow', 'x', [{ policyId: 'rtp_x', orgId: 'org_x', trigger: 1 }]);
  });

  it('address signals by the name and arguments the workflow defines', () => {
    expect(signals.cancelJob).toEqual({ type: 'signal', name: 'cancel' });
    // Never called: only typechecked.
    const typed = () => [
      signalWorkflow('training-job/job_x', signals.cancelJob, { reason: 'no longer needed' }),
      // @ts-expect-error a reason that is not a string
      signalWorkflow('training-job/job_x', signals.cancelJob, { reason: 42 }),
    ];
    expect(typeof typed).toBe('function');
  });
});

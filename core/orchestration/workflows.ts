import type { SignalDefinition, Workflow } from '@temporalio/common';
import type * as registered from '../../workflows';
import type { abortRolloutSignal, approveRolloutSignal, pauseRolloutSignal, resumeRolloutSignal, skipAnalysisSignal } from '../../workflows/canary-rollout';
import type { cancelJobSignal } from '../../workflows/training-job';

/**
 * The workflows core starts, typed from the workflow code itself. Only types cross this import
 * (core never loads workflow code): the worker registers every function `workflows/index.ts`
 * exports under its export name, so a key here is exactly the name Temporal knows, and renaming a
 * workflow or changing its input fails typecheck at every place that starts it.
 */
type Registered = typeof registered;

export type WorkflowName = { [K in keyof Registered]: Registered[K] extends Workflow ? K : never }[keyof Registered];
export type WorkflowFn<K extends WorkflowName> = Registered[K];
export type WorkflowArgs<K extends WorkflowName> = Parameters<WorkflowFn<K>>;

/** One workflow to start under a business-key ID (e.g. `training-job/<jobId>`). */
export interface WorkflowStart<K extends WorkflowName = WorkflowName> {
  workflow: K;
  workflowId: string;
  args: WorkflowArgs<K>;
  staticSummary?: string;
  staticDetails?: string;
}

/** Builds a start with its arguments checked against the workflow's own parameters. */
export function workflowStart<K extends WorkflowName>(workflow: K, workflowId: string, args: WorkflowArgs<K>, opts: { staticSummary?: string; staticDetails?: string } = {}): WorkflowStart<K> {
  return { workflow, workflowId, args, ...opts };
}

/**
 * A signal as the workflow defines it, addressed from core without loading workflow code. The name
 * is checked against the definition's literal name, the arguments against its argument types.
 */
function signalRef<S extends SignalDefinition<unknown[], string>>(name: S['name']): S {
  // The argument brand exists only in types; a definition at run time is its type and name.
  return { type: 'signal', name } as S;
}

export const signals = {
  /** Stops a training (or evaluation) job: `training-job/<jobId>`. */
  cancelJob: signalRef<typeof cancelJobSignal>('cancel'),
  /** A person's hand on a canary rollout: `rollout/<deploymentId>/<n>`. */
  approveRollout: signalRef<typeof approveRolloutSignal>('approve'),
  pauseRollout: signalRef<typeof pauseRolloutSignal>('pause'),
  resumeRollout: signalRef<typeof resumeRolloutSignal>('resume'),
  abortRollout: signalRef<typeof abortRolloutSignal>('abort'),
  skipRolloutAnalysis: signalRef<typeof skipAnalysisSignal>('skipAnalysis'),
};

import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../workers/activities';

export { artifactRetentionWorkflow } from './artifact-retention';
export { seatUsageWorkflow } from './seat-usage';

const { greet } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 5 },
});

/** The smallest end-to-end workflow: proves the worker, server and client are wired together. */
export async function helloWorkflow(name: string): Promise<string> {
  return greet(name);
}

export { trainingJobWorkflow } from './training-job';
export { evaluationWorkflow } from './evaluation';
export { retrainingWorkflow } from './retraining';
export { driftMonitorWorkflow } from './drift-monitor';
export { canaryRolloutWorkflow } from './canary-rollout';
export { deploymentProvisionWorkflow, deploymentResourcesWorkflow, deploymentTeardownWorkflow, deploymentTrafficWorkflow } from './deployment-serving';
export { costWatchWorkflow } from './cost-watch';

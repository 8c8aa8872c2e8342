import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { TrafficPolicy } from '../rules/serving/routing';
import type { Activities } from '../workers/activities';

const { provisionServingVersion, setDeploymentStatus, removeDeploymentServing, servingVersionIds, applyDeploymentTraffic, removeServingVersion } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
});

const { waitServingVersionReady } = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

export interface DeploymentProvisionInput {
  orgId: string;
  deploymentId: string;
  versionId: string;
}

function failureMessage(e: unknown): string {
  const cause = e instanceof Error && 'cause' in e && e.cause instanceof Error ? e.cause : e;
  return cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
}

/**
 * Starts (or replaces) the model servers of each version in turn and waits until they are ready;
 * false when the deployment is gone meanwhile. A version that cannot start throws, with the reason.
 */
async function serveVersions(ids: { orgId: string; deploymentId: string }, versionIds: string[], awaitWorkflowId: string): Promise<boolean> {
  for (const versionId of versionIds) {
    const ref = { ...ids, versionId };
    if (!(await provisionServingVersion({ ...ref, awaitWorkflowId }))) return false;
    if (!(await waitServingVersionReady({ ...ref, timeoutSeconds: 600 }))) return false;
  }
  return true;
}

/**
 * A new deployment on a Kubernetes cluster (workflow ID `deployment-provision/<deploymentId>`):
 * provisions its first version's model servers, waits until they are ready, and records the
 * deployment `ready`, or `failed` with the reason. The gateway answers 503 until then.
 */
export async function deploymentProvisionWorkflow(input: DeploymentProvisionInput): Promise<{ status: 'ready' | 'failed' | 'gone'; message: string | null }> {
  try {
    if (!(await serveVersions({ orgId: input.orgId, deploymentId: input.deploymentId }, [input.versionId], `deployment-provision/${input.deploymentId}`))) return { status: 'gone', message: null };
  } catch (e) {
    const message = failureMessage(e);
    await setDeploymentStatus({ orgId: input.orgId, deploymentId: input.deploymentId, status: 'failed', message });
    return { status: 'failed', message };
  }
  await setDeploymentStatus({ orgId: input.orgId, deploymentId: input.deploymentId, status: 'ready', message: null });
  return { status: 'ready', message: null };
}

export interface DeploymentResourcesInput {
  orgId: string;
  deploymentId: string;
  /** This workflow's own ID: the transaction that changed the resources records it. */
  workflowId: string;
}

/**
 * A deployment's changed replicas or resources applied to the model servers of every version it
 * serves (workflow ID `deployment-resources/<deploymentId>/<change time>`), each replaced in place
 * (Kubernetes rolls its pods: the old ones answer until the new ones are ready). The deployment keeps
 * serving throughout; its status message says what is being applied, then is cleared, or says why the
 * new resources could not be applied (the previous model servers keep answering meanwhile).
 */
export async function deploymentResourcesWorkflow(input: DeploymentResourcesInput): Promise<{ status: 'applied' | 'failed' | 'gone'; message: string | null }> {
  const versionIds = await servingVersionIds({ orgId: input.orgId, deploymentId: input.deploymentId });
  if (!versionIds.length) return { status: 'gone', message: null };
  try {
    if (!(await serveVersions({ orgId: input.orgId, deploymentId: input.deploymentId }, versionIds, input.workflowId))) return { status: 'gone', message: null };
  } catch (e) {
    const message = `The new resources could not be applied (the previous model servers keep answering): ${failureMessage(e)}`;
    await setDeploymentStatus({ orgId: input.orgId, deploymentId: input.deploymentId, status: 'ready', message });
    return { status: 'failed', message };
  }
  await setDeploymentStatus({ orgId: input.orgId, deploymentId: input.deploymentId, status: 'ready', message: null });
  return { status: 'applied', message: null };
}

export interface DeploymentTrafficInput {
  orgId: string;
  deploymentId: string;
  /** This workflow's own ID: the transaction that asked for the change records it. */
  workflowId: string;
  /** The policy to apply once `added` are ready; null when the change was written at once (it only dropped versions). */
  policy: TrafficPolicy | null;
  /** The traffic generation the change was asked against: a policy changed since is not overwritten. */
  fromGeneration: number;
  added: string[];
  dropped: string[];
}

/**
 * A traffic change on a Kubernetes cluster (workflow ID `deployment-traffic/<deploymentId>/<time>`):
 * model servers for the versions it adds are started and waited for, then the policy is written (so
 * no request reaches a version before it can answer), then the model servers of the versions it
 * dropped are removed, unless a later change serves them again. A version that cannot start leaves
 * the traffic as it was, its servers removed, and the deployment's status message saying why.
 */
export async function deploymentTrafficWorkflow(input: DeploymentTrafficInput): Promise<{ status: 'applied' | 'failed' | 'superseded' | 'gone'; message: string | null }> {
  const ids = { orgId: input.orgId, deploymentId: input.deploymentId };
  const removeUnserved = async (versionIds: string[]) => {
    const served = new Set(await servingVersionIds(ids));
    for (const versionId of versionIds) if (!served.has(versionId)) await removeServingVersion({ ...ids, versionId });
  };
  if (input.policy) {
    try {
      if (!(await serveVersions(ids, input.added, input.workflowId))) return { status: 'gone', message: null };
    } catch (e) {
      const message = `The traffic change was not applied: ${failureMessage(e)}`;
      await removeUnserved(input.added);
      await setDeploymentStatus({ ...ids, status: 'ready', message });
      return { status: 'failed', message };
    }
    if (!(await applyDeploymentTraffic({ ...ids, policy: input.policy, fromGeneration: input.fromGeneration, workflowId: input.workflowId }))) {
      const message = 'The traffic change was not applied: the traffic changed again while its model servers started';
      await removeUnserved(input.added);
      await setDeploymentStatus({ ...ids, status: 'ready', message });
      return { status: 'superseded', message };
    }
  }
  await removeUnserved(input.dropped);
  await setDeploymentStatus({ ...ids, status: 'ready', message: null });
  return { status: 'applied', message: null };
}

export interface DeploymentTeardownInput {
  orgId: string;
  deploymentId: string;
  clusterId: string;
}

/** A deleted deployment's objects removed from its cluster (workflow ID `deployment-teardown/<deploymentId>`). */
export async function deploymentTeardownWorkflow(input: DeploymentTeardownInput): Promise<{ removed: string[] }> {
  return removeDeploymentServing(input);
}

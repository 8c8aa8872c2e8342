import { ApplicationFailure, Context } from '@temporalio/activity';
import { ServingStartFailed } from '../../core/serving/kubernetes/provision';
import {
  applyDeploymentTraffic,
  provisionServingVersion,
  removeDeploymentServing,
  removeServingVersion,
  servingVersionIds,
  setDeploymentStatus,
  waitServingVersionReady,
  type VersionRef,
} from '../../core/serving/kubernetes/version-steps';
import { mapped } from './training';

/**
 * Serving a deployment's versions on its Kubernetes cluster (core/serving/kubernetes/version-steps).
 * Every activity takes business IDs and is idempotent; on the built-in `local` cluster each does
 * nothing and says `{ kind: 'local' }`, so a rollout calls them whatever the deployment's target.
 */
export function createServingKubernetesActivities() {
  return {
    /** Creates or updates the version's model servers; null when the deployment is gone. */
    provisionServingVersion: (ref: VersionRef & { awaitWorkflowId?: string }) => mapped(() => provisionServingVersion(ref, { awaitWorkflowId: ref.awaitWorkflowId })),
    /**
     * Returns once the version's replicas are ready. Heartbeats each poll; a pod that cannot start
     * (image pull, crash loop) fails it at once and for good (`ServingStartFailed`, not retried).
     */
    waitServingVersionReady: (ref: VersionRef & { timeoutSeconds?: number }) =>
      mapped(async () => {
        const ctx = Context.current();
        try {
          return await waitServingVersionReady(ref, { timeoutMs: (ref.timeoutSeconds ?? 600) * 1000, onProgress: (p) => ctx.heartbeat(p), signal: ctx.cancellationSignal });
        } catch (e) {
          if (e instanceof ServingStartFailed) throw ApplicationFailure.create({ type: 'ServingStartFailed', message: e.message, nonRetryable: true });
          throw e;
        }
      }),
    /** Removes the version's model servers and revokes the key that fetched its files; absent objects are done. */
    removeServingVersion: (ref: VersionRef) => mapped(() => removeServingVersion(ref)),
    /** Removes every version's objects of a deleted deployment from its cluster. */
    removeDeploymentServing: (input: { orgId: string; deploymentId: string; clusterId: string }) => mapped(() => removeDeploymentServing(input)),
    setDeploymentStatus: (input: Parameters<typeof setDeploymentStatus>[0]) => mapped(() => setDeploymentStatus(input)),
    /** The version IDs the deployment serves now, on every arm and shadow. */
    servingVersionIds: (input: { orgId: string; deploymentId: string }) => mapped(() => servingVersionIds(input)),
    /** Writes a traffic policy once its new versions are ready; false when the policy changed meanwhile. */
    applyDeploymentTraffic: (input: Parameters<typeof applyDeploymentTraffic>[0]) => mapped(() => applyDeploymentTraffic(input)),
  };
}

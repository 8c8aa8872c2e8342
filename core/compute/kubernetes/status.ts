import type { V1ContainerStateTerminated, V1Job, V1Pod } from '@kubernetes/client-node';
import type { BackendJobStatus } from '../compute-backend';
import { CONTAINER_NAME } from './manifests';

export const toDate = (d: Date | string | undefined | null): Date | null => (d ? new Date(d) : null);
const BENIGN_WAITING = new Set(['ContainerCreating', 'PodInitializing']);

/** Why a container ended, in words: its own message, else what its reason and exit code say. */
function endedMessage(terminated: V1ContainerStateTerminated): string {
  return (
    terminated.message?.trim() ||
    (terminated.reason === 'OOMKilled' ? `The container ran out of memory (exit code ${terminated.exitCode})` : `The container exited with code ${terminated.exitCode}`)
  );
}

/** The Job's state in Gantry's terms, from the Job and its newest pod (if any). */
export function jobStatusFrom(job: V1Job, pod: V1Pod | null, now = new Date()): BackendJobStatus {
  const container = pod?.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME) ?? pod?.status?.containerStatuses?.[0];
  const terminated = container?.state?.terminated;
  const running = container?.state?.running;
  const waiting = container?.state?.waiting;
  const conditions = job.status?.conditions ?? [];
  const condition = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
  const exitCode = terminated?.exitCode ?? null;
  let startedAt = toDate(running?.startedAt ?? terminated?.startedAt);
  let finishedAt = toDate(terminated?.finishedAt);

  const result = (phase: BackendJobStatus['phase'], reason: string | null, message: string | null): BackendJobStatus => {
    const end = finishedAt ?? (phase === 'running' ? now : null);
    const usage = startedAt && end ? { runtimeSeconds: Math.max(0, (end.getTime() - startedAt.getTime()) / 1000), cpuSeconds: null, peakMemoryMiB: null } : null;
    return { phase, reason, message, startedAt, finishedAt, exitCode, usage };
  };

  if (job.metadata?.deletionTimestamp) {
    finishedAt ??= toDate(job.metadata.deletionTimestamp);
    return result('cancelled', 'Cancelled', 'The job was deleted');
  }
  const complete = condition('Complete') ?? condition('SuccessCriteriaMet');
  if (complete) {
    finishedAt ??= toDate(job.status?.completionTime ?? complete.lastTransitionTime);
    return result('succeeded', null, null);
  }
  const failed = condition('Failed') ?? condition('FailureTarget');
  if (failed) {
    finishedAt ??= toDate(failed.lastTransitionTime);
    // The deadline deletes the pod: fall back to the Job's own start.
    startedAt ??= toDate(job.status?.startTime);
    if (failed.reason === 'DeadlineExceeded') {
      const limit = job.spec?.activeDeadlineSeconds;
      return result('failed', 'DeadlineExceeded', limit ? `The job ran longer than its limit of ${limit} seconds` : (failed.message ?? null));
    }
    if (terminated) return result('failed', terminated.reason ?? 'Error', endedMessage(terminated));
    if (pod?.status?.reason) return result('failed', pod.status.reason, pod.status.message ?? failed.message ?? null);
    return result('failed', failed.reason ?? 'Failed', failed.message ?? null);
  }
  if (job.spec?.suspend) return result('queued', 'Suspended', 'The job is suspended (waiting for a queue to admit it)');
  if (!pod) return result('pending', null, null);

  switch (pod.status?.phase) {
    case 'Running':
      return result('running', null, null);
    case 'Succeeded':
      return result('succeeded', null, null);
    case 'Failed':
      // The pod fails a moment before the Job controller marks its Job: the same words either way.
      if (terminated) return result('failed', terminated.reason ?? 'Error', endedMessage(terminated));
      return result('failed', pod.status.reason ?? 'Error', pod.status.message ?? null);
    default: {
      const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
      if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') return result('pending', 'Unschedulable', scheduled.message ?? null);
      if (waiting?.reason && !BENIGN_WAITING.has(waiting.reason)) return result('pending', waiting.reason, waiting.message ?? null);
      return result('pending', null, null);
    }
  }
}

/** Whether the pod's container has ended, so its log can grow no more. */
export function containerEnded(pod: V1Pod): boolean {
  const container = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME) ?? pod.status?.containerStatuses?.[0];
  return Boolean(container?.state?.terminated) || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

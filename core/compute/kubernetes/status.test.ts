import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { jobStatusFrom } from './status';

/**
 * A pod ends a moment before the Job controller marks its Job Complete or Failed, and a watcher
 * may look in between: what it reads then must say what it says once the Job is marked.
 */

const startedAt = new Date('2026-01-05T10:00:00Z');
const finishedAt = new Date('2026-01-05T10:00:07Z');
const failedPod = (reason: string, exitCode: number): V1Pod => ({
  status: { phase: 'Failed', containerStatuses: [{ name: 'main', image: 'trainer:1', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, reason, startedAt, finishedAt } } }] },
});
const running: V1Job = { spec: { template: {}, activeDeadlineSeconds: 600 }, status: { active: 1 } };
const failed: V1Job = { ...running, status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] } };

describe('the status of a Job whose pod has failed', () => {
  it.each([
    ['OOMKilled', 137, 'The container ran out of memory (exit code 137)'],
    ['Error', 3, 'The container exited with code 3'],
  ])('reads %s the same before and after the Job is marked Failed', (reason, exitCode, message) => {
    const pod = failedPod(reason, exitCode);
    const before = jobStatusFrom(running, pod);
    expect(before).toMatchObject({ phase: 'failed', reason, message, exitCode, startedAt, finishedAt, usage: { runtimeSeconds: 7 } });
    expect(jobStatusFrom(failed, pod)).toEqual(before);
  });
});

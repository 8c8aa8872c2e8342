import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { podProblem } from './provision';

/** The pod states a model server does not leave by waiting (what KWOK cannot play: a crash loop, a missing Secret). */
const pod = (status: V1Pod['status']): V1Pod => ({ metadata: { name: 'p-1' }, status });

describe('podProblem', () => {
  it('names a crash-looping container with its last exit', () => {
    expect(
      podProblem(pod({ containerStatuses: [{ name: 'model-server', image: 'i', imageID: '', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }] })),
    ).toBe('container "model-server" of pod p-1 is in CrashLoopBackOff: back-off 40s restarting failed container (last exit code 1, Error)');
  });

  it('names an init container that cannot fetch the model, and a missing Secret', () => {
    expect(podProblem(pod({ initContainerStatuses: [{ name: 'storage-initializer', image: 'i', imageID: '', ready: false, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 2 } } }] }))).toBe(
      'init container "storage-initializer" of pod p-1 is in CrashLoopBackOff (last exit code 2)',
    );
    expect(podProblem(pod({ containerStatuses: [{ name: 'model-server', image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "x-model" not found' } } }] }))).toMatch(/CreateContainerConfigError: secret "x-model" not found/);
  });

  it('leaves pods that may still start alone', () => {
    expect(podProblem(pod({ phase: 'Pending', containerStatuses: [{ name: 'model-server', image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] }))).toBeNull();
    expect(podProblem(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] }))).toBeNull();
    expect(podProblem(pod({ phase: 'Running', containerStatuses: [{ name: 'model-server', image: 'i', imageID: '', ready: true, restartCount: 0, state: { running: {} } }] }))).toBeNull();
  });
});

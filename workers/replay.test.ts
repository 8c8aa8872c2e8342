import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { recordedHistories } from './histories';
import { WORKFLOWS_PATH } from './worker';

describe('recorded workflow histories', () => {
  it('replay against the current workflow code without determinism errors', async () => {
    const histories = recordedHistories();
    const types = new Set(
      histories.map((h) => h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name),
    );
    // Every long-running workflow has recorded histories to be checked against.
    expect([...types].sort()).toEqual([
      'canaryRolloutWorkflow',
      'costWatchWorkflow',
      'deploymentProvisionWorkflow',
      'deploymentResourcesWorkflow',
      'deploymentTeardownWorkflow',
      'deploymentTrafficWorkflow',
      'evaluationWorkflow',
      'retrainingWorkflow',
      'trainingJobWorkflow',
    ]);
    let replayed = 0;
    for await (const r of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH, replayName: 'recorded' }, histories)) {
      expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
      replayed++;
    }
    expect(replayed).toBe(histories.length);
  });
});

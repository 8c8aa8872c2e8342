import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../workers/activities';

const { purgeDeletedRunArtifacts } = proxyActivities<Activities>({
  // A large store takes a while to walk; the heartbeat after each organization is what proves progress.
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '5 minutes',
  retry: { initialInterval: '30 seconds', maximumInterval: '10 minutes', maximumAttempts: 5 },
});

/**
 * Deletes the artifacts of runs deleted longer ago than the retention period.
 * Started daily by the `artifact-retention` schedule (workers/schedules.ts); safe to start by hand at
 * any time, since the purge is idempotent.
 */
export async function artifactRetentionWorkflow(input: { retentionDays?: number } = {}): Promise<{ orgsScanned: number; runsPurged: number }> {
  return purgeDeletedRunArtifacts(input);
}

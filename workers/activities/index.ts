/**
 * Activity factories: each takes its dependencies explicitly so tests and the
 * worker bootstrap decide what is real. Activities are idempotent: running one
 * twice with the same input has the same effect as running it once.
 */
import { Context } from '@temporalio/activity';
import type { ArtifactStore } from '../../core/artifacts/artifact-store';
import { purgeDeletedRunArtifacts, type PurgeResult } from '../../core/artifacts/purge-deleted-run-artifacts';
import { createCostActivities } from './costs';
import { reportSeatUsage, type SeatUsageResult } from '../../core/billing/report-seat-usage';
import { createMonitoringActivities, type MonitoringActivityDeps } from './monitoring';
import { createRolloutActivities, type RolloutActivityDeps } from './rollouts';
import { createServingKubernetesActivities } from './serving-kubernetes';
import { createTrainingActivities, type TrainingActivityDeps } from './training';

export interface ActivityDeps extends TrainingActivityDeps, MonitoringActivityDeps {
  /** The canary rollout's steps: the model runtimes provisioning loads a version with (default: the gateway's). */
  rollouts?: RolloutActivityDeps;
  /** The word a greeting starts with. */
  greeting?: string;
  /** Default: the store the configuration selects. */
  artifactStore?: ArtifactStore;
}

export function createActivities(deps: ActivityDeps = {}) {
  const greeting = deps.greeting ?? 'Hello';
  return {
    ...createTrainingActivities(deps),
    ...createMonitoringActivities(deps),
    ...createRolloutActivities({ store: deps.artifactStore, pollIntervalMs: deps.pollIntervalMs, ...deps.rollouts }),
    ...createServingKubernetesActivities(),
    ...createCostActivities(),
    /** Pure: the smoke path that proves worker, server and client talk to each other. */
    async greet(name: string): Promise<string> {
      return `${greeting}, ${name}!`;
    },

    /**
     * Removes artifacts of runs deleted longer than the retention period ago.
     * Heartbeats after each organization so a stuck store is noticed; a retry
     * simply starts over, since purged runs have nothing left to find.
     */
    async purgeDeletedRunArtifacts(input: { retentionDays?: number } = {}): Promise<Pick<PurgeResult, 'orgsScanned'> & { runsPurged: number }> {
      const r = await purgeDeletedRunArtifacts(
        { retentionDays: input.retentionDays, onProgress: (p) => Context.current().heartbeat(p) },
        { store: deps.artifactStore },
      );
      return { orgsScanned: r.orgsScanned, runsPurged: r.purged.length };
    },

    /** Reports the day's seats of each subscribed organization to Stripe; a retry resends the recorded reports only. */
    async reportSeatUsage(): Promise<SeatUsageResult> {
      return reportSeatUsage({ onProgress: (p) => Context.current().heartbeat(p) });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

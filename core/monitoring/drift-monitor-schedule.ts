import type { DriftMonitor } from '../../db/schema';
import type { TemporalCall } from '../orchestration/record-then-start';
import { isAppError } from '../errors';
import { deleteSchedule, ensureSchedule, lastScheduledRun, type ScheduledRun } from '../orchestration/schedules';
import { workflowStart } from '../orchestration/workflows';

/**
 * A deployment's drift monitor runs on the Temporal Schedule `drift-monitor/<deploymentId>`, which
 * follows the `drift_monitors` row: present while the monitor is on, firing every `intervalMinutes`.
 * A firing for a monitor that is gone or off finds nothing to do and removes the schedule.
 */
export const driftMonitorScheduleId = (deploymentId: string) => `drift-monitor/${deploymentId}`;

export function syncDriftMonitorCall(monitor: Pick<DriftMonitor, 'deploymentId' | 'orgId' | 'enabled' | 'intervalMinutes'>, opts: { deploymentName: string; note: string; replace: boolean }): TemporalCall {
  const scheduleId = driftMonitorScheduleId(monitor.deploymentId);
  return {
    awaitedBy: [scheduleId],
    async run() {
      // A schedule's spec is fixed once created, so a new interval replaces the schedule.
      if (!monitor.enabled || opts.replace) await deleteSchedule(scheduleId);
      if (!monitor.enabled) return;
      await ensureSchedule({
        scheduleId,
        cron: `*/${monitor.intervalMinutes} * * * *`,
        timezone: 'UTC',
        paused: false,
        note: opts.note,
        // A missed firing is not made up: the next one looks at the window that matters then.
        catchupWindow: '1 minute',
        start: workflowStart('driftMonitorWorkflow', scheduleId, [{ orgId: monitor.orgId, deploymentId: monitor.deploymentId }], { staticSummary: `Drift monitor of ${opts.deploymentName}` }),
        memo: { orgId: monitor.orgId, deploymentId: monitor.deploymentId },
      });
    },
  };
}

/**
 * The monitor's newest run (a firing or a "Check now") as Temporal has it; null when there is none yet,
 * or when Temporal cannot be asked right now (the monitoring page still shows what the database holds).
 */
export async function lastDriftMonitorRun(monitor: Pick<DriftMonitor, 'deploymentId' | 'enabled'>): Promise<ScheduledRun | null> {
  if (!monitor.enabled) return null;
  try {
    return await lastScheduledRun(driftMonitorScheduleId(monitor.deploymentId));
  } catch (e) {
    if (isAppError(e) && e.code === 'UNAVAILABLE') return null;
    throw e;
  }
}

import type { DriftMonitor } from '../../db/schema';
import type { TemporalCall } from '../orchestration/record-then-start';
import { deleteSchedule, ensureSchedule } from '../orchestration/schedules';
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

import { eq } from 'drizzle-orm';
import { driftMonitors, type DriftMonitor } from '../../db/schema';
import { AppError } from '../errors';
import { recordThenStart } from '../orchestration/record-then-start';
import { triggerSchedule } from '../orchestration/schedules';
import { findDeployment } from '../serving/access';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { driftMonitorScheduleId, syncDriftMonitorCall } from './drift-monitor-schedule';
import { deploymentIdInput } from './monitoring.schemas';

export interface DriftCheck {
  monitor: DriftMonitor;
  /** Taken just before the schedule was triggered: the check's run is the first one started after it. */
  requestedAt: Date;
}

/**
 * "Check now": the deployment's drift monitor runs at once, over the window ending now, by triggering
 * its schedule (the same workflow a firing starts, next to any firing still running). A monitor that
 * is off, or was never set up, is refused with CONFLICT rather than turned on: a check is a look, and
 * turning the monitor on starts work every few minutes, which is the user's own choice to make.
 * A schedule missing from Temporal while the monitor is on is put back first.
 */
export async function runDriftCheck(ctx: TenantContext, input: unknown): Promise<DriftCheck> {
  assertCan(ctx, 'deployment:write');
  const data = parseInput(deploymentIdInput, input);
  const scheduleId = driftMonitorScheduleId(data.deploymentId);
  return recordThenStart(ctx, {
    key: scheduleId,
    async record(tx) {
      const dep = await findDeployment(tx, ctx, { deploymentId: data.deploymentId });
      const [monitor] = await tx.select().from(driftMonitors).where(eq(driftMonitors.deploymentId, dep.id));
      if (!monitor?.enabled) {
        throw new AppError('CONFLICT', `The drift monitor of '${dep.name}' is off; turn it on (or add an alert rule) to check it now`);
      }
      const requestedAt = new Date();
      const sync = syncDriftMonitorCall(monitor, { deploymentName: dep.name, note: `checked now by ${ctx.actor.email}`, replace: false });
      return {
        row: { monitor, requestedAt },
        call: {
          awaitedBy: sync.awaitedBy,
          async run() {
            if (!(await triggerSchedule(scheduleId))) {
              await sync.run();
              await triggerSchedule(scheduleId);
            }
          },
        },
        audits: [{ action: 'drift_monitor.check', targetType: 'deployment', targetId: dep.id, data: { scheduleId } }],
      };
    },
  });
}

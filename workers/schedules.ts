import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { artifactRetentionWorkflow, costWatchWorkflow, seatUsageWorkflow } from '../workflows';

export const ARTIFACT_RETENTION_SCHEDULE_ID = 'artifact-retention';
export const COST_WATCH_SCHEDULE_ID = 'cost-watch';
export const SEAT_USAGE_SCHEDULE_ID = 'billing-seat-usage';

/**
 * Creates the platform's Temporal Schedules when they do not exist yet (the daily seat report only
 * where billing is on). Every
 * worker calls this at start; the fixed schedule IDs make all but the first a
 * no-op, and an operator's edits to an existing schedule are kept.
 */
export async function ensureSchedules(client: Client, taskQueue: string, opts: { billing?: boolean } = {}): Promise<{ created: string[] }> {
  const created: string[] = [];
  if (opts.billing) {
    try {
      await client.schedule.create({
        scheduleId: SEAT_USAGE_SCHEDULE_ID,
        // Daily, late in the UTC day: the day's seats as they stand then.
        spec: { cronExpressions: ['50 23 * * *'] },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
        action: { type: 'startWorkflow', workflowType: seatUsageWorkflow, workflowId: 'billing-seat-usage', taskQueue, args: [] },
      });
      created.push(SEAT_USAGE_SCHEDULE_ID);
    } catch (e) {
      if (!(e instanceof ScheduleAlreadyRunning)) throw e;
    }
  }
  try {
    await client.schedule.create({
      scheduleId: ARTIFACT_RETENTION_SCHEDULE_ID,
      // Daily, at a quiet hour; a missed run (worker down) is caught up once, not once per missed day.
      spec: { cronExpressions: ['17 3 * * *'] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      action: {
        type: 'startWorkflow',
        workflowType: artifactRetentionWorkflow,
        workflowId: 'artifact-retention',
        taskQueue,
        args: [{}],
      },
    });
    created.push(ARTIFACT_RETENTION_SCHEDULE_ID);
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
  }
  try {
    await client.schedule.create({
      scheduleId: COST_WATCH_SCHEDULE_ID,
      // Deployments charged, budgets checked: a missed firing is not made up, the next one looks at the month so far.
      spec: { cronExpressions: ['*/5 * * * *'] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      action: {
        type: 'startWorkflow',
        workflowType: costWatchWorkflow,
        workflowId: 'cost-watch',
        taskQueue,
        args: [{}],
      },
    });
    created.push(COST_WATCH_SCHEDULE_ID);
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
  }
  return { created };
}

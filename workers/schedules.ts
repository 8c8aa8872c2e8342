import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { artifactRetentionWorkflow } from '../workflows';

export const ARTIFACT_RETENTION_SCHEDULE_ID = 'artifact-retention';

/**
 * Creates the platform's Temporal Schedules when they do not exist yet. Every
 * worker calls this at start; the fixed schedule IDs make all but the first a
 * no-op, and an operator's edits to an existing schedule are kept.
 */
export async function ensureSchedules(client: Client, taskQueue: string): Promise<{ created: string[] }> {
  const created: string[] = [];
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
  return { created };
}

import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowNotFoundError } from '@temporalio/client';
import { AppError, isAppError } from '../errors';
import { createLogger } from '../observability/logger';
import { taskQueue, withTemporal } from './temporal';
import type { WorkflowName, WorkflowStart } from './workflows';

const log = createLogger('temporal');

/** A Temporal Schedule that starts one typed workflow on a cron. */
export interface ScheduleDefinition<K extends WorkflowName> {
  scheduleId: string;
  cron: string;
  timezone: string;
  paused: boolean;
  /** Why it is (un)paused, shown in Temporal's UI. */
  note: string;
  /** Each firing starts this workflow under `<workflowId>-<time>`. */
  start: WorkflowStart<K>;
  memo?: Record<string, string>;
  /** A firing missed while the service was down is made up for within this window, at most once. */
  catchupWindow?: string;
}

export interface ScheduleState {
  paused: boolean;
  nextActionTimes: Date[];
  lastActionAt: Date | null;
}

/**
 * Temporal refuses a spec (a cron it cannot read, an unknown time zone) with INVALID_ARGUMENT,
 * which the client rethrows as a TypeError carrying the server's reason ("Minute is not in range").
 */
function refusedSpec(e: unknown): boolean {
  if (e instanceof TypeError) return !e.message.startsWith('Missing ');
  return (e as { code?: unknown }).code === 3;
}

function mapped(what: string, e: unknown): never {
  if (isAppError(e)) throw e;
  if (refusedSpec(e)) {
    throw new AppError('BAD_USER_INPUT', `The schedule is not valid: ${((e as Error).message ?? '').slice(0, 200)}`, { fields: [{ path: 'cron', message: 'Invalid schedule' }], cause: e });
  }
  log.warn('Temporal refused a schedule call', { what, err: e });
  throw new AppError('UNAVAILABLE', 'The workflow service (Temporal) did not take the schedule change; try again shortly', { cause: e });
}

/**
 * Makes the schedule exist in the given pause state: created when missing, paused or unpaused
 * when it differs, left alone otherwise. Idempotent, so a retried or repeated call converges.
 * The spec of an existing schedule is not changed (policies do not edit their cron).
 */
export async function ensureSchedule<K extends WorkflowName>(def: ScheduleDefinition<K>): Promise<'created' | 'paused' | 'unpaused' | 'unchanged'> {
  return withTemporal(`schedule ${def.scheduleId}`, async (client) => {
    try {
      const handle = client.schedule.getHandle(def.scheduleId);
      let current: boolean | null;
      try {
        current = (await handle.describe()).state.paused;
      } catch (e) {
        if (!(e instanceof ScheduleNotFoundError)) throw e;
        current = null;
      }
      if (current === null) {
        try {
          await client.schedule.create({
            scheduleId: def.scheduleId,
            spec: { cronExpressions: [def.cron], timezone: def.timezone },
            policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: def.catchupWindow ?? '1 hour' },
            action: {
              type: 'startWorkflow',
              workflowType: def.start.workflow,
              workflowId: def.start.workflowId,
              taskQueue: taskQueue(),
              // Checked where the start was built (WorkflowStart<K>); the client's generic cannot see the table.
              args: def.start.args as unknown[],
              staticSummary: def.start.staticSummary,
            },
            state: { paused: def.paused, note: def.note },
            memo: def.memo,
          });
          return 'created';
        } catch (e) {
          // Created meanwhile by a concurrent call for the same state.
          if (e instanceof ScheduleAlreadyRunning) return 'unchanged';
          throw e;
        }
      }
      if (current === def.paused) return 'unchanged';
      if (def.paused) await handle.pause(def.note);
      else await handle.unpause(def.note);
      return def.paused ? 'paused' : 'unpaused';
    } catch (e) {
      mapped(`ensure ${def.scheduleId}`, e);
    }
  });
}

/** Deletes the schedule; one already gone is success. */
export async function deleteSchedule(scheduleId: string): Promise<void> {
  await withTemporal(`delete schedule ${scheduleId}`, async (client) => {
    try {
      await client.schedule.getHandle(scheduleId).delete();
    } catch (e) {
      if (e instanceof ScheduleNotFoundError) return;
      mapped(`delete ${scheduleId}`, e);
    }
  });
}

/** The schedule as Temporal has it, or null when there is none. UNAVAILABLE when Temporal cannot be asked. */
export async function describeSchedule(scheduleId: string): Promise<ScheduleState | null> {
  return withTemporal(`describe schedule ${scheduleId}`, async (client) => {
    try {
      const d = await client.schedule.getHandle(scheduleId).describe();
      return { paused: d.state.paused, nextActionTimes: d.info.nextActionTimes, lastActionAt: d.info.recentActions.at(-1)?.takenAt ?? null };
    } catch (e) {
      if (e instanceof ScheduleNotFoundError) return null;
      mapped(`describe ${scheduleId}`, e);
    }
  });
}

/**
 * Takes the schedule's action now, outside its spec (Temporal `ScheduleHandle.trigger`), alongside a
 * firing that may still be running. NOT_FOUND-free: false when the schedule does not exist.
 */
export async function triggerSchedule(scheduleId: string): Promise<boolean> {
  return withTemporal(`trigger schedule ${scheduleId}`, async (client) => {
    try {
      await client.schedule.getHandle(scheduleId).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
      return true;
    } catch (e) {
      if (e instanceof ScheduleNotFoundError) return false;
      mapped(`trigger ${scheduleId}`, e);
    }
  });
}

export type ScheduledRunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';

export interface ScheduledRun {
  workflowId: string;
  /** When the schedule took the action (a firing or a trigger), by Temporal's clock. */
  startedAt: Date;
  status: ScheduledRunStatus;
  closedAt: Date | null;
}

const RUN_STATUS: Partial<Record<string, ScheduledRunStatus>> = { RUNNING: 'running', COMPLETED: 'completed', FAILED: 'failed', CANCELLED: 'cancelled', TERMINATED: 'terminated', TIMED_OUT: 'timed_out' };

/** The newest run the schedule started (fired or triggered) and how it stands; null when there is no schedule or no run yet. */
export async function lastScheduledRun(scheduleId: string): Promise<ScheduledRun | null> {
  return withTemporal(`last run of schedule ${scheduleId}`, async (client) => {
    try {
      const d = await client.schedule.getHandle(scheduleId).describe();
      const last = [...d.info.recentActions].sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime()).at(-1);
      if (!last) return null;
      const workflowId = last.action.workflow.workflowId;
      try {
        const w = await client.workflow.getHandle(workflowId, last.action.workflow.firstExecutionRunId).describe();
        const status = RUN_STATUS[w.status.name] ?? 'completed';
        return { workflowId, startedAt: last.takenAt, status, closedAt: w.closeTime ?? null };
      } catch (e) {
        // Past the namespace's retention the run is gone; it ended long ago.
        if (e instanceof WorkflowNotFoundError) return { workflowId, startedAt: last.takenAt, status: 'completed', closedAt: null };
        throw e;
      }
    } catch (e) {
      if (e instanceof ScheduleNotFoundError) return null;
      mapped(`describe ${scheduleId}`, e);
    }
  });
}

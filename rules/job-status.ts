/**
 * Where a training or evaluation job is in its life. Stored as the `job_status`
 * enum, exposed as GraphQL's `JobStatus`, filtered on by `gantry jobs ls --status`
 * and shown by the UI; backends report their jobs in these terms too.
 */
export const JOB_STATUSES = ['queued', 'pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Still going: the job may yet run, and its status and log may yet change. */
export const ACTIVE_JOB_STATUSES = ['queued', 'pending', 'running'] as const satisfies readonly JobStatus[];
/** Over for good: nothing about the job changes any more. */
export const ENDED_JOB_STATUSES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly JobStatus[];

export const isJobStatus = (status: string): status is JobStatus => (JOB_STATUSES as readonly string[]).includes(status);
export const isActiveJob = (status: string): boolean => (ACTIVE_JOB_STATUSES as readonly string[]).includes(status);
export const isEndedJob = (status: string): boolean => (ENDED_JOB_STATUSES as readonly string[]).includes(status);

/**
 * Reasons on a job's timeline while the local cluster prepares the job's Python environment,
 * before its command runs: the build (status `pending`), the environment ready (also when it was
 * already built: "cached"), and an attempt that failed because it could not be built.
 */
export const ENVIRONMENT_REASONS = {
  building: 'BuildingEnvironment',
  ready: 'EnvironmentReady',
  failed: 'EnvironmentBuildFailed',
} as const;

/**
 * A step on an attempt's timeline after it ended: its log could not be read from the cluster
 * (after retries), so what was kept ends with a line saying so.
 */
export const LOG_REASONS = {
  notCollected: 'LogNotCollected',
} as const;

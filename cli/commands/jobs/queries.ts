/** The GraphQL documents the jobs commands send, and the shapes of what they read back. */

const EVENT_FIELDS = 'events { status attempt reason message detail occurredAt }';
const JOB_FIELDS = `id name kind status reason message attempt maxAttempts projectId
    cluster { id name }
    image command pythonRequirements resources { cpu memoryMiB gpuCount gpuType } maxRuntimeSeconds
    hyperparameters { key value }
    experimentId runId registerModelName modelVersionId
    createdAt startedAt finishedAt runtimeSeconds cpuSeconds peakMemoryMiB costMicros cancelRequested failureDetail
    ${EVENT_FIELDS}`;

export const SUBMIT_JOB_MUTATION = `mutation SubmitJob($input: SubmitTrainingJobInput!) {
  submitTrainingJob(input: $input) { ${JOB_FIELDS} }
}`;

export const JOBS_LIST_QUERY = `query Jobs($first: Int, $status: [JobStatus!]) {
  jobs(first: $first, status: $status) {
    edges { node { id name status reason cluster { name } resources { gpuCount gpuType } runtimeSeconds startedAt finishedAt costMicros createdAt } }
    pageInfo { hasNextPage }
  }
}`;

export const JOB_SHOW_QUERY = `query Job($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`;

const LOG_FIELDS = 'jobLogs(jobId: $id, offset: $offset, attempt: $attempt) { text nextOffset attempt complete }';
export const JOB_LOGS_QUERY = `query JobLogs($id: ID!, $offset: Float, $attempt: Int) { ${LOG_FIELDS} }`;

/** One request per poll while following: where the job is, and its log from where we left off. */
export const JOB_FOLLOW_QUERY = `query JobFollow($id: ID!, $offset: Float, $attempt: Int) {
  job(id: $id) { id status attempt maxAttempts ${EVENT_FIELDS} }
  ${LOG_FIELDS}
}`;
/** Following with --json: no log is printed, so none is read. */
export const JOB_WATCH_QUERY = `query JobWatch($id: ID!) { job(id: $id) { id status attempt maxAttempts ${EVENT_FIELDS} } }`;

export const CANCEL_JOB_MUTATION = `mutation CancelJob($id: ID!, $reason: String) {
  cancelJob(id: $id, reason: $reason) { ${JOB_FIELDS} }
}`;

export interface JobEvent {
  status: string;
  attempt: number;
  reason: string | null;
  message: string | null;
  /** On a failed attempt: the lines of its log that say why. */
  detail: string | null;
  occurredAt: string;
}
export interface JobNode {
  id: string;
  name: string;
  kind: string;
  status: string;
  reason: string | null;
  message: string | null;
  attempt: number;
  maxAttempts: number;
  projectId: string;
  cluster: { id: string; name: string };
  image: string;
  command: string[];
  pythonRequirements: string[];
  resources: { cpu: number; memoryMiB: number; gpuCount: number; gpuType: string | null };
  maxRuntimeSeconds: number;
  hyperparameters: { key: string; value: string }[];
  experimentId: string;
  runId: string | null;
  registerModelName: string | null;
  modelVersionId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  runtimeSeconds: number | null;
  cpuSeconds: number | null;
  peakMemoryMiB: number | null;
  /** The `Micros` scalar: micro-dollars as a string of digits. */
  costMicros: string | null;
  cancelRequested: boolean;
  /** The last failed attempt's lines of log that say why it failed. */
  failureDetail: string | null;
  events: JobEvent[];
}
export type JobListNode = Pick<JobNode, 'id' | 'name' | 'status' | 'reason' | 'runtimeSeconds' | 'startedAt' | 'finishedAt' | 'costMicros' | 'createdAt'> & {
  cluster: { name: string };
  resources: Pick<JobNode['resources'], 'gpuCount' | 'gpuType'>;
};
export interface LogChunk {
  text: string;
  nextOffset: number;
  attempt: number;
  complete: boolean;
}
export type FollowedJob = Pick<JobNode, 'id' | 'status' | 'attempt' | 'maxAttempts' | 'events'>;

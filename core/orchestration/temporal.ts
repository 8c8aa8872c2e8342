import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { env } from '../../config/env';
import { AppError } from '../errors';

/**
 * The Temporal client the web process (and use cases) start and signal
 * workflows with. One connection per process, made on first use; workflows are
 * addressed by type name so `core` never imports workflow code.
 */
let cached: { address: string; client: Promise<Client> } | undefined;

export function temporalClient(): Promise<Client> {
  const { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace } = env();
  if (cached?.address !== address) {
    const client = Connection.connect({ address, connectTimeout: 5000 }).then((connection) => new Client({ connection, namespace }));
    client.catch(() => {
      if (cached?.client === client) cached = undefined;
    });
    cached = { address, client };
  }
  return cached.client;
}

export function taskQueue(): string {
  return env().TEMPORAL_TASK_QUEUE;
}

/** Closes the cached connection (tests, shutdown). */
export async function closeTemporalClient(): Promise<void> {
  const c = cached;
  cached = undefined;
  if (c) await (await c.client.catch(() => null))?.connection.close();
}

/**
 * Starts a workflow by type and business-key ID. Starting one that is already
 * running is success (a retried request), so callers stay idempotent.
 */
export async function startWorkflow(type: string, workflowId: string, args: unknown[], opts: { staticSummary?: string; staticDetails?: string } = {}): Promise<void> {
  let client: Client;
  try {
    client = await temporalClient();
  } catch {
    throw new AppError('UNAVAILABLE', 'The workflow service (Temporal) is not reachable; try again shortly');
  }
  try {
    await client.workflow.start(type, { taskQueue: taskQueue(), workflowId, args, staticSummary: opts.staticSummary, staticDetails: opts.staticDetails });
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) return;
    throw new AppError('UNAVAILABLE', 'The workflow service (Temporal) refused to start the job; try again shortly');
  }
}

/** Sends a signal to a running workflow; a workflow that has already ended is not an error. */
export async function signalWorkflow(workflowId: string, signal: string, args: unknown[] = []): Promise<void> {
  const client = await temporalClient().catch(() => {
    throw new AppError('UNAVAILABLE', 'The workflow service (Temporal) is not reachable; try again shortly');
  });
  try {
    await client.workflow.getHandle(workflowId).signal(signal, ...args);
  } catch (e) {
    if ((e as Error).name === 'WorkflowNotFoundError') return;
    throw e;
  }
}

import type { SignalDefinition } from '@temporalio/common';
import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { env } from '../../config/env';
import { AppError } from '../errors';
import { createLogger } from '../observability/logger';
import { temporalPending, temporalPendingMessage } from './temporal-startup';
import type { WorkflowName, WorkflowStart } from './workflows';

const log = createLogger('temporal');

/**
 * The Temporal client the web process (and use cases) start and signal
 * workflows with. One connection per process, made on first use and again after a failed
 * attempt, so a web app started before Temporal connects once Temporal is up; workflows are
 * addressed through the typed table in `./workflows`, so `core` never loads workflow code.
 */
let cached: { address: string; client: Promise<Client> } | undefined;

export function temporalClient(): Promise<Client> {
  const { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace } = env();
  if (cached?.address !== address) {
    const client = Connection.connect({ address, connectTimeout: 5000 }).then((connection) => new Client({ connection, namespace }));
    // A failed connect is not kept: the next call tries again. The caller sees (and reports) the failure itself.
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

/** Closes the cached connection (tests, shutdown). A connection that never opened has nothing to close. */
export async function closeTemporalClient(): Promise<void> {
  const c = cached;
  cached = undefined;
  if (!c) return;
  const client = await c.client.catch((e: unknown) => {
    log.debug('closing a Temporal client that never connected', { err: e });
    return null;
  });
  await client?.connection.close();
}

/** How long one call may wait on Temporal: callers hold database locks meanwhile (see record-then-start). */
const CALL_DEADLINE_MS = 10_000;

const unreachable = (cause: unknown) => new AppError('UNAVAILABLE', 'The workflow service (Temporal) is not reachable; try again shortly', { cause });

/** Seconds a client should wait before trying again, by what the launcher is doing. */
const RETRY_AFTER_SECONDS = { building: 30, starting: 5, failed: undefined } as const;

/**
 * Runs `fn` with the client, within a deadline. While the launcher reports Temporal still
 * starting (or failed to start), UNAVAILABLE saying so, without waiting on a connection that
 * cannot succeed; a connection failure becomes UNAVAILABLE too (logged with its cause). Errors
 * from the call itself are the caller's to map.
 */
export async function withTemporal<T>(what: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const pending = temporalPending();
  if (pending) {
    const retryAfterSeconds = pending.state === 'ready' ? undefined : RETRY_AFTER_SECONDS[pending.state];
    throw new AppError('UNAVAILABLE', temporalPendingMessage(pending), { retryAfterSeconds });
  }
  let client: Client;
  try {
    client = await temporalClient();
  } catch (e) {
    log.warn('Temporal is not reachable', { what, address: env().TEMPORAL_ADDRESS, err: e });
    throw unreachable(e);
  }
  return client.connection.withDeadline(Date.now() + CALL_DEADLINE_MS, () => fn(client));
}

/**
 * Starts a workflow under its business-key ID. An ID is used once: starting one that is
 * running or has ended is success (a retried request), never a second run.
 */
export async function startWorkflow<K extends WorkflowName>(start: WorkflowStart<K>): Promise<void> {
  await withTemporal(`start ${start.workflowId}`, async (client) => {
    try {
      await client.workflow.start(start.workflow, {
        taskQueue: taskQueue(),
        workflowId: start.workflowId,
        // Checked at the call site by WorkflowStart<K>; the client's own overloads cannot see the table.
        args: start.args as unknown[],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: start.staticSummary,
        staticDetails: start.staticDetails,
      });
    } catch (e) {
      if (e instanceof WorkflowExecutionAlreadyStartedError) return;
      log.warn('Temporal refused a workflow start', { workflowId: start.workflowId, workflow: start.workflow, err: e });
      throw new AppError('UNAVAILABLE', 'The workflow service (Temporal) refused to start the work; try again shortly', { cause: e });
    }
  });
}

/** Sends a signal to a running workflow; a workflow that has already ended is not an error. */
export async function signalWorkflow<Args extends unknown[], Name extends string>(workflowId: string, signal: SignalDefinition<Args, Name>, ...args: Args): Promise<void> {
  await withTemporal(`signal ${signal.name} to ${workflowId}`, async (client) => {
    try {
      await client.workflow.getHandle(workflowId).signal(signal, ...args);
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) return;
      log.warn('Temporal refused a signal', { workflowId, signal: signal.name, err: e });
      throw new AppError('UNAVAILABLE', 'The workflow service (Temporal) did not take the request; try again shortly', { cause: e });
    }
  });
}

/**
 * The worker process: connects to Temporal at TEMPORAL_ADDRESS (waiting for as long as it
 * takes to come up), polls the task queue until SIGINT/SIGTERM, then finishes in-flight
 * tasks and exits. Logs one JSON object per line on stdout.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import { env } from '../config/env';
import { assertAppConnectionConfined } from '../db/app-role';
import { billingIsOn } from '../core/tenancy/plan-limits';
import { ensureSchedules } from './schedules';
import { createWorker } from './worker';

const LEVELS: Record<string, LogLevel | undefined> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

function writeEntry(entry: LogEntry): void {
  const { message, level, timestampNanos, meta } = entry;
  const ts = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
  process.stdout.write(`${JSON.stringify({ ts, level: level.toLowerCase(), msg: message, ...meta }, jsonReplacer)}\n`);
}

/**
 * A worker has nothing to do until Temporal answers, and a Temporal that comes up later (a
 * cluster restarting, a dev server whose CLI is still being built) is normal: it waits, saying
 * so now and then, until Temporal answers or a signal stops it.
 */
async function connectWhenReachable(address: string, log: DefaultLogger, stopped: AbortSignal): Promise<NativeConnection | undefined> {
  const started = Date.now();
  let lastReport = 0;
  for (let attempt = 1; !stopped.aborted; attempt++) {
    try {
      return await NativeConnection.connect({ address });
    } catch (err) {
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        log.warn('Temporal not reachable yet; waiting for it', { address, attempt, waitingSeconds: Math.round((Date.now() - started) / 1000), error: (err as Error).message });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(5000, 500 * attempt));
        stopped.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }
  return undefined;
}

async function main(): Promise<void> {
  const config = env();
  await assertAppConnectionConfined();
  const level = LEVELS[config.LOG_LEVEL];
  const logger = new DefaultLogger(level ?? 'ERROR', level ? writeEntry : () => undefined);
  // Signals are handled below so the process logs its own shutdown and exit code.
  Runtime.install({
    logger,
    shutdownSignals: [],
    telemetryOptions: { logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } } },
  });

  const address = config.TEMPORAL_ADDRESS;
  const namespace = config.TEMPORAL_NAMESPACE;
  const taskQueue = config.TEMPORAL_TASK_QUEUE;

  // Before the worker runs, a signal only ends the wait; afterwards it drains the worker.
  const stopped = new AbortController();
  let running: Awaited<ReturnType<typeof createWorker>> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopped.signal.aborted) {
      logger.warn('Second signal: exiting without waiting for in-flight tasks', { signal });
      process.exit(1);
    }
    stopped.abort();
    logger.info('Shutting down worker', { signal });
    running?.shutdown();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const connection = await connectWhenReachable(address, logger, stopped.signal);
  if (!connection) {
    logger.info('Worker stopped before Temporal was reachable');
    return;
  }
  const worker = await createWorker({ connection, namespace, taskQueue });
  const clientConnection = await Connection.connect({ address });
  try {
    const { created } = await ensureSchedules(new Client({ connection: clientConnection, namespace }), taskQueue, { billing: billingIsOn() });
    if (created.length) logger.info('Created Temporal schedules', { schedules: created });
    if (stopped.signal.aborted) return;
    logger.info('Worker started', { address, namespace, taskQueue, pid: process.pid });
    running = worker;
    await worker.run();
  } finally {
    // Closing on the way out: a failure here changes nothing but is still worth a line in the log.
    await clientConnection.close().catch((e: unknown) => logger.warn('Closing the Temporal client connection failed', { error: (e as Error).message }));
    await connection.close().catch((e: unknown) => logger.warn('Closing the worker connection failed', { error: (e as Error).message }));
  }
  logger.info('Worker stopped');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    const e = err as Error;
    process.stdout.write(
      `${JSON.stringify({ ts: new Date().toISOString(), level: 'error', msg: 'Worker failed', error: e?.message, stack: e?.stack })}\n`,
    );
    process.exit(1);
  },
);

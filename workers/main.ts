/**
 * The worker process: connects to Temporal at TEMPORAL_ADDRESS, polls the task
 * queue until SIGINT/SIGTERM, then finishes in-flight tasks and exits.
 * Logs one JSON object per line on stdout.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import { env } from '../config/env';
import { assertAppConnectionConfined } from '../db/app-role';
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

async function connectWithRetry(address: string, log: DefaultLogger, deadlineMs: number): Promise<NativeConnection> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await NativeConnection.connect({ address });
    } catch (err) {
      if (Date.now() - started > deadlineMs) throw err;
      log.warn('Temporal not reachable yet; retrying', { address, attempt, error: (err as Error).message });
      await new Promise((r) => setTimeout(r, Math.min(5000, 500 * attempt)));
    }
  }
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
  const connection = await connectWithRetry(address, logger, 120_000);
  const worker = await createWorker({ connection, namespace, taskQueue });
  const clientConnection = await Connection.connect({ address });
  const { created } = await ensureSchedules(new Client({ connection: clientConnection, namespace }), taskQueue);
  if (created.length) logger.info('Created Temporal schedules', { schedules: created });

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn('Second signal: exiting without waiting for in-flight tasks', { signal });
      process.exit(1);
    }
    signalled = true;
    logger.info('Shutting down worker', { signal });
    worker.shutdown();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  logger.info('Worker started', { address, namespace, taskQueue, pid: process.pid });
  try {
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

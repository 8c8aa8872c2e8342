import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { resetEnvCache } from '../config/env';
import { closeTemporalClient } from '../core/orchestration/temporal';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import { freePort } from '../scripts/lib/net';
import { findOrBuildTemporal, startTemporalDevServer, type TemporalDevServer } from '../scripts/lib/temporal-binary';
import type { ActivityDeps } from '../workers/activities';
import { createWorker } from '../workers/worker';

/**
 * What a test of workflows stands on: a fresh database, a real Temporal dev server on a free port, the
 * application pointed at both (its own task queue, local jobs in a directory of the test's), a client,
 * and the real worker on demand. One per test file.
 */
export interface TemporalPlatform {
  db: TestDatabase;
  server: TemporalDevServer;
  /** The test's own directory (GANTRY_HOME in `home/`, local jobs in `jobs/`); removed by `stop`. */
  dir: string;
  taskQueue: string;
  client: Client;
  connection: Connection;
  workerConnection: NativeConnection;
  /** Runs the real worker on the task queue until `stop` (or its own shutdown). */
  startWorker(deps?: ActivityDeps): Promise<{ worker: Worker; running: Promise<void> }>;
  /** Shuts down the workers it started, then closes and removes everything else. */
  stop(): Promise<void>;
}

let runtimeInstalled = false;

export async function startTemporalPlatform(label: string, env: Record<string, string> = {}): Promise<TemporalPlatform> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), `gantry-${label}-`));
  const db = await createTestDatabase();
  const binary = await findOrBuildTemporal();
  // A port free a moment ago can be taken by a server another test file starts at the same moment
  // (the dev server binds several ports beside the one it is given): a start that fails tries fresh ports.
  const server = await startTemporalDevServer({ binary, port: await freePort() }).catch(async () => startTemporalDevServer({ binary, port: await freePort() }));
  const taskQueue = `${label}-${process.pid}-${Date.now()}`;
  Object.assign(process.env, {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    // Run artifacts and local jobs live in the test's directory, not in the checkout's .gantry.
    GANTRY_HOME: path.join(dir, 'home'),
    GANTRY_JOBS_DIR: path.join(dir, 'jobs'),
    // Job code that calls back reaches nothing: these tests drive tracking themselves.
    GANTRY_PUBLIC_URL: 'http://127.0.0.1:9',
    ...env,
  });
  resetEnvCache();
  const workerConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  const started: { worker: Worker; running: Promise<void> }[] = [];
  return {
    db,
    server,
    dir,
    taskQueue,
    client,
    connection,
    workerConnection,
    async startWorker(deps = {}) {
      const worker = await createWorker({ connection: workerConnection, namespace: 'default', taskQueue, deps: { pollIntervalMs: 200, ...deps } });
      const run = { worker, running: worker.run() };
      started.push(run);
      return run;
    },
    async stop() {
      for (const { worker } of started) if (worker.getState() === 'RUNNING') worker.shutdown();
      for (const { running } of started) await running.catch((e: unknown) => console.error('worker stopped with an error', e));
      await closeTemporalClient();
      await connection.close();
      await workerConnection.close();
      await server.stop();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

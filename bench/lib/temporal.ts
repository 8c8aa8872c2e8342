import path from 'node:path';
import type { Client } from '@temporalio/client';
import { env, resetEnvCache } from '../../config/env';
import { closeTemporalClient, temporalClient } from '../../core/orchestration/temporal';
import { freePort, sleep } from '../../scripts/lib/net';
import { findOrBuildTemporal, startTemporalDevServer, type TemporalDevServer } from '../../scripts/lib/temporal-binary';
import { onCleanup, startManaged, type Managed } from './cleanup';
import type { Bench } from './context';
import { ROOT } from './servers';

export interface BenchTemporal {
  server: TemporalDevServer;
  worker: Managed;
  client: Client;
  taskQueue: string;
  /** Where the worker's local jobs live. */
  jobsDir: string;
  /** Starts and waits for an empty workflow (one no-op activity). */
  emptyWorkflow(): Promise<void>;
}

let started: Promise<BenchTemporal> | undefined;

/**
 * A Temporal dev server (`temporal server start-dev --db-filename …`, as `npm run dev` runs it) and the
 * worker as its own process (`workers/main.ts`), started once per bench run and shared by the parts
 * that need them; resolves when the worker has run a workflow. `beforeWorker` runs once, between the
 * server's start and the worker's (cleanup runs in reverse, so what it registers is undone after the
 * worker stopped).
 */
export function benchTemporal(b: Bench, beforeWorker?: (t: { jobsDir: string }) => void): Promise<BenchTemporal> {
  started ??= (async () => {
    const home = path.resolve(env().GANTRY_HOME, 'temporal-bench');
    const jobsDir = path.join(home, 'jobs');
    const binary = await findOrBuildTemporal({ log: (l) => b.log(l), allowDownload: false });
    const server = await startTemporalDevServer({ binary, port: await freePort(), dbFile: path.join(home, 'temporal.db') });
    onCleanup('Temporal dev server', () => server.stop());
    const taskQueue = `bench-${process.pid}`;
    Object.assign(process.env, {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      GANTRY_JOBS_DIR: jobsDir,
      // The jobs do not call back; nothing listens here.
      GANTRY_PUBLIC_URL: 'http://127.0.0.1:9',
      LOCAL_JOBS_ENABLED: 'true',
    });
    resetEnvCache();
    beforeWorker?.({ jobsDir });
    const worker = startManaged('worker', process.execPath, ['--import', 'tsx', path.join('workers', 'main.ts')], {
      env: { ...process.env, LOG_LEVEL: 'warn' },
      cwd: ROOT,
    });
    onCleanup('Temporal client', closeTemporalClient);
    const client = await temporalClient();
    let seq = 0;
    const emptyWorkflow = async () => {
      const handle = await client.workflow.start('helloWorkflow', { taskQueue, workflowId: `bench-empty-${process.pid}-${seq++}`, args: ['bench'] });
      await handle.result();
    };
    // The worker is ready when it runs a workflow; the first ones also warm its workflow bundle and pools.
    const readyBy = Date.now() + 180_000;
    for (;;) {
      if (worker.child.exitCode !== null) throw new Error(`the worker exited (${worker.child.exitCode}):\n${worker.tail()}`);
      const ok = await Promise.race([emptyWorkflow().then(() => true), sleep(10_000).then(() => false)]);
      if (ok) break;
      if (Date.now() > readyBy) throw new Error(`the worker did not run a workflow within 180 s:\n${worker.tail()}`);
    }
    return { server, worker, client, taskQueue, jobsDir, emptyWorkflow };
  })();
  return started;
}

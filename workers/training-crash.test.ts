import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../config/env';
import { closeTemporalClient } from '../core/orchestration/temporal';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { getRun } from '../core/tracking/get-run';
import { jobWorkflowId } from '../core/training/access';
import { getTrainingJob } from '../core/training/list-training-jobs';
import { readJobLogs } from '../core/training/read-job-logs';
import { submitTrainingJob } from '../core/training/submit-training-job';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import { freePort } from '../scripts/lib/net';
import { findOrBuildTemporal, startTemporalDevServer, type TemporalDevServer } from '../scripts/lib/temporal-binary';

/**
 * The worker process is killed with SIGKILL while a job runs. A new worker
 * process picks the workflow up; the job completes, exactly one backend job
 * exists for it, and its run has one end state.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let server: TemporalDevServer;
let db: TestDatabase;
let home: string;
let taskQueue: string;
let A: SignedUp;
let project: string;
const workers: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', NODE_ENV: 'test' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  workers.push(child);
  return child;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'gantry-crash-'));
  db = await createTestDatabase();
  server = await startTemporalDevServer({ binary: await findOrBuildTemporal(), port: await freePort() });
  taskQueue = `crash-${process.pid}-${Date.now()}`;
  Object.assign(process.env, {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    GANTRY_HOME: home,
    GANTRY_JOBS_DIR: path.join(home, 'jobs'),
    GANTRY_PUBLIC_URL: 'http://127.0.0.1:9',
  });
  resetEnvCache();
  A = await signUpUser('crash');
  const team = await createTeam(A.ctx, { name: 'ML' });
  project = (await createProject(A.ctx, { teamId: team.id, name: 'Crash' })).slug;
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await closeTemporalClient();
  await server?.stop();
  await db?.drop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('a worker killed mid-job', () => {
  it('loses nothing: a new worker finishes the job, with one backend job and one end state', async () => {
    const first = startWorker();
    // Every start of the job's process leaves a line here, outside the job's own directory.
    const starts = path.join(home, 'starts.log');
    const job = await submitTrainingJob(A.ctx, {
      project,
      command: [process.execPath, '-e', `require('fs').appendFileSync(${JSON.stringify(starts)}, 'start\\n'); console.log('epoch 1'); setTimeout(() => console.log('epoch 2'), 6000)`],
    });

    await waitFor('the job to run under the first worker', async () => (await getTrainingJob(A.ctx, job.id)).job.status === 'running');
    first.kill('SIGKILL');
    await new Promise<void>((r) => (first.exitCode !== null || first.signalCode !== null ? r() : first.once('exit', () => r())));
    expect(first.signalCode).toBe('SIGKILL');

    startWorker();
    const connection = await Connection.connect({ address: server.address });
    try {
      const result = await new Client({ connection, namespace: 'default' }).workflow.getHandle(jobWorkflowId(job.id)).result();
      expect(result).toMatchObject({ status: 'succeeded' });
    } finally {
      await connection.close();
    }

    const { job: done, events } = await getTrainingJob(A.ctx, job.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempt).toBe(1);
    expect(events.filter((e) => ['succeeded', 'failed', 'cancelled'].includes(e.status))).toHaveLength(1);
    // One backend job ran, once; its log was kept and its directory released.
    expect(readFileSync(starts, 'utf8')).toBe('start\n');
    expect(readdirSync(path.join(home, 'jobs')).filter((d) => d.includes(job.id.toLowerCase().replace(/_/g, '-')))).toEqual([]);
    const log = await readJobLogs(A.ctx, { jobId: job.id });
    expect(log).toMatchObject({ complete: true, text: 'epoch 1\nepoch 2\n' });
    const run = await getRun(A.ctx, done.runId!);
    expect(run.status).toBe('FINISHED');
  }, 180_000);
});

import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { getRun } from '../core/tracking/get-run';
import { jobWorkflowId } from '../core/training/access';
import { getTrainingJob } from '../core/training/list-training-jobs';
import { readJobLogs } from '../core/training/read-job-logs';
import { submitTrainingJob } from '../core/training/submit-training-job';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';
import { waitFor } from '../testing/wait-for';

/**
 * The worker process is killed with SIGKILL while a job runs. A new worker
 * process picks the workflow up; the job completes, exactly one backend job
 * exists for it, and its run has one end state.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let platform: TemporalPlatform;
let client: Client;
let home: string;
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


beforeAll(async () => {
  // The worker processes under test inherit the platform's environment (Temporal, task queue, GANTRY_HOME).
  platform = await startTemporalPlatform('crash');
  ({ client } = platform);
  // The test's own directory: local jobs in jobs/, the job's start marks beside them.
  home = platform.dir;
  A = await signUpUser('crash');
  const team = await createTeam(A.ctx, { name: 'ML' });
  project = (await createProject(A.ctx, { teamId: team.id, name: 'Crash' })).slug;
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await platform?.stop();
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
    const result = await client.workflow.getHandle(jobWorkflowId(job.id)).result();
    expect(result).toMatchObject({ status: 'succeeded' });

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

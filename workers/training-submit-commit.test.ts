import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../config/env';
import { closeTemporalClient } from '../core/orchestration/temporal';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { jobWorkflowId } from '../core/training/access';
import { getTrainingJob } from '../core/training/list-training-jobs';
import { submitTrainingJob } from '../core/training/submit-training-job';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import { freePort } from '../scripts/lib/net';
import { findOrBuildTemporal, startTemporalDevServer, type TemporalDevServer } from '../scripts/lib/temporal-binary';
import { createWorker } from './worker';

/**
 * submitTrainingJob starts the job's workflow inside its transaction. Here every
 * commit of a new job row is made slow (a deferred trigger), so the workflow's
 * first step runs before the row is visible: the job must still run, and a
 * submit whose commit fails must leave a workflow that ends with nothing done.
 */

let server: TemporalDevServer;
let db: TestDatabase;
let dir: string;
let client: Client;
let connection: Connection;
let workerConnection: NativeConnection;
let taskQueue: string;
let A: SignedUp;
let project: string;

async function trainingWorkflowIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowType = 'trainingJobWorkflow' AND TaskQueue = '${taskQueue}'` })) ids.push(w.workflowId);
  return ids;
}

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  dir = mkdtempSync(path.join(os.tmpdir(), 'gantry-submit-commit-'));
  db = await createTestDatabase();
  server = await startTemporalDevServer({ binary: await findOrBuildTemporal(), port: await freePort() });
  taskQueue = `submit-commit-${process.pid}-${Date.now()}`;
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.TEMPORAL_TASK_QUEUE = taskQueue;
  process.env.GANTRY_JOBS_DIR = path.join(dir, 'jobs');
  process.env.GANTRY_PUBLIC_URL = 'http://127.0.0.1:9';
  resetEnvCache();
  workerConnection = await NativeConnection.connect({ address: server.address });
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, namespace: 'default' });
  A = await signUpUser('submit-commit');
  const team = await createTeam(A.ctx, { name: 'ML' });
  project = (await createProject(A.ctx, { teamId: team.id, name: 'Commit' })).slug;
  await db.ownerSql.unsafe(`
    create function slow_commit() returns trigger language plpgsql as $$ begin perform pg_sleep(3); return null; end $$;
    create constraint trigger slow_commit after insert on training_jobs deferrable initially deferred for each row execute function slow_commit();`);
});

afterAll(async () => {
  await closeTemporalClient();
  await connection?.close();
  await workerConnection?.close();
  await server?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a job whose submit commits after its workflow started', () => {
  it('runs: the first step waits for the commit', async () => {
    const worker = await createWorker({ connection: workerConnection, namespace: 'default', taskQueue, deps: { pollIntervalMs: 200 } });
    await worker.runUntil(async () => {
      const job = await submitTrainingJob(A.ctx, { project, command: ['true'] });
      expect(await client.workflow.getHandle(jobWorkflowId(job.id)).result()).toMatchObject({ status: 'succeeded' });
      const { job: done, events } = await getTrainingJob(A.ctx, job.id);
      expect(done.status).toBe('succeeded');
      const statuses = events.map((e) => e.status);
      expect(statuses.slice(0, 2)).toEqual(['queued', 'pending']);
      expect(statuses.at(-1)).toBe('succeeded');
    });
  });

  it('does nothing when the commit fails: the workflow finds no job and ends', async () => {
    await db.ownerSql.unsafe(`create or replace function slow_commit() returns trigger language plpgsql as $$ begin perform pg_sleep(2); raise exception 'commit refused'; end $$;`);
    const before = new Set(await trainingWorkflowIds());
    const worker = await createWorker({ connection: workerConnection, namespace: 'default', taskQueue, deps: { pollIntervalMs: 200 } });
    await worker.runUntil(async () => {
      await expect(submitTrainingJob(A.ctx, { project, command: ['true'] })).rejects.toThrow(/commit refused/);
      const started = (await trainingWorkflowIds()).filter((id) => !before.has(id));
      expect(started).toHaveLength(1);
      expect(await client.workflow.getHandle(started[0]!).result()).toBeNull();
    });
  });
});

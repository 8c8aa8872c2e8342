import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { jobWorkflowId } from '../core/training/access';
import { getTrainingJob } from '../core/training/list-training-jobs';
import { submitTrainingJob } from '../core/training/submit-training-job';
import { type TestDatabase } from '../db/test/database';
import { createWorker } from './worker';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';

/**
 * submitTrainingJob starts the job's workflow inside its transaction. Here every
 * commit of a new job row is made slow (a deferred trigger), so the workflow's
 * first step runs before the row is visible: the job must still run, and a
 * submit whose commit fails must leave a workflow that ends with nothing done.
 */

let platform: TemporalPlatform;
let db: TestDatabase;
let client: Client;
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
  platform = await startTemporalPlatform('submit-commit');
  ({ db, client, workerConnection, taskQueue } = platform);
  A = await signUpUser('submit-commit');
  const team = await createTeam(A.ctx, { name: 'ML' });
  project = (await createProject(A.ctx, { teamId: team.id, name: 'Commit' })).slug;
  await db.ownerSql.unsafe(`
    create function slow_commit() returns trigger language plpgsql as $$ begin perform pg_sleep(3); return null; end $$;
    create constraint trigger slow_commit after insert on training_jobs deferrable initially deferred for each row execute function slow_commit();`);
});

afterAll(async () => platform?.stop());

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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { signUpUser, type SignedUp } from '../../testing/fixtures';
import { backendForCluster } from '../compute/backend-for-cluster';
import { createProject } from '../tenancy/create-project';
import { createTeam } from '../tenancy/create-team';
import { recordAttemptFailure, type AttemptOutcome } from './job-steps';
import { getTrainingJob } from './list-training-jobs';
import { recordChildTrainingJob } from './record-training-job';

let db: TestDatabase;
let A: SignedUp;
let project: string;

beforeAll(async () => {
  db = await createTestDatabase();
  A = await signUpUser('retry');
  const team = await createTeam(A.ctx, { name: 'Retry team' });
  project = (await createProject(A.ctx, { teamId: team.id, name: 'Retry project' })).id;
});
afterAll(async () => db.drop());

const outcome: AttemptOutcome = { phase: 'failed', reason: 'Error', message: 'Exited with code 3', exitCode: 3, usage: null, startedAt: null, finishedAt: null };

describe('a failed attempt that will be retried', () => {
  it('is failed on the timeline, while the job stays pending: never ended between two attempts', async () => {
    const job = await recordChildTrainingJob(A.ctx, { project, command: ['python3', 'train.py'], retries: 2 });
    await db.ownerSql`update training_jobs set status = 'running', attempt = 1 where id = ${job.id}`;
    const ref = { jobId: job.id, orgId: A.orgId, attempt: 1 };

    await recordAttemptFailure(ref, outcome, { backendFor: backendForCluster });
    // The activity may run again after a worker crash: the event is written once.
    await recordAttemptFailure(ref, outcome, { backendFor: backendForCluster });

    const { job: after, events } = await getTrainingJob(A.ctx, job.id);
    expect(after).toMatchObject({ status: 'pending', attempt: 1, reason: 'Error', message: 'Exited with code 3; retrying' });
    expect(events.filter((e) => e.attempt === 1 && e.status === 'failed')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ status: 'failed', attempt: 1, message: 'Exited with code 3; retrying' });
  });

  it('leaves a job that ended meanwhile (cancelled) as it is', async () => {
    const job = await recordChildTrainingJob(A.ctx, { project, command: ['python3', 'train.py'], retries: 1 });
    await db.ownerSql`update training_jobs set status = 'cancelled', attempt = 1 where id = ${job.id}`;
    await recordAttemptFailure({ jobId: job.id, orgId: A.orgId, attempt: 1 }, outcome, { backendFor: backendForCluster });
    const { job: after, events } = await getTrainingJob(A.ctx, job.id);
    expect(after.status).toBe('cancelled');
    expect(events.some((e) => e.status === 'failed')).toBe(false);
  });
});

import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listClusters } from '../core/compute/list-clusters';
import { updateClusterPrices } from '../core/compute/update-cluster-prices';
import { listBudgets, setBudget } from '../core/costs/budgets';
import { isAppError } from '../core/errors';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { jobWorkflowId } from '../core/training/access';
import { getTrainingJob } from '../core/training/list-training-jobs';
import { submitTrainingJob } from '../core/training/submit-training-job';
import { budgetReservations, costLines, trainingJobs } from '../db/schema';
import { inTenantScope } from '../db/with-tenant';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';
import { waitFor } from '../testing/wait-for';
import { exited, workerProcesses } from '../testing/worker-processes';

/**
 * A hundred jobs submitted at once against a budget that has room for ten: exactly ten are
 * admitted, committed + reserved never exceeds the budget, and each refusal carries the numbers.
 * Then the same with worker processes running the admitted jobs, one of them killed with SIGKILL
 * while they run: every admitted job is charged exactly once and releases its reservation.
 * The suite runs on the embedded PostgreSQL and on Debian's, so this does too.
 */

let platform: TemporalPlatform;
let A: SignedUp;
const workers = workerProcesses();
const DOLLAR = 1_000_000;
/** A job's worst case at $1 a core-hour: one core for an hour, one attempt. */
const ONE_DOLLAR_JOB = { cpu: 1, maxRuntimeSeconds: 3600 };

beforeAll(async () => {
  platform = await startTemporalPlatform('budget-concurrency');
  A = await signUpUser('budget-concurrency');
  const local = (await listClusters(A.ctx)).find((c) => c.kind === 'local')!;
  await updateClusterPrices(A.ctx, { clusterId: local.id, cpuCoreHourMicros: DOLLAR, memoryGibHourMicros: 0, gpu: [] });
}, 120_000);

afterEach(() => workers.killAll());

afterAll(async () => {
  await workers.killAll();
  await platform?.stop();
});

async function teamWithBudget(name: string, amountMicros: number) {
  const team = await createTeam(A.ctx, { name });
  const project = await createProject(A.ctx, { teamId: team.id, name: `${name} work` });
  await setBudget(A.ctx, { teamId: team.id, amountMicros });
  return { team, project };
}

/** The budget's standing now: what its ledger lines and reservations add up to. */
async function standing(teamId: string) {
  const [b] = await listBudgets(A.ctx, { teamId });
  return b!;
}

/** Submits `n` jobs at once; the admitted job IDs and the refusals' messages. */
async function burst(project: string, n: number, command: string[]) {
  const results = await Promise.allSettled(
    Array.from({ length: n }, (_, i) => submitTrainingJob(A.ctx, { project, name: `burst ${i}`, command, resources: { cpu: ONE_DOLLAR_JOB.cpu }, maxRuntimeSeconds: ONE_DOLLAR_JOB.maxRuntimeSeconds })),
  );
  const admitted: string[] = [];
  const refused: string[] = [];
  for (const r of results) {
    if (r.status === 'fulfilled') admitted.push(r.value.id);
    else if (isAppError(r.reason) && r.reason.code === 'BUDGET_EXCEEDED') refused.push(r.reason.message);
    else throw r.reason;
  }
  return { admitted, refused };
}

describe('budgets under concurrent submissions', () => {
  it('admits exactly what fits out of 100 simultaneous jobs, and refuses the rest with the numbers', async () => {
    // $90 of $100.50 already held by nine $10 jobs: $10.50 is left, room for ten $1 jobs.
    const { team, project } = await teamWithBudget('Nearly spent', 100_500_000);
    for (let i = 0; i < 9; i++) await submitTrainingJob(A.ctx, { project: project.slug, name: `earlier ${i}`, command: ['true'], resources: { cpu: 10 }, maxRuntimeSeconds: 3600 });
    expect(await standing(team.id)).toMatchObject({ spentMicros: 0, reservedMicros: 90 * DOLLAR, remainingMicros: 10_500_000 });

    const { admitted, refused } = await burst(project.slug, 100, ['true']);
    const after = await standing(team.id);
    console.log(`100 concurrent $1.00 submissions against $10.50 left: ${admitted.length} admitted, ${refused.length} refused; spent $${after.spentMicros / DOLLAR} + reserved $${after.reservedMicros / DOLLAR} of $${after.amountMicros / DOLLAR}`);
    expect(admitted).toHaveLength(10);
    expect(refused).toHaveLength(90);
    expect(after.spentMicros + after.reservedMicros).toBeLessThanOrEqual(after.amountMicros);
    expect(after).toMatchObject({ reservedMicros: 100 * DOLLAR, remainingMicros: 500_000 });
    // Checked one after another under the budget's lock, a job is refused only once the ten before it hold their $10.
    for (const m of refused) expect(m).toMatch(/^This job could cost up to \$1\.00 .* team Nearly spent's budget for \w+ \d{4}: budget \$100\.50, spent \$0\.00, reserved by running jobs \$100\.00, left \$0\.50$/);
    // Nothing of a refused job was written.
    const rows = await inTenantScope({ orgId: A.orgId }, (tx) => tx.select({ id: trainingJobs.id }).from(trainingJobs).where(eq(trainingJobs.teamId, team.id)));
    expect(rows).toHaveLength(19);
    // No worker runs these: their workflows go, so that the next test's workers do not pick them up.
    for (const { id } of rows) await platform.client.workflow.getHandle(jobWorkflowId(id)).terminate('test over');
  }, 180_000);

  it('charges every admitted job exactly once when a worker is killed while they run', async () => {
    const { team, project } = await teamWithBudget('Crashing', 10_500_000);
    // Each job runs about two seconds: the first worker is killed while some run, the second finishes them.
    const { admitted, refused } = await burst(project.slug, 100, [process.execPath, '-e', 'setTimeout(() => {}, 2000)']);
    expect(admitted).toHaveLength(10);
    expect(refused).toHaveLength(90);

    const first = workers.start();
    // Sampled while they run: never more than the budget, whatever is spent or still held.
    const samples: number[] = [];
    await waitFor('some jobs to run under the first worker', async () => {
      const s = await standing(team.id);
      samples.push(s.spentMicros + s.reservedMicros);
      const states = await Promise.all(admitted.map(async (id) => (await getTrainingJob(A.ctx, id)).job.status));
      return states.some((st) => st === 'running');
    }, 120_000);
    first.kill('SIGKILL');
    await exited(first);
    workers.start();
    for (const id of admitted) {
      await platform.client.workflow.getHandle(jobWorkflowId(id)).result();
      const s = await standing(team.id);
      samples.push(s.spentMicros + s.reservedMicros);
    }

    const [lines, held] = await inTenantScope({ orgId: A.orgId }, async (tx) => [
      await tx.select().from(costLines).where(eq(costLines.teamId, team.id)),
      await tx.select().from(budgetReservations).where(eq(budgetReservations.teamId, team.id)),
    ]);
    const jobs = await Promise.all(admitted.map(async (id) => (await getTrainingJob(A.ctx, id)).job));
    const charged = jobs.filter((j) => (j.costMicros ?? 0) > 0);
    console.log(`worker killed mid-burst: ${jobs.filter((j) => j.status === 'succeeded').length} of ${admitted.length} succeeded, ${lines.length} ledger lines, ${held.length} reservations left, peak committed + reserved $${Math.max(...samples) / DOLLAR} of $10.50`);
    expect(Math.max(...samples)).toBeLessThanOrEqual(10_500_000);
    expect(held).toEqual([]);
    // One line per charged job, of exactly its recorded cost; no job has two.
    expect(lines.map((l) => l.jobId).sort()).toEqual(charged.map((j) => j.id).sort());
    for (const j of charged) expect(lines.find((l) => l.jobId === j.id)!.amountMicros).toBe(j.costMicros);
    expect(charged.length).toBeGreaterThan(0);
  }, 600_000);
});

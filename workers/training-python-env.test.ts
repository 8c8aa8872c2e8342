import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemArtifactStore } from '../core/artifacts/filesystem-artifact-store';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { backendForCluster } from '../core/compute/backend-for-cluster';
import { jobWorkflowId } from '../core/training/access';
import { collectLogs } from '../core/training/job-steps';
import { getTrainingJob } from '../core/training/list-training-jobs';
import { readJobLogs } from '../core/training/read-job-logs';
import { submitTrainingJob } from '../core/training/submit-training-job';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';
import { createWorker } from './worker';

/**
 * Jobs that bring their own Python, end to end on a real Temporal dev server, the real worker,
 * PostgreSQL and the local backend: the first job with a set of requirements builds a virtual
 * environment (a step on its timeline, pip's output in its log) in a fresh environments
 * directory and runs in it; the next finds it built (a cached step); a Python exception or an
 * uninstallable requirement fails the job with the lines that say why. The requirement is one
 * small pure-Python wheel. (A Kubernetes job's image carries its environment: see
 * training-kubernetes.test.ts.)
 */

let platform: TemporalPlatform;
let store: FilesystemArtifactStore;
let envsDir: string;
let A: SignedUp;
let project: string;

beforeAll(async () => {
  platform = await startTemporalPlatform('pyenv');
  // A fresh environments directory: nothing is built before this file's first job.
  envsDir = path.join(platform.dir, 'home', 'envs');
  store = new FilesystemArtifactStore(path.join(platform.dir, 'artifacts'));
  A = await signUpUser('pyenv');
  const team = await createTeam(A.ctx, { name: 'ML' });
  project = (await createProject(A.ctx, { teamId: team.id, name: 'Churn' })).slug;
});
afterAll(async () => platform?.stop());

async function run<T>(fn: () => Promise<T>): Promise<T> {
  const worker = await createWorker({ connection: platform.workerConnection, namespace: 'default', taskQueue: platform.taskQueue, deps: { artifactStore: store, pollIntervalMs: 200 } });
  return worker.runUntil(fn);
}
const finish = (jobId: string) => run(() => platform.client.workflow.getHandle(jobWorkflowId(jobId)).result());
const steps = (events: { status: string; reason: string | null }[]) => events.map((e) => (e.reason ? `${e.status}:${e.reason}` : e.status));
const logOf = async (jobId: string, attempt?: number) => (await readJobLogs(A.ctx, { jobId, attempt }, { artifactStore: store })).text;

const SIX = ['six==1.17.0'];
// Long enough to be seen running.
const printSix = ['python3', '-c', 'import os, sys, time, six; print("six", six.__version__, "in", sys.prefix, "venv", os.environ["VIRTUAL_ENV"]); time.sleep(1.5)'];

describe('a job with Python requirements on the local cluster', () => {
  it('builds its environment as a step of the timeline, runs in it and succeeds; the same requirements again are a cache hit', async () => {
    expect(existsSync(envsDir)).toBe(false);
    const first = await submitTrainingJob(A.ctx, { project, name: 'with six', command: printSix, python: { requirements: SIX } });
    expect(await finish(first.id)).toMatchObject({ status: 'succeeded' });
    const built = await getTrainingJob(A.ctx, first.id);
    expect(steps(built.events), JSON.stringify(built.events)).toEqual(['queued', 'pending', 'pending:BuildingEnvironment', 'pending:EnvironmentReady', 'running', 'succeeded']);
    const ready = built.events.find((e) => e.reason === 'EnvironmentReady')!;
    expect(ready.message).toMatch(/^Python environment ready: built in \d/);
    expect(built.events.find((e) => e.reason === 'BuildingEnvironment')!.message).toMatch(/^Building the Python environment: 1 requirement on Python 3\./);
    const [envDir] = readdirSync(envsDir).filter((d) => !d.startsWith('.') && !d.endsWith('.lock'));
    const venv = path.join(envsDir, envDir!);
    const log = await logOf(first.id);
    expect(log).toContain('gantry: $ pip install six==1.17.0');
    expect(log).toMatch(/Successfully installed six-1\.17\.0/);
    expect(log).toContain(`six 1.17.0 in ${venv} venv ${venv}\n`);

    const second = await submitTrainingJob(A.ctx, { project, name: 'with six again', command: printSix, python: { requirements: SIX } });
    expect(await finish(second.id)).toMatchObject({ status: 'succeeded' });
    const cached = await getTrainingJob(A.ctx, second.id);
    expect(steps(cached.events)).toEqual(['queued', 'pending', 'pending:EnvironmentReady', 'running', 'succeeded']);
    expect(cached.events.find((e) => e.reason === 'EnvironmentReady')!.message).toBe('Python environment ready (cached)');
    const again = await logOf(second.id);
    expect(again).toContain(`gantry: Python environment ready (cached): ${venv}\n`);
    expect(again).not.toContain('pip install');
    expect(again).toContain(`six 1.17.0 in ${venv}`);
  });

  it('fails on a Python exception with the traceback’s end and the exception as the failure’s detail, on every attempt', async () => {
    const script = 'import six\n\ndef load(path):\n    raise FileNotFoundError(f"no training data at {path}")\n\nprint("loading", flush=True)\nload("/data/churn.csv")\n';
    const job = await submitTrainingJob(A.ctx, { project, name: 'raises', command: ['python3', '-c', script], python: { requirements: SIX }, retries: 1 });
    expect(await finish(job.id)).toMatchObject({ status: 'failed', reason: 'Error' });
    const { job: done, events } = await getTrainingJob(A.ctx, job.id);
    expect(done.message).toBe('Exited with code 1');
    const failed = events.filter((e) => e.status === 'failed');
    expect(failed.map((e) => e.attempt)).toEqual([1, 2]);
    for (const e of failed) {
      expect(e.detail).toBe(
        [
          'Traceback (most recent call last):',
          '  File "<string>", line 7, in <module>',
          '  File "<string>", line 4, in load',
          'FileNotFoundError: no training data at /data/churn.csv',
        ].join('\n'),
      );
    }
    // Collecting an attempt's log again (a step retried after a crash) keeps the log it kept, not the nothing the released backend job has left.
    const kept = await logOf(job.id, 2);
    expect(kept).toContain('FileNotFoundError: no training data at /data/churn.csv');
    await expect(collectLogs({ jobId: job.id, orgId: A.orgId, attempt: 2 }, { backendFor: backendForCluster, artifactStore: store })).resolves.toEqual({
      bytes: Buffer.byteLength(kept),
      path: 'gantry/logs/attempt-2.log',
    });
    expect(await logOf(job.id, 2)).toBe(kept);
    // The second attempt found the environment the first one built.
    expect(events.filter((e) => e.reason === 'EnvironmentReady').map((e) => [e.attempt, e.message])).toEqual([
      [1, 'Python environment ready (cached)'],
      [2, 'Python environment ready (cached)'],
    ]);
  });

  it('fails the attempt when its requirements cannot be installed, with pip’s error as the detail and its output in the log', async () => {
    const job = await submitTrainingJob(A.ctx, { project, name: 'bad requirement', command: ['python3', '-c', 'print("never runs")'], python: { requirements: ['gantry-no-such-package-q7x==1.0'] } });
    expect(await finish(job.id)).toMatchObject({ status: 'failed', reason: 'EnvironmentBuildFailed' });
    const { job: done, events } = await getTrainingJob(A.ctx, job.id);
    expect(done).toMatchObject({ status: 'failed', reason: 'EnvironmentBuildFailed', startedAt: null, runtimeSeconds: 0, costMicros: 0 });
    expect(done.message).toBe("Could not build the Python environment: installing 1 requirement failed (exit code 1); pip's output is in the log");
    expect(steps(events)).toEqual(['queued', 'pending', 'pending:BuildingEnvironment', 'failed:EnvironmentBuildFailed']);
    const detail = events.at(-1)!.detail!;
    expect(detail).toMatch(/^ERROR: Could not find a version that satisfies the requirement gantry-no-such-package-q7x==1\.0/m);
    expect(detail).toContain('ERROR: No matching distribution found for gantry-no-such-package-q7x==1.0');
    const log = await logOf(job.id);
    expect(log).toContain('gantry: $ pip install gantry-no-such-package-q7x==1.0');
    expect(log).not.toContain('never runs');
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { uploadArtifact } from '../core/artifacts/upload-artifact';
import { createApiKey } from '../core/auth/create-api-key';
import { listClusters } from '../core/compute/list-clusters';
import { updateClusterPrices } from '../core/compute/update-cluster-prices';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { cancelTrainingJob } from '../core/training/cancel-training-job';
import { jobFileSchema } from '../rules/job-spec';
import { getTrainingJob, listTrainingJobs } from '../core/training/list-training-jobs';
import { readJobLogs } from '../core/training/read-job-logs';
import { formatMicros } from '../rules/money';
import { formatDuration } from './commands/jobs/format';
import { applySet, parseJobFile, toSubmitInput } from './commands/jobs/spec-file';
import { JOB_SPEC_FIELDS } from './commands/jobs/spec-fields';
import { EXIT, EXIT_CODES_HELP } from './exit-codes';
import { runAgainstApi } from './test/run-against-api';
import { serveApi, type ServedApi } from '../testing/serve-api';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';
import { waitFor } from '../testing/wait-for';

/**
 * `gantry jobs …` against the web app's real GraphQL route over HTTP, on a real database,
 * with a real Temporal dev server and worker running the jobs on the local backend: each
 * job's command (Node printing, sleeping, failing) produces the timeline a test follows.
 */

let platform: TemporalPlatform;
let api: ServedApi;
let tmp: string;
let A: SignedUp;
let key = '';

beforeAll(async () => {
  // Run artifacts (kept job logs) and the local backend's jobs live in the platform's directory.
  platform = await startTemporalPlatform('cli-jobs');
  tmp = platform.dir;
  api = await serveApi();
  await platform.startWorker();

  A = await signUpUser('cli-jobs');
  key = (await createApiKey(A.ctx, { name: 'cli', scopes: ['admin'] })).secret;
  const team = await createTeam(A.ctx, { name: 'ML' });
  await createProject(A.ctx, { teamId: team.id, name: 'Churn' });
  // One CPU at $3.60 an hour is 1,000 micro-dollars a second: a job of a few seconds costs a fraction of a cent.
  const local = (await listClusters(A.ctx)).find((c) => c.kind === 'local')!;
  await updateClusterPrices(A.ctx, { clusterId: local.id, cpuCoreHourMicros: 3_600_000, memoryGibHourMicros: 0, gpu: [] });
});
afterAll(async () => {
  // No job outlives the test: the local backend's processes would.
  if (A) {
    const open = (await listTrainingJobs(A.ctx, { first: 100 })).rows.filter((j) => !ENDED.has(j.status));
    for (const j of open) await cancelTrainingJob(A.ctx, { jobId: j.id });
    for (const j of open) await ended(j.id);
  }
  await api?.close();
  await platform?.stop();
});

const gantry = (argv: string[], opts: { stdin?: string } = {}) => runAgainstApi(api, argv, key, opts);

let files = 0;
function jobFile(text: string, ext = 'yaml'): string {
  const file = path.join(tmp, `job-${++files}.${ext}`);
  writeFileSync(file, text);
  return file;
}

const BASIC = `name: NAME
project: churn
command: [python, train.py]
`;
const basic = (name: string, extra = '') => jobFile(BASIC.replace('NAME', name) + extra);

/** A job whose program is `script`, run by Node: what it prints, how long it takes and how it exits is the job's timeline. */
const nodeJob = (name: string, script: string, extra = '') => jobFile(`name: ${name}\nproject: churn\ncommand: ${JSON.stringify([process.execPath, '-e', script])}\n${extra}`);


/** The newest job of that name, once it exists. */
const jobNamed = (name: string) => waitFor(`job ${name}`, async () => (await listTrainingJobs(A.ctx, { first: 100 })).rows.find((j) => j.name === name));
const jobState = async (id: string) => (await getTrainingJob(A.ctx, id)).job;
const ENDED = new Set(['succeeded', 'failed', 'cancelled']);
const ended = (id: string) =>
  waitFor(`job ${id} to end`, async () => {
    const job = await jobState(id);
    return ENDED.has(job.status) && job;
  });
/**
 * A job's program that prints `start`, then in attempt 1 waits for the file named by `$GO`
 * before doing `end1`, and in later attempts does `end` after a second and a half.
 */
const retrying = (start: string, end1: string, end: string) =>
  `${start}; if (process.env.GANTRY_JOB_ATTEMPT === '1') { const t = setInterval(() => { if (require('fs').existsSync(process.env.GO)) { clearInterval(t); ${end1}; } }, 50); } else setTimeout(() => { ${end}; }, 1500)`;

/**
 * Once the follower has read attempt 1's first line, ends attempt 1. Between two attempts the job
 * reads `pending` (the failed attempt is on the timeline), so the follower goes on polling right
 * through the retry.
 */
async function endAttemptOne(id: string, go: string) {
  await waitFor('the follower to read attempt 1', async () => api.seen.some((q) => q.body?.query?.includes('jobLogs') && q.body.variables?.offset === 6 && q.body.variables.id === id));
  writeFileSync(go, '');
}

/**
 * Each read is one of `steps`, in that order: a step repeats while the follower polls
 * faster than the job moves, and is skipped when the job moved on between two polls.
 */
function expectInOrder(reads: unknown[][], steps: unknown[][]) {
  const at = reads.map((r) => steps.findIndex((step) => JSON.stringify(step) === JSON.stringify(r)));
  expect(at, JSON.stringify(reads)).not.toContain(-1);
  expect(at, JSON.stringify(reads)).toEqual([...at].sort((x, y) => x - y));
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A job as `jobs show --json` prints it. */
async function shown(id: string) {
  const r = await gantry(['jobs', 'show', id, '--json']);
  expect(r.code, r.stderr).toBe(EXIT.OK);
  return r.json().job as { id: string; status: string; runId: string | null; modelVersionId: string | null; runtimeSeconds: number | null; costMicros: string | null };
}

describe('formatting', () => {
  it('shows durations in the two largest units', () => {
    expect(formatDuration(null)).toBe('-');
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(185)).toBe('3m 05s');
    expect(formatDuration(7380)).toBe('2h 03m');
    expect(formatDuration(100_800)).toBe('1d 04h');
  });
});

describe('the job file', () => {
  /** The CLI's picture of a job spec, derived from the platform's schema: it must not drift. */
  type Shape = string | { object: Record<string, Shape> } | { listOf: Record<string, Shape> };
  function shapeOf(s: Record<string, unknown>): Shape {
    const anyOf = s.anyOf as Record<string, unknown>[] | undefined;
    if (anyOf) {
      const types = anyOf.filter((x) => x.type !== 'null');
      if (types.every((x) => x.type === 'string' || x.type === 'number' || x.type === 'boolean')) return types.length === 1 ? shapeOf(types[0]!) : 'scalar';
      return shapeOf(types[0]!);
    }
    const props = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o.properties as Record<string, Record<string, unknown>>).map(([k, v]) => [k, shapeOf(v)]));
    switch (s.type) {
      case 'string':
        return 'text';
      case 'number':
      case 'integer':
        return 'number';
      case 'array': {
        const items = s.items as Record<string, unknown>;
        return items.type === 'object' ? { listOf: props(items) } : 'list';
      }
      case 'object':
        return s.properties ? { object: props(s) } : 'map';
      default:
        return JSON.stringify(s);
    }
  }

  it('knows exactly the keys and shapes of a job file (jobFileSchema)', () => {
    const json = z.toJSONSchema(jobFileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    expect({ object: JOB_SPEC_FIELDS }).toEqual(shapeOf(json));
  });

  it('reports YAML syntax errors with file, line and column', async () => {
    await expect(parseJobFile('project: churn\ncommand: [python, train.py\n', 'job.yaml')).rejects.toMatchObject({
      exitCode: EXIT.USAGE,
      message: expect.stringMatching(/^job\.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a \]/),
    });
    await expect(parseJobFile('project: a\nproject: b\n', 'job.yaml')).rejects.toMatchObject({ message: expect.stringMatching(/^job\.yaml:2:1: Map keys must be unique/) });
    await expect(parseJobFile('{"project": "churn",\n "command": ["python"}', 'job.json')).rejects.toMatchObject({ message: expect.stringMatching(/^job\.json:2:/) });
    await expect(parseJobFile('', 'job.yaml')).rejects.toMatchObject({ message: 'job.yaml is empty.' });
    await expect(parseJobFile('- a\n- b\n', 'job.yaml')).rejects.toMatchObject({ message: expect.stringContaining('must be a mapping of keys') });
  });

  it('reads JSON as well as YAML', async () => {
    const { spec } = await parseJobFile('{"project": "churn", "command": ["python", "train.py"], "resources": {"gpu": {"count": 1}}}', 'job.json');
    expect(spec).toEqual({ project: 'churn', command: ['python', 'train.py'], resources: { gpu: { count: 1 } } });
  });

  it('turns maps into key/value lists and the GPU into gpuCount/gpuType', () => {
    expect(
      toSubmitInput({
        project: 'churn',
        command: ['python', 'train.py'],
        env: { LOG_LEVEL: 'debug' },
        hyperparameters: { lr: 0.1, deep: true, 'model.depth': '6' },
        resources: { cpu: 2, memoryMiB: 4096, gpu: { count: 1, type: 'nvidia-a100' } },
        registerModel: { name: 'churn' },
      }),
    ).toEqual({
      project: 'churn',
      command: ['python', 'train.py'],
      env: [{ key: 'LOG_LEVEL', value: 'debug' }],
      hyperparameters: [
        { key: 'lr', value: '0.1' },
        { key: 'deep', value: 'true' },
        { key: 'model.depth', value: '6' },
      ],
      resources: { cpu: 2, memoryMiB: 4096, gpuCount: 1, gpuType: 'nvidia-a100' },
      registerModel: { name: 'churn' },
    });
  });

  it('--set reaches into objects and maps, reading numbers and lists as YAML and names as given', async () => {
    const spec: Record<string, unknown> = { project: 'churn', hyperparameters: { lr: 0.1 } };
    for (const s of ['hyperparameters.lr=0.01', 'hyperparameters.model.depth=6', 'resources.gpu.count=2', 'env.MODE=1', 'command=[python, t.py]', 'project=0123', 'retries=2']) {
      await applySet(spec, s);
    }
    expect(spec).toEqual({
      project: '0123',
      hyperparameters: { lr: '0.01', 'model.depth': '6' },
      resources: { gpu: { count: 2 } },
      env: { MODE: '1' },
      command: ['python', 't.py'],
      retries: 2,
    });
    await expect(applySet(spec, 'gpus=2')).rejects.toMatchObject({ exitCode: EXIT.USAGE, message: expect.stringContaining("unknown key 'gpus'. Allowed keys: name, project") });
    await expect(applySet(spec, 'resources.gpus=2')).rejects.toMatchObject({ message: expect.stringContaining("unknown key 'gpus'. Allowed keys here: cpu, memoryMiB, gpu") });
    await expect(applySet(spec, 'lr')).rejects.toMatchObject({ message: "--set expects key=value, got 'lr'." });
    await expect(applySet(spec, 'env=x')).rejects.toMatchObject({ message: expect.stringContaining('--set env.NAME=value') });
    await expect(applySet(spec, 'inputs.0.name=x')).rejects.toMatchObject({ message: expect.stringContaining('set it whole') });
    // A job file's Python requirements, dropped for a cluster whose image carries them, or replaced.
    const withPython: Record<string, unknown> = { python: { requirementsFile: 'requirements.txt' } };
    await applySet(withPython, 'python=null');
    expect(withPython).toEqual({ python: null });
    expect(toSubmitInput(withPython)).toEqual({ python: null });
    await applySet(withPython, 'python.requirements=[six==1.17.0]');
    expect(withPython).toEqual({ python: { requirements: ['six==1.17.0'] } });
  });
});

describe('gantry jobs submit', () => {
  it('sends the spec as SubmitTrainingJobInput and says how to follow and cancel', async () => {
    const file = jobFile(`name: churn-xgb
project: churn
image: python:3.12-slim
command: [python, train.py]
args: ["--epochs", "3"]
env:
  LOG_LEVEL: debug
resources:
  cpu: 2
  memoryMiB: 4096
  gpu: {count: 1, type: nvidia-a100}
maxRuntimeSeconds: 600
retries: 1
hyperparameters: {lr: 0.1, depth: 6}
inputs:
  - {name: churn-2024, source: "s3://data/churn.parquet", digest: "sha256:ab"}
experiment: churn-nightly
registerModel: {name: churn}
`);
    const r = await gantry(['jobs', 'submit', '-f', file]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const [req] = r.sent;
    expect(req!.query).toContain('submitTrainingJob(input: $input)');
    expect(req!.variables).toEqual({
      input: {
        name: 'churn-xgb',
        project: 'churn',
        image: 'python:3.12-slim',
        command: ['python', 'train.py'],
        args: ['--epochs', '3'],
        env: [{ key: 'LOG_LEVEL', value: 'debug' }],
        resources: { cpu: 2, memoryMiB: 4096, gpuCount: 1, gpuType: 'nvidia-a100' },
        maxRuntimeSeconds: 600,
        retries: 1,
        hyperparameters: [
          { key: 'lr', value: '0.1' },
          { key: 'depth', value: '6' },
        ],
        inputs: [{ name: 'churn-2024', source: 's3://data/churn.parquet', digest: 'sha256:ab' }],
        experiment: 'churn-nightly',
        registerModel: { name: 'churn' },
      },
    });
    const id = /^Submitted job (\S+) /.exec(r.stdout)?.[1] ?? '';
    expect((await jobState(id)).name).toBe('churn-xgb');
    expect(r.stdout).toBe(
      [`Submitted job ${id} (churn-xgb) to cluster local: queued.`, `Follow it:  gantry jobs logs ${id} --follow`, `Cancel it:  gantry jobs cancel ${id}`, ''].join('\n'),
    );
    const json = await gantry(['jobs', 'submit', '-f', file, '--json']);
    expect(json.json().job).toMatchObject({ name: 'churn-xgb', status: 'queued', resources: { gpuCount: 1, gpuType: 'nvidia-a100' }, registerModelName: 'churn' });
  });

  it('applies --set overrides on top of the file', async () => {
    const r = await gantry(['jobs', 'submit', '-f', basic('set-me', 'hyperparameters: {lr: 0.1}\n'), '--set', 'hyperparameters.lr=0.01', '--set', 'resources.gpu.count=2', '--set', 'env.MODE=fast']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.sent[0]!.variables.input).toMatchObject({
      hyperparameters: [{ key: 'lr', value: '0.01' }],
      resources: { gpuCount: 2 },
      env: [{ key: 'MODE', value: 'fast' }],
    });
  });

  it('refuses unknown keys with their place in the file and the allowed keys, sending nothing', async () => {
    const file = jobFile(`project: churn
command: [python, train.py]
gpus: 2
resources:
  cpu: 2
  memory: 4096
`);
    const r = await gantry(['jobs', 'submit', '-f', file]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.sent).toEqual([]);
    expect(r.stderr).toContain(
      `gantry: ${file}:3:1: unknown key 'gpus'. Allowed keys: name, project, cluster, image, command, args, env, python, resources, maxRuntimeSeconds, retries, hyperparameters, inputs, experiment, registerModel.\n`,
    );
    expect(r.stderr).toContain(`  ${file}:6:3: unknown key 'memory' in resources. Allowed keys in resources: cpu, memoryMiB, gpu.\n`);
    const json = await gantry(['jobs', 'submit', '-f', file, '--json']);
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: 'USAGE_ERROR', message: expect.stringContaining("unknown key 'gpus'") });
  });

  it('refuses shapes GraphQL would silently change: a command that is not a list, env values that are not text', async () => {
    const file = jobFile('project: churn\ncommand: python train.py\nenv: {PORT: 8080}\n');
    const r = await gantry(['jobs', 'submit', '-f', file]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.sent).toEqual([]);
    expect(r.stderr).toContain(`${file}:2:10: command must be a list, e.g. command: [python, train.py]`);
    expect(r.stderr).toContain(`${file}:3:13: env.PORT must be a string; quote it: PORT: "8080"`);
  });

  it('prints YAML syntax errors with line and column and the line itself', async () => {
    const file = jobFile('project: churn\ncommand: [python, train.py\n');
    const r = await gantry(['jobs', 'submit', '-f', file]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(new RegExp(`^gantry: ${file.replace(/[.]/g, '\\.')}:3:1: Flow sequence`));
    expect(r.stderr).toContain('command: [python, train.py');
  });

  it("prints the server's field issues with their place in the file (exit 5)", async () => {
    const file = basic('too-big', 'resources:\n  gpu:\n    count: 20\nhyperparameters: {"bad key": 1}\n');
    const r = await gantry(['jobs', 'submit', '-f', file]);
    expect(r.code).toBe(EXIT.BAD_INPUT);
    expect(r.stderr).toContain('gantry: At most 16 GPUs (at submitTrainingJob) [BAD_USER_INPUT]\n');
    expect(r.stderr).toContain(`  resources.gpu.count (${file}:6:12): At most 16 GPUs\n`);
    expect(r.stderr).toContain(`  hyperparameters.bad key (${file}:7:30): Hyperparameter 'bad key': Hyperparameter names are`);
    const json = await gantry(['jobs', 'submit', '-f', file, '--json']);
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: 'BAD_USER_INPUT', fields: expect.arrayContaining([{ path: 'resources.gpu.count', message: 'At most 16 GPUs' }]) });
  });

  it('maps a missing project to exit 4 and a missing file to a usage error', async () => {
    const other = jobFile('project: nope\ncommand: [python]\n');
    const r = await gantry(['jobs', 'submit', '-f', other]);
    expect(r.code).toBe(EXIT.FORBIDDEN);
    expect(r.stderr).toContain("Project 'nope' not found");
    const missing = await gantry(['jobs', 'submit', '-f', path.join(tmp, 'absent.yaml')]);
    expect(missing.code).toBe(EXIT.USAGE);
    expect(missing.stderr).toContain('absent.yaml: no such file.');
    expect((await gantry(['jobs', 'submit'])).code).toBe(EXIT.USAGE);
  });

  it('reads python.requirementsFile relative to the job file and sends its lines, then the listed ones, as python.requirements', async () => {
    const dir = mkdtempSync(path.join(tmp, 'reqs-'));
    writeFileSync(path.join(dir, 'requirements.txt'), '# pinned\nsix==1.17.0\n\niniconfig==2.0.0  # tiny\n');
    const file = path.join(dir, 'job.yaml');
    writeFileSync(file, `${BASIC.replace('NAME', 'with-reqs')}python:\n  requirementsFile: requirements.txt\n  requirements: [packaging==24.1]\n`);
    const r = await gantry(['jobs', 'submit', '-f', file, '--json']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.sent[0]!.variables.input).toMatchObject({ python: { requirements: ['six==1.17.0', 'iniconfig==2.0.0', 'packaging==24.1'] } });
    const id = (r.json() as { job: { id: string } }).job.id;
    expect((await jobState(id)).spec.python).toEqual({ requirements: ['six==1.17.0', 'iniconfig==2.0.0', 'packaging==24.1'] });
    // What the local cluster then does with them is workers/training-python-env.test.ts's.
    await cancelTrainingJob(A.ctx, { jobId: id });
  });

  it('refuses a requirements file line that pip would read as an option, with its line, sending nothing', async () => {
    const dir = mkdtempSync(path.join(tmp, 'reqs-'));
    writeFileSync(path.join(dir, 'requirements.txt'), 'six==1.17.0\n--extra-index-url https://evil.example/simple\n');
    const file = path.join(dir, 'job.yaml');
    writeFileSync(file, `${BASIC.replace('NAME', 'evil-reqs')}python: {requirementsFile: requirements.txt}\n`);
    const r = await gantry(['jobs', 'submit', '-f', file]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.sent).toEqual([]);
    expect(r.stderr).toContain("gantry: requirements.txt:2: '--extra-index-url https://evil.example/simple': pip options such as '--extra-index-url' are not accepted");
    const missing = jobFile(`${BASIC.replace('NAME', 'no-reqs')}python: {requirementsFile: nowhere.txt}\n`);
    const m = await gantry(['jobs', 'submit', '-f', missing]);
    expect(m.code).toBe(EXIT.USAGE);
    expect(m.stderr).toContain(`gantry: ${missing}:4:28: cannot read ${path.join(tmp, 'nowhere.txt')}: no such file.`);
  });

  it('refuses a listed requirement on the server with its place in the file (exit 5)', async () => {
    const file = basic('bad-req', 'python:\n  requirements:\n    - six\n    - "numpy --index-url https://evil.example"\n');
    const r = await gantry(['jobs', 'submit', '-f', file]);
    expect(r.code).toBe(EXIT.BAD_INPUT);
    expect(r.stderr).toContain(`  python.requirements.1 (${file}:7:7): pip options after a requirement are not accepted`);
  });

  it('reads the spec from stdin with -f -', async () => {
    const r = await gantry(['jobs', 'submit', '-f', '-', '--json'], { stdin: '{"name": "from-stdin", "project": "churn", "command": ["python"]}' });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.json().job).toMatchObject({ name: 'from-stdin' });
  });
});

describe('following a job', () => {
  it('streams the log on stdout and status changes on stderr, exit 0 when it succeeds', async () => {
    const file = nodeJob(
      'follow-ok',
      "process.stdout.write('epoch 1 loss=0.52\\n'); setTimeout(() => process.stdout.write('epoch 2 loss=0.31\\nsaving model'), 1500); setTimeout(() => {}, 4000)",
      'registerModel: {name: churn}\n',
    );
    const following = gantry(['jobs', 'submit', '-f', file, '--follow']);
    // The job's code would log its model to the run; the test writes it through the same use case the REST API calls.
    const { id } = await jobNamed('follow-ok');
    const runId = await waitFor('the tracking run', async () => (await jobState(id)).runId);
    await uploadArtifact(A.ctx, { runId, path: 'model/MLmodel', body: Readable.from([Buffer.from('flavors:\n  python_function: {}\n')]) });
    const r = await following;
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toBe('epoch 1 loss=0.52\nepoch 2 loss=0.31\nsaving model\n');
    const done = await shown(id);
    expect(done).toMatchObject({ status: 'succeeded', runId, modelVersionId: expect.stringMatching(/^mv_/) });
    expect(Number(done.costMicros)).toBeGreaterThan(0);
    // Each status change once, in order, with what the platform said about it (a job may report pending twice: submitted, then starting).
    const clock = '==> \\d\\d:\\d\\d:\\d\\d';
    expect(r.stderr).toMatch(
      new RegExp(
        [
          `^${escape(`==> Submitted job ${id} (follow-ok) to cluster local. Ctrl-C stops following; the job keeps running.`)}`,
          `${clock} queued: Submitted to local`,
          `(${clock} pending: .+\\n)+${clock} running`,
          `${clock} succeeded: Completed`,
          `${escape(`==> Job ${id} succeeded after ${formatDuration(done.runtimeSeconds)}, cost ${formatMicros(done.costMicros)}. Run ${runId}, model version ${done.modelVersionId} of churn.`)}`,
          '$',
        ].join('\\n'),
      ),
    );
  });

  it('follows retries attempt by attempt and exits 7 when the job fails', async () => {
    const go = path.join(tmp, 'go-follow-fail');
    const file = nodeJob('follow-fail', retrying("console.log('try ' + process.env.GANTRY_JOB_ATTEMPT)", 'process.exit(1)', 'process.exit(1)'), `retries: 1\nenv: {GO: ${JSON.stringify(go)}}\n`);
    const following = gantry(['jobs', 'submit', '-f', file, '--follow']);
    const { id } = await jobNamed('follow-fail');
    await endAttemptOne(id, go);
    const r = await following;
    expect(r.code, r.stderr).toBe(EXIT.JOB_FAILED);
    expect(r.stdout).toBe('try 1\ntry 2\n');
    expect(r.stderr).toMatch(/==> \S+ running \(attempt 1 of 2\)\n/);
    expect(r.stderr).toMatch(/==> \S+ failed \(attempt 1 of 2\): Error: Exited with code 1; retrying\n/);
    expect(r.stderr).toMatch(/==> \S+ pending \(attempt 2 of 2\)/);
    expect(r.stderr).toContain('==> log of attempt 2 of 2\n');
    // The last lines of its log say why (with no error said, its last output).
    expect(r.stderr).toContain(`gantry: Job ${id} failed (Error): Exited with code 1.\n  try 2\nDetails: gantry jobs show ${id}\n`);
    // The log query asked for attempt 1 until it was drained, then attempt 2 from its start.
    const logReads = r.sent.filter((q) => q.query.includes('jobLogs')).map((q) => [q.variables.attempt ?? null, q.variables.offset]);
    expectInOrder(logReads, [[null, 0], [1, 0], [1, 6], [2, 0], [2, 6]]);
    expect(logReads[0]).toEqual([null, 0]);
    expect(logReads).toContainEqual([2, 0]);
  });

  it('with --json prints only the ended job, without reading the log', async () => {
    const following = gantry(['jobs', 'submit', '-f', nodeJob('follow-json', "console.log('noise'); setTimeout(() => {}, 60000)"), '--follow', '--json']);
    const { id } = await jobNamed('follow-json');
    await waitFor('the job to run', async () => (await jobState(id)).status === 'running');
    expect((await gantry(['jobs', 'cancel', id, '--reason', 'by ada'])).code).toBe(EXIT.OK);
    const r = await following;
    expect(r.code).toBe(EXIT.JOB_FAILED);
    expect(r.json().job).toMatchObject({ name: 'follow-json', status: 'cancelled', reason: 'Cancelled' });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stderr).error).toMatchObject({ code: 'JOB_FAILED', status: 'cancelled' });
    expect(r.sent.some((q) => q.query.includes('jobLogs'))).toBe(false);
  });

  it('rides out a server that is briefly unavailable', async () => {
    const submitted = await gantry(['jobs', 'submit', '-f', nodeJob('blip-logs', "console.log('a'); setTimeout(() => console.log('b'), 4000)"), '--json']);
    const id = (submitted.json().job as { id: string }).id;
    // The web server restarts while the job runs: the follower finds nobody listening for a while.
    await api.stop();
    const following = gantry(['jobs', 'logs', id, '--follow']);
    await sleep(2500);
    await api.start();
    const logs = await following;
    expect(logs.code, logs.stderr).toBe(EXIT.OK);
    expect(logs.stdout).toBe('a\nb\n');
    expect(logs.stderr.match(/warning: Could not reach Gantry at .* Still trying\./g)).toHaveLength(1);
  });

  it('logs --follow --attempt N stops when that attempt is over', async () => {
    const go = path.join(tmp, 'go-attempts');
    const script = retrying(
      "console.log(process.env.GANTRY_JOB_ATTEMPT === '1' ? 'first' : 'second')",
      'process.exit(1)',
      "setTimeout(() => console.log('more'), 1000); setTimeout(() => {}, 8000)",
    );
    const id = ((await gantry(['jobs', 'submit', '-f', nodeJob('attempts', script, `retries: 1\nenv: {GO: ${JSON.stringify(go)}}\n`), '--json'])).json().job as { id: string }).id;
    const following = gantry(['jobs', 'logs', id, '--follow', '--attempt', '1']);
    await endAttemptOne(id, go);
    const r = await following;
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toBe('first\n');
    // Attempt 2 was submitted or already running when attempt 1's log ended (after a warning if a poll met the restart).
    expect(r.stderr).toMatch(
      new RegExp(`^(gantry: warning: Could not reach Gantry at .* Still trying\\.\\n)?==> Attempt 1 is over; job ${id} is (pending|running), attempt 2 of 2\\.\\n$`),
    );
    expect(r.sent.filter((q) => q.query.includes('jobLogs')).every((q) => q.variables.attempt === 1)).toBe(true);
  });

  it('keeps an API key in the log to its public prefix, even split across reads', async () => {
    const leaked = 'gty_ab12cd34ef56_0123456789abcdefghijklmnopqrstuvwxyzABCD';
    // The second half comes after the follower has read the first (it polls every second).
    const script = `process.stdout.write(${JSON.stringify(`key=${leaked.slice(0, 10)}`)}); setTimeout(() => process.stdout.write(${JSON.stringify(`${leaked.slice(10)} done\n`)}), 3000)`;
    const id = ((await gantry(['jobs', 'submit', '-f', nodeJob('leaky', script), '--json'])).json().job as { id: string }).id;
    const r = await gantry(['jobs', 'logs', id, '--follow']);
    expect(r.stdout).toBe('key=gty_ab12cd34ef56… done\n');
    const reads = r.sent.filter((q) => q.query.includes('jobLogs')).map((q) => q.variables.offset);
    expect(reads, 'the key arrived in two reads').toContain(14);
  });

  it('refuses logs --follow with --json, which cannot stream', async () => {
    const r = await gantry(['jobs', 'logs', 'job_x', '--follow', '--json']);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.sent).toEqual([]);
  });
});

describe('gantry jobs ls, show, logs, cancel', () => {
  /** Ran, wrote a line and failed; asked for 2 GPUs the local cluster does not have; still running with a long log. */
  let failed = '';
  let gpu = '';
  let running = '';
  /** More than one read's worth: the server answers a log in chunks. */
  const LONG = '0123456789'.repeat(250_000);
  const submit = async (file: string) => {
    const r = await gantry(['jobs', 'submit', '-f', file, '--json']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    return (r.json().job as { id: string }).id;
  };
  beforeAll(async () => {
    failed = await submit(nodeJob('oom', "console.log('loading'); setTimeout(() => { console.error('Error: the data file is empty'); process.exit(1); }, 1000)", 'resources: {cpu: 1, memoryMiB: 2048}\nhyperparameters: {lr: 0.1}\n'));
    gpu = await submit(nodeJob('big', '0', 'resources: {cpu: 4, memoryMiB: 2048, gpu: {count: 2, type: a100}}\n'));
    await ended(failed);
    await ended(gpu);
    running = await submit(nodeJob('long', `process.stdout.write('0123456789'.repeat(250000)); setTimeout(() => {}, 120000)`));
    await waitFor('the long log', async () => (await readJobLogs(A.ctx, { jobId: running, offset: LONG.length - 1 })).nextOffset === LONG.length);
  });
  // Its end is awaited with the others' when the file ends.
  afterAll(async () => {
    await cancelTrainingJob(A.ctx, { jobId: running });
  });

  it('ls shows a table with status reason, GPUs, runtime and cost, newest first', async () => {
    const oom = await shown(failed);
    const r = await gantry(['jobs', 'ls', '--limit', '100']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+CLUSTER\s+GPU\s+RUNTIME\s+COST\s+CREATED$/);
    expect(lines[1]).toMatch(new RegExp(`^${running}\\s+long\\s+running\\s+local\\s+-\\s+\\S.*\\s+-\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d$`));
    expect(Number(oom.costMicros)).toBeGreaterThan(0);
    expect(r.stdout).toMatch(new RegExp(`${failed}\\s+oom\\s+failed \\(Error\\)\\s+local\\s+-\\s+${escape(formatDuration(oom.runtimeSeconds))}\\s+${escape(formatMicros(oom.costMicros, '-'))}\\s+`));
    expect(r.stdout).toMatch(new RegExp(`${gpu}\\s+big\\s+failed \\(Unschedulable\\)\\s+local\\s+2×a100\\s+`));
  });

  it('ls filters by status and says when there is more', async () => {
    const r = await gantry(['jobs', 'ls', '--status', 'failed,CANCELLED', '--json']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.sent[0]!.variables).toEqual({ first: 50, status: ['failed', 'cancelled'] });
    const statuses = (r.json().jobs as { status: string }[]).map((j) => j.status);
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set(statuses.filter((s) => s === 'failed' || s === 'cancelled')));
    const one = await gantry(['jobs', 'ls', '--limit', '1']);
    expect(one.stdout).toContain('(more jobs: raise --limit or narrow with --status)');
    const bad = await gantry(['jobs', 'ls', '--status', 'done']);
    expect(bad.code).toBe(EXIT.USAGE);
    expect(bad.stderr).toContain("Unknown status 'done'.\nStatuses: queued, pending, running, succeeded, failed, cancelled.");
    expect((await gantry(['jobs', 'ls', '--limit', '0'])).code).toBe(EXIT.USAGE);
  });

  it('show prints details, the timeline, the run and the model version', async () => {
    const oom = await shown(failed);
    const r = await gantry(['jobs', 'show', failed]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toContain(`Job oom (${failed})`);
    expect(r.stdout).toContain('  Status:         failed (Error): Exited with code 1\n  Why, from its log:\n    Error: the data file is empty\n');
    expect(r.stdout).toContain('  Resources:      1 CPU, 2048 MiB');
    expect(r.stdout).toContain('  Hyperparams:    lr=0.1');
    expect(r.stdout).toContain(`  Cost:           ${formatMicros(oom.costMicros, '-')}`);
    expect(r.stdout).toContain(`  Run:            ${oom.runId}`);
    expect(oom.runId).toMatch(/^run_/);
    expect(r.stdout).toContain('  Model version:  -');
    expect(r.stdout).toMatch(
      /Timeline:\nTIME\s+STATUS\s+ATTEMPT\s+REASON\s+MESSAGE\n\S+ \S+\s+queued\s+1\s+-\s+Submitted to local\n(\S+ \S+\s+pending\s+1\s+-\s+\S.*\n)+\S+ \S+\s+running\s+1\s+-\s*\n\S+ \S+\s+failed\s+1\s+Error\s+Exited with code 1\n/,
    );
    const json = await gantry(['jobs', 'show', failed, '--json']);
    const events = (json.json().job as { events: { status: string; reason: string | null }[] }).events;
    expect(json.json().job).toMatchObject({ id: failed, runId: oom.runId, failureDetail: 'Error: the data file is empty' });
    expect(events.filter((e, i) => e.status !== events[i - 1]?.status)).toMatchObject([{ status: 'queued' }, { status: 'pending' }, { status: 'running' }, { status: 'failed', reason: 'Error' }]);
    const big = await gantry(['jobs', 'show', gpu]);
    expect(big.stdout).toContain('  Resources:      4 CPU, 2048 MiB, 2 GPUs (a100)');
    expect(big.stdout).toContain('  Status:         failed (Unschedulable): Cluster local has no node with a100 GPUs for 2 × a100: insufficient nvidia.com/gpu');
    const missing = await gantry(['jobs', 'show', 'job_nope']);
    expect(missing.code).toBe(EXIT.FORBIDDEN);
    expect(missing.stderr).toContain("Job 'job_nope' not found (at job) [NOT_FOUND]");
  });

  it('logs reads the whole log so far, chunk by chunk', async () => {
    const r = await gantry(['jobs', 'logs', running]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout === `${LONG}\n`, 'the whole log, then a newline').toBe(true);
    const offsets = r.sent.map((q) => q.variables.offset as number);
    expect(offsets.length, JSON.stringify(offsets)).toBeGreaterThan(2);
    expect(offsets[0]).toBe(0);
    expect(offsets.at(-1)).toBe(LONG.length);
    expect(offsets).toEqual([...new Set(offsets)].sort((x, y) => x - y));
    const json = await gantry(['jobs', 'logs', running, '--json']);
    const chunk = json.json();
    expect({ ...chunk, text: chunk.text === LONG }).toEqual({ jobId: running, attempt: 1, text: true, nextOffset: LONG.length, complete: false });
    const attempt = await gantry(['jobs', 'logs', failed, '--attempt', '1']);
    expect(attempt.stdout).toBe('loading\nError: the data file is empty\n');
    expect(attempt.sent[0]!.variables).toMatchObject({ attempt: 1 });
    expect((await gantry(['jobs', 'logs', failed, '--attempt', 'first'])).code).toBe(EXIT.USAGE);
  });

  it('cancel sends the reason and reports a job that had already ended', async () => {
    const id = await submit(nodeJob('to-cancel', 'setTimeout(() => {}, 60000)'));
    await waitFor('the job to run', async () => (await jobState(id)).status === 'running');
    const r = await gantry(['jobs', 'cancel', id, '--reason', 'wrong dataset']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toContain(`Cancellation requested for job ${id} (running)`);
    expect(r.sent[0]!.variables).toEqual({ id, reason: 'wrong dataset' });
    // The reason is kept where the platform keeps it: the job's cancel event in the audit log.
    const audit = await gantry(['audit', 'list', '--action', 'job.cancel', '--json']);
    expect(audit.json().events).toContainEqual(expect.objectContaining({ targetId: id, data: expect.objectContaining({ reason: 'wrong dataset' }) }));
    const again = await gantry(['jobs', 'cancel', failed, '--json']);
    expect(again.json()).toMatchObject({ alreadyEnded: true, job: { status: 'failed' } });
    expect((await gantry(['jobs', 'cancel', failed])).stdout).toContain(`Job ${failed} had already ended (failed (Error)); nothing to cancel.`);
  });

  it('rejects flags of other subcommands, missing IDs and unknown subcommands without a request', async () => {
    for (const argv of [
      ['jobs', 'ls', '--follow'],
      ['jobs', 'show', failed, '--reason', 'x'],
      ['jobs', 'cancel', failed, '--attempt', '1'],
      ['jobs', 'logs'],
      ['jobs', 'run'],
      ['jobs', 'submit', 'job.yaml'],
    ]) {
      const r = await gantry(argv);
      expect(r.code, argv.join(' ')).toBe(EXIT.USAGE);
      expect(r.sent, argv.join(' ')).toEqual([]);
    }
    expect((await gantry(['jobs', 'ls', '--follow'])).stderr).toContain("--follow does not apply to 'jobs ls'.");
  });

  it('documents itself, with examples, and the exit code for a failed job', async () => {
    const help = await gantry(['jobs', '--help']);
    expect(help.stdout).toContain('gantry jobs submit -f job.yaml --follow');
    expect(help.stdout).toContain('registerModel:');
    const main = await gantry(['--help']);
    expect(main.stdout).toMatch(/\n {2}jobs\s+Submit training jobs/);
    expect(EXIT_CODES_HELP).toMatch(/\n {2}7 {4}the followed job failed or was cancelled/);
  });
});

describe('the gantry executable', () => {
  const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));

  it('reads the job file relative to the working directory; Ctrl-C stops following and leaves the job running', async () => {
    const cwd = mkdtempSync(path.join(tmp, 'cwd-'));
    writeFileSync(path.join(cwd, 'job.yaml'), `name: forever\nproject: churn\ncommand: ${JSON.stringify([process.execPath, '-e', "console.log('working'); setTimeout(() => {}, 60000)"])}\n`);
    // A clean environment: nothing from the developer's own gantry setup leaks in.
    const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: cwd, GANTRY_CONFIG: path.join(cwd, 'config.json'), GANTRY_API_KEY: key };
    const child = spawn(process.execPath, [BIN, 'jobs', 'submit', '-f', 'job.yaml', '--follow', '--url', api.url], {
      cwd,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('working\n')) resolve();
      }),
    );
    child.kill('SIGINT');
    expect(await closed).toBe(EXIT.INTERRUPTED);
    const job = await jobNamed('forever');
    expect(stderr).toContain(`gantry: Stopped following job ${job.id}; the job keeps running.\nCancel it with:  gantry jobs cancel ${job.id}\n`);
    expect(await jobState(job.id)).toMatchObject({ status: 'running', cancelRequestedAt: null });
    await cancelTrainingJob(A.ctx, { jobId: job.id });
  }, 30_000);
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jobSpecSchema } from '../rules/job-spec';
import type { Stdin } from './command';
import { formatDuration } from './commands/jobs/format';
import { applySet, parseJobFile, toSubmitInput } from './commands/jobs/spec-file';
import { JOB_SPEC_FIELDS } from './commands/jobs/spec-fields';
import { EXIT, EXIT_CODES_HELP } from './exit-codes';
import { run } from './main';
import { createFakeJobsApi, type FakeJobsApi } from './test/fake-jobs-api';
import { VALID_KEY } from './test/fake-gantry';

/**
 * `gantry jobs …` against a real HTTP server that executes the CLI's GraphQL documents
 * against the jobs schema (graphql/types/compute.ts) and judges job specs with the
 * platform's zod schema; jobs move through scripted timelines one step per poll.
 */

let api: FakeJobsApi;
let server: { url: string; close: () => Promise<void> };
let tmp: string;

beforeAll(async () => {
  api = createFakeJobsApi();
  server = await api.listen();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'gantry-cli-jobs-'));
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function gantry(argv: string[], opts: { stdin?: string } = {}) {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough() as PassThrough & Stdin;
  stdin.end(opts.stdin ?? '');
  const before = api.seen.length;
  const code = await run([...argv, '--url', server.url], {
    env: { GANTRY_CONFIG: path.join(tmp, 'config.json'), GANTRY_API_KEY: VALID_KEY },
    home: tmp,
    stdin,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr, sent: () => api.seen.slice(before), json: () => JSON.parse(stdout) as Record<string, unknown> };
}

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

  it('knows exactly the keys and shapes of jobSpecSchema', () => {
    const json = z.toJSONSchema(jobSpecSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
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
    const [req] = r.sent();
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
    const id = [...api.jobs.values()].at(-1)!.id;
    expect(r.stdout).toBe(
      [`Submitted job ${id} (churn-xgb) to cluster local: queued.`, `Follow it:  gantry jobs logs ${id} --follow`, `Cancel it:  gantry jobs cancel ${id}`, ''].join('\n'),
    );
    const json = await gantry(['jobs', 'submit', '-f', file, '--json']);
    expect(json.json().job).toMatchObject({ name: 'churn-xgb', status: 'queued', resources: { gpuCount: 1, gpuType: 'nvidia-a100' }, registerModelName: 'churn' });
  });

  it('applies --set overrides on top of the file', async () => {
    const r = await gantry(['jobs', 'submit', '-f', basic('set-me', 'hyperparameters: {lr: 0.1}\n'), '--set', 'hyperparameters.lr=0.01', '--set', 'resources.gpu.count=2', '--set', 'env.MODE=fast']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.sent()[0]!.variables.input).toMatchObject({
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
    expect(r.sent()).toEqual([]);
    expect(r.stderr).toContain(
      `gantry: ${file}:3:1: unknown key 'gpus'. Allowed keys: name, project, cluster, image, command, args, env, resources, maxRuntimeSeconds, retries, hyperparameters, inputs, experiment, registerModel.\n`,
    );
    expect(r.stderr).toContain(`  ${file}:6:3: unknown key 'memory' in resources. Allowed keys in resources: cpu, memoryMiB, gpu.\n`);
    const json = await gantry(['jobs', 'submit', '-f', file, '--json']);
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: 'USAGE_ERROR', message: expect.stringContaining("unknown key 'gpus'") });
  });

  it('refuses shapes GraphQL would silently change: a command that is not a list, env values that are not text', async () => {
    const file = jobFile('project: churn\ncommand: python train.py\nenv: {PORT: 8080}\n');
    const r = await gantry(['jobs', 'submit', '-f', file]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.sent()).toEqual([]);
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

  it('reads the spec from stdin with -f -', async () => {
    const r = await gantry(['jobs', 'submit', '-f', '-', '--json'], { stdin: '{"name": "from-stdin", "project": "churn", "command": ["python"]}' });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.json().job).toMatchObject({ name: 'from-stdin' });
  });
});

describe('following a job', () => {
  it('streams the log on stdout and status changes on stderr, exit 0 when it succeeds', async () => {
    api.script('follow-ok', [
      { status: 'queued' },
      { status: 'pending' },
      { status: 'running', log: 'epoch 1 loss=0.52\n' },
      { status: 'running', log: 'epoch 2 loss=0.31\nsaving model' },
      { status: 'succeeded', runId: 'run_0042', modelVersionId: 'mv_0007', costMicros: 4_200, runtimeSeconds: 185 },
    ]);
    const r = await gantry(['jobs', 'submit', '-f', basic('follow-ok', 'registerModel: {name: churn}\n'), '--follow']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toBe('epoch 1 loss=0.52\nepoch 2 loss=0.31\nsaving model\n');
    const id = [...api.jobs.values()].at(-1)!.id;
    expect(r.stderr.split('\n')).toEqual([
      `==> Submitted job ${id} (follow-ok) to cluster local. Ctrl-C stops following; the job keeps running.`,
      expect.stringMatching(/^==> \d\d:\d\d:\d\d queued$/),
      expect.stringMatching(/^==> \d\d:\d\d:\d\d pending$/),
      expect.stringMatching(/^==> \d\d:\d\d:\d\d running$/),
      expect.stringMatching(/^==> \d\d:\d\d:\d\d succeeded$/),
      `==> Job ${id} succeeded after 3m 05s, cost $0.0042. Run run_0042, model version mv_0007 of churn.`,
      '',
    ]);
  });

  it('follows retries attempt by attempt and exits 7 when the job fails', async () => {
    api.script('follow-fail', [
      { status: 'queued' },
      { status: 'running', log: 'try 1\n' },
      { status: 'pending', attempt: 2, reason: 'OOMKilled', message: 'retrying' },
      { status: 'running', log: 'try 2\n' },
      { status: 'failed', reason: 'OOMKilled', message: 'Container exceeded its memory limit' },
    ]);
    const r = await gantry(['jobs', 'submit', '-f', basic('follow-fail', 'retries: 1\n'), '--follow']);
    expect(r.code).toBe(EXIT.JOB_FAILED);
    expect(r.stdout).toBe('try 1\ntry 2\n');
    const id = [...api.jobs.values()].at(-1)!.id;
    expect(r.stderr).toMatch(/==> \S+ running \(attempt 1 of 2\)\n/);
    expect(r.stderr).toMatch(/==> \S+ pending \(attempt 2 of 2\): OOMKilled: retrying\n/);
    expect(r.stderr).toContain('==> log of attempt 2 of 2\n');
    expect(r.stderr).toContain(`gantry: Job ${id} failed (OOMKilled): Container exceeded its memory limit.\nDetails: gantry jobs show ${id}\n`);
    // The log query asked for attempt 1 until it was drained, then attempt 2 from its start.
    const logReads = r.sent().filter((q) => q.query.includes('jobLogs')).map((q) => [q.variables.attempt ?? null, q.variables.offset]);
    expect(logReads).toEqual([
      [null, 0],
      [1, 0],
      [1, 6],
      [2, 0],
      [2, 6],
    ]);
  });

  it('with --json prints only the ended job, without reading the log', async () => {
    api.script('follow-json', [{ status: 'queued' }, { status: 'running', log: 'noise\n' }, { status: 'cancelled', reason: 'Cancelled', message: 'by ada' }]);
    const r = await gantry(['jobs', 'submit', '-f', basic('follow-json'), '--follow', '--json']);
    expect(r.code).toBe(EXIT.JOB_FAILED);
    expect(r.json().job).toMatchObject({ name: 'follow-json', status: 'cancelled', reason: 'Cancelled' });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stderr).error).toMatchObject({ code: 'JOB_FAILED', status: 'cancelled' });
    expect(r.sent().some((q) => q.query.includes('jobLogs'))).toBe(false);
  });

  it('rides out a server that is briefly unavailable', async () => {
    const id = api.addJob({ name: 'blip-logs', command: ['python'] }, [{ status: 'running', log: 'a\n' }, { status: 'succeeded', log: 'b\n' }]);
    api.failNext(2);
    const logs = await gantry(['jobs', 'logs', id, '--follow']);
    expect(logs.code, logs.stderr).toBe(EXIT.OK);
    expect(logs.stdout).toBe('a\nb\n');
    expect(logs.stderr.match(/warning: .*HTTP 503.* Still trying\./g)).toHaveLength(1);
  });

  it('logs --follow --attempt N stops when that attempt is over', async () => {
    const id = api.addJob({ name: 'attempts', command: ['python'], retries: 1 }, [
      { status: 'running', log: 'first\n' },
      { status: 'running', attempt: 2, log: 'second\n' },
      { status: 'running', log: 'more\n' },
      { status: 'succeeded' },
    ]);
    const r = await gantry(['jobs', 'logs', id, '--follow', '--attempt', '1']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toBe('first\n');
    expect(r.stderr).toBe(`==> Attempt 1 is over; job ${id} is running, attempt 2 of 2.\n`);
    expect(r.sent().filter((q) => q.query.includes('jobLogs')).every((q) => q.variables.attempt === 1)).toBe(true);
  });

  it('keeps an API key in the log to its public prefix, even split across reads', async () => {
    const key = 'gty_ab12cd34ef56_0123456789abcdefghijklmnopqrstuvwxyzABCD';
    const id = api.addJob({ name: 'leaky', command: ['python'] }, [{ status: 'running', log: `key=${key.slice(0, 10)}` }, { status: 'succeeded', log: `${key.slice(10)} done\n` }]);
    const r = await gantry(['jobs', 'logs', id, '--follow']);
    expect(r.stdout).toBe('key=gty_ab12cd34ef56… done\n');
  });

  it('refuses logs --follow with --json, which cannot stream', async () => {
    const r = await gantry(['jobs', 'logs', 'job_x', '--follow', '--json']);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.sent()).toEqual([]);
  });
});

describe('gantry jobs ls, show, logs, cancel', () => {
  let failed = '';
  let running = '';
  beforeAll(() => {
    failed = api.addJob({ name: 'oom', command: ['python', 'big.py'], resources: { cpu: 4, memoryMiB: 2048, gpu: { count: 2, type: 'a100' } }, hyperparameters: { lr: '0.1' } }, [
      { status: 'queued' },
      { status: 'running', log: 'loading\n' },
      { status: 'failed', reason: 'OOMKilled', message: 'Container exceeded its memory limit', runId: 'run_0100', costMicros: 1_234_567, runtimeSeconds: 7380 },
    ]);
    api.jobs.get(failed)!.at = 2;
    running = api.addJob({ name: 'long', command: ['python', 'long.py'] }, [{ status: 'running', log: '0123456789'.repeat(10) }]);
  });

  it('ls shows a table with status reason, GPUs, runtime and cost, newest first', async () => {
    const r = await gantry(['jobs', 'ls', '--limit', '100']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+CLUSTER\s+GPU\s+RUNTIME\s+COST\s+CREATED$/);
    expect(lines[1]).toMatch(new RegExp(`^${running}\\s+long\\s+running\\s+local\\s+-\\s+\\S.*\\s+-\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d$`));
    expect(r.stdout).toMatch(new RegExp(`${failed}\\s+oom\\s+failed \\(OOMKilled\\)\\s+local\\s+2×a100\\s+2h 03m\\s+\\$1\\.23\\s+`));
  });

  it('ls filters by status and says when there is more', async () => {
    const r = await gantry(['jobs', 'ls', '--status', 'failed,CANCELLED', '--json']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.sent()[0]!.variables).toEqual({ first: 50, status: ['failed', 'cancelled'] });
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
    const r = await gantry(['jobs', 'show', failed]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toContain(`Job oom (${failed})`);
    expect(r.stdout).toContain('  Status:         failed (OOMKilled): Container exceeded its memory limit');
    expect(r.stdout).toContain('  Resources:      4 CPU, 2048 MiB, 2 GPUs (a100)');
    expect(r.stdout).toContain('  Hyperparams:    lr=0.1');
    expect(r.stdout).toContain('  Cost:           $1.23');
    expect(r.stdout).toContain('  Run:            run_0100');
    expect(r.stdout).toContain('  Model version:  -');
    expect(r.stdout).toMatch(/Timeline:\nTIME\s+STATUS\s+ATTEMPT\s+REASON\s+MESSAGE\n\S+ \S+\s+queued\s+1\s+-\s*\n\S+ \S+\s+running\s+1\s+-\s*\n\S+ \S+\s+failed\s+1\s+OOMKilled\s+Container exceeded its memory limit\n/);
    const json = await gantry(['jobs', 'show', failed, '--json']);
    expect(json.json().job).toMatchObject({ id: failed, runId: 'run_0100', events: [{ status: 'queued' }, { status: 'running' }, { status: 'failed', reason: 'OOMKilled' }] });
    const missing = await gantry(['jobs', 'show', 'job_nope']);
    expect(missing.code).toBe(EXIT.FORBIDDEN);
    expect(missing.stderr).toContain("Job 'job_nope' not found (at job) [NOT_FOUND]");
  });

  it('logs reads the whole log so far, chunk by chunk', async () => {
    api.setChunkBytes(32);
    try {
      const r = await gantry(['jobs', 'logs', running]);
      expect(r.code, r.stderr).toBe(EXIT.OK);
      expect(r.stdout).toBe(`${'0123456789'.repeat(10)}\n`);
      expect(r.sent().map((q) => q.variables.offset)).toEqual([0, 32, 64, 96, 100]);
      const json = await gantry(['jobs', 'logs', running, '--json']);
      expect(json.json()).toEqual({ jobId: running, attempt: 1, text: '0123456789'.repeat(10), nextOffset: 100, complete: false });
    } finally {
      api.setChunkBytes(256 * 1024);
    }
    const attempt = await gantry(['jobs', 'logs', failed, '--attempt', '1']);
    expect(attempt.stdout).toBe('loading\n');
    expect(attempt.sent()[0]!.variables).toMatchObject({ attempt: 1 });
    expect((await gantry(['jobs', 'logs', failed, '--attempt', 'first'])).code).toBe(EXIT.USAGE);
  });

  it('cancel sends the reason and reports a job that had already ended', async () => {
    const id = api.addJob({ name: 'to-cancel', command: ['python'] }, [{ status: 'running' }]);
    const r = await gantry(['jobs', 'cancel', id, '--reason', 'wrong dataset']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toContain(`Cancellation requested for job ${id} (running)`);
    expect(api.cancelReasonOf(id)).toBe('wrong dataset');
    const again = await gantry(['jobs', 'cancel', failed, '--json']);
    expect(again.json()).toMatchObject({ alreadyEnded: true, job: { status: 'failed' } });
    expect((await gantry(['jobs', 'cancel', failed])).stdout).toContain(`Job ${failed} had already ended (failed (OOMKilled)); nothing to cancel.`);
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
      expect(r.sent(), argv.join(' ')).toEqual([]);
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
    writeFileSync(path.join(cwd, 'job.yaml'), BASIC.replace('NAME', 'forever'));
    api.script('forever', [{ status: 'queued' }, { status: 'running', log: 'working\n' }]);
    // A clean environment: nothing from the developer's own gantry setup leaks in.
    const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: cwd, GANTRY_CONFIG: path.join(cwd, 'config.json'), GANTRY_API_KEY: VALID_KEY };
    const child = spawn(process.execPath, [BIN, 'jobs', 'submit', '-f', 'job.yaml', '--follow', '--url', server.url], {
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
    const job = [...api.jobs.values()].find((j) => j.spec.name === 'forever')!;
    expect(stderr).toContain(`gantry: Stopped following job ${job.id}; the job keeps running.\nCancel it with:  gantry jobs cancel ${job.id}\n`);
    expect(job.cancelRequested).toBe(false);
  }, 30_000);
});

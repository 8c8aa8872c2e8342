import type { Command } from '../../command';
import { usageError } from '../../exit-codes';
import { JOB_STATUSES } from '../../../rules/job-status';
import { cancel } from './cancel';
import { list } from './list';
import { logs } from './logs';
import { show } from './show';
import { submit } from './submit';

/** Which subcommand takes which flag, so a flag given to the wrong one is an error, not ignored. */
const FLAGS: Record<string, string[]> = {
  submit: ['file', 'follow', 'set'],
  ls: ['status', 'limit'],
  show: [],
  logs: ['follow', 'attempt'],
  cancel: ['reason'],
};
const GLOBAL = new Set(['url', 'json', 'help', 'version']);

export const jobs: Command = {
  name: 'jobs',
  summary: 'Submit training jobs, follow their logs, list, inspect and cancel them',
  usage: 'gantry jobs submit -f FILE [--follow] [--set key=value ...] | ls [--status S] [--limit N] | show <id> | logs <id> [--follow] [--attempt N] | cancel <id> [--reason TEXT]',
  help: `Subcommands:
  submit -f FILE       submit a job from a YAML or JSON spec (format below)
  ls                   jobs, newest first: status (with reason), cluster, GPUs, runtime, cost
  show <id>            spec, status timeline, run and model version of one job
  logs <id>            the job's combined stdout/stderr (the current attempt unless --attempt)
  cancel <id>          stop a queued or running job; it ends 'cancelled'

Flags:
  -f, --file FILE    submit: the job spec, relative to the current directory ('-' reads stdin)
  --set KEY=VALUE    submit: override a field of the file; dots reach into objects and maps
                     (hyperparameters.lr=0.01, resources.gpu.count=2, env.LOG_LEVEL=debug).
                     Repeatable.
  --follow           submit, logs: wait for the job to end, printing its log on stdout and
                     (submit) status changes on stderr; exit 0 if it succeeded, 7 if it
                     failed or was cancelled. Ctrl-C stops following (exit 130) and leaves
                     the job running. submit --follow --json prints the ended job only.
  --status S         ls: only jobs in these states (comma-separated or repeated):
                     ${JOB_STATUSES.join(', ')}
  --limit N          ls: jobs to list (1-100, default 50)
  --attempt N        logs: the log of attempt N (a job with retries has one per attempt)
  --reason TEXT      cancel: why, kept in the audit log

Job spec (the fields of the submitTrainingJob mutation; project and command are required,
the server checks the values and names the fields it rejects):
  name: churn-xgb                    # default: the command line
  project: churn                     # project ID or slug
  cluster: local                     # cluster ID or name (default: local)
  image: python:3.12-slim            # required on Kubernetes clusters
  command: [python, train.py]
  args: ["--epochs", "10"]           # strings: quote numbers
  env: {LOG_LEVEL: debug}            # string values; GANTRY_* and MLFLOW_* are set by Gantry
  python: {requirementsFile: requirements.txt}   # local cluster: the job's own Python environment,
                                     # built from this file (relative to the job file) or from
                                     # requirements: [numpy==2.1.3, ...]; no pip options or URLs
  resources: {cpu: 2, memoryMiB: 4096, gpu: {count: 1, type: nvidia-a100}}
  maxRuntimeSeconds: 3600            # default 1 hour, at most 7 days
  retries: 1                         # further attempts after a failed one (default 0)
  hyperparameters: {lr: 0.1, depth: 6}   # as GANTRY_PARAM_LR, ... and logged as run params
  inputs: [{name: churn-2024, source: "s3://data/churn.parquet", digest: "sha256:..."}]
  experiment: churn-nightly          # experiment ID or name in the project (created if missing)
  registerModel: {name: churn, artifactPath: model}   # register the run's model on success

Examples:
  gantry jobs submit -f job.yaml --follow
  gantry jobs submit -f job.yaml --set hyperparameters.lr=0.01 --set resources.gpu.count=2
  gantry jobs ls --status running,queued
  gantry jobs show job_01h... --json | jq .job.events
  gantry jobs logs job_01h... --attempt 1
  gantry jobs cancel job_01h... --reason "wrong dataset"`,
  options: {
    file: { type: 'string', short: 'f' },
    follow: { type: 'boolean' },
    set: { type: 'string', multiple: true },
    status: { type: 'string', multiple: true },
    limit: { type: 'string' },
    attempt: { type: 'string' },
    reason: { type: 'string' },
  },
  args: [
    { name: 'submit|ls|show|logs|cancel', required: true },
    { name: 'ID', required: false },
  ],
  async run(ctx, { values, positionals }) {
    const [sub, id] = positionals;
    const allowed = FLAGS[sub!];
    if (!allowed) throw usageError(`Unknown subcommand '${sub}'.`, "Subcommands: submit, ls, show, logs, cancel. Run 'gantry jobs --help'.");
    const stray = Object.keys(values).find((k) => values[k] !== undefined && !GLOBAL.has(k) && !allowed.includes(k));
    if (stray) throw usageError(`--${stray} does not apply to 'jobs ${sub}'.`, "Run 'gantry jobs --help' for which flags go with which subcommand.");
    switch (sub) {
      case 'submit':
        if (id !== undefined) throw usageError(`Unexpected argument '${id}'.`, 'Usage: gantry jobs submit -f job.yaml (the file goes after -f)');
        return submit(ctx, values);
      case 'ls':
        if (id !== undefined) throw usageError(`Unexpected argument '${id}'.`, 'Usage: gantry jobs ls [--status S] [--limit N]');
        return list(ctx, values);
      default:
        if (id === undefined) throw usageError('Give the job ID.', `Usage: gantry jobs ${sub} <id>`);
        if (sub === 'show') return show(ctx, id);
        if (sub === 'logs') return logs(ctx, id, values);
        return cancel(ctx, id, values);
    }
  },
};

import type { SubmitJobOptionsQuery } from '@/app/gql/graphql';
import { hyperparameterNameProblem, userEnvNameProblem } from '@/rules/env-names';
import type { Row } from './key-value-rows';

/** What the form's inputs hold, as typed. */
export interface JobFormValues {
  project: string;
  cluster: string;
  name: string;
  image: string;
  command: string;
  cpu: string;
  memoryMiB: string;
  gpuCount: string;
  gpuType: string;
  /** Minutes. */
  maxRuntime: string;
  retries: string;
  experiment: string;
  registerModel: string;
}

export const INITIAL_VALUES: JobFormValues = {
  project: '',
  cluster: '',
  name: '',
  image: '',
  command: '',
  cpu: '1',
  memoryMiB: '1024',
  gpuCount: '0',
  gpuType: '',
  maxRuntime: '60',
  retries: '0',
  experiment: '',
  registerModel: '',
};

export type FormErrors = Record<string, string | undefined>;

export type JobFormProject = SubmitJobOptionsQuery['projects']['edges'][number]['node'];
export type JobFormCluster = SubmitJobOptionsQuery['clusters'][number];

/** The form's own checks, before anything is sent; keyed like the inputs (`env.<row>` for a row). */
export function validateJobForm({
  f,
  project,
  cluster,
  parsed,
  env,
  params,
}: {
  f: JobFormValues;
  project: string;
  cluster: JobFormCluster | undefined;
  parsed: { parts: string[] } | { error: string };
  env: Row[];
  params: Row[];
}): FormErrors {
  const e: FormErrors = {};
  const num = (v: string) => (v.trim() === '' ? NaN : Number(v));
  if (!project) e.project = 'Choose a project';
  if (!cluster) e.cluster = 'Choose a cluster';
  if ('error' in parsed) e.command = parsed.error;
  else if (parsed.parts.length === 0) e.command = 'Enter the command to run';
  if (!(num(f.cpu) > 0)) e.cpu = 'A positive number of cores, e.g. 0.5';
  if (!Number.isInteger(num(f.memoryMiB)) || num(f.memoryMiB) <= 0) e.memoryMiB = 'Whole MiB, e.g. 2048';
  if (!Number.isInteger(num(f.gpuCount)) || num(f.gpuCount) < 0) e.gpuCount = 'A whole number';
  if (!(num(f.maxRuntime) > 0)) e.maxRuntime = 'A positive number of minutes';
  if (!Number.isInteger(num(f.retries)) || num(f.retries) < 0) e.retries = 'A whole number';
  const seen = (rows: Row[], id: string, check: (n: string) => string | undefined) => {
    const names = new Set<string>();
    for (const r of rows) {
      const n = r.name.trim();
      if (!n && !r.value) continue;
      const problem = !n ? 'Enter a name' : (check(n) ?? (names.has(n) ? 'Listed twice' : undefined));
      if (problem) e[`${id}.${r.key}`] = problem;
      names.add(n);
    }
  };
  // The job spec's own name rules, checked here so each row gets its message.
  seen(env, 'env', userEnvNameProblem);
  seen(params, 'params', hyperparameterNameProblem);
  return e;
}

/**
 * Puts the server's `extensions.fields` paths (the job spec's: `resources.gpu.count`,
 * `env.NAME`, `command.1`, `registerModel.name`…) next to the inputs they are about.
 */
export function mapServerFields(fields: { path: string; message: string }[], env: Row[], params: Row[]): FormErrors {
  const out: FormErrors = {};
  const put = (k: string, m: string) => (out[k] ??= m);
  for (const f of fields) {
    const p = f.path.replace(/^input\./, '');
    const [head, ...rest] = p.split('.');
    const tail = rest.join('.');
    if (head === 'command' || head === 'args') put('command', f.message);
    else if (p === 'resources.cpu') put('cpu', f.message);
    else if (p === 'resources.memoryMiB') put('memoryMiB', f.message);
    else if (p === 'resources.gpu.count') put('gpuCount', f.message);
    else if (p === 'resources.gpu.type') put('gpuType', f.message);
    else if (head === 'resources') put('cpu', f.message);
    else if (head === 'maxRuntimeSeconds') put('maxRuntime', f.message);
    else if (head === 'registerModel') put('registerModel', f.message);
    else if (head === 'env' || head === 'hyperparameters') {
      const id = head === 'env' ? 'env' : 'params';
      const row = (head === 'env' ? env : params).find((r) => r.name.trim() === tail);
      put(row ? `${id}.${row.key}` : id, f.message);
    } else put(head ?? p, f.message);
  }
  return out;
}

/** The keys of errors shown beside an input; the rest go on top of the form. */
export const FIELD_KEYS = ['project', 'cluster', 'name', 'image', 'command', 'cpu', 'memoryMiB', 'gpuCount', 'gpuType', 'maxRuntime', 'retries', 'experiment', 'registerModel', 'env', 'params'];

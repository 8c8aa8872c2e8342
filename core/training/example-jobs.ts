import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { env } from '../../config/env';
import { jobFileSchema, type JobSpecInput } from '../../rules/job-spec';
import { parseRequirementsText } from '../../rules/python-requirements';
import { assertCan, type TenantContext } from '../tenancy/context';

/**
 * The examples shipped with this installation (`examples/<name>/*.job.yaml` and `job.yaml`),
 * found from the directory Gantry runs in (the processes start at the repository root).
 */
const examplesDir = () => path.resolve(process.cwd(), 'examples');

export interface ExampleJob {
  /** `<example>/<file>`, e.g. `churn/job.yaml`. */
  id: string;
  title: string;
  kind: 'training' | 'evaluation';
  /** The spec as the file has it, with script paths made absolute for the local cluster. */
  spec: JobSpecInput;
}

/**
 * Job specs from the bundled examples, ready to submit or to fill the submit
 * form. On the local cluster a job starts in an empty directory, so a relative
 * script argument that names a file of the example becomes its absolute path,
 * and relative input sources likewise. A requirements file the example names
 * (`python.requirementsFile`) is read into `python.requirements`, as the CLI does
 * with a job file. Nothing is offered when local jobs are off.
 */
export function listExampleJobs(ctx: TenantContext): ExampleJob[] {
  assertCan(ctx, 'job:read');
  const EXAMPLES_DIR = examplesDir();
  if (!env().LOCAL_JOBS_ENABLED || !existsSync(EXAMPLES_DIR)) return [];
  const out: ExampleJob[] = [];
  for (const example of readdirSync(EXAMPLES_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    const dir = path.join(EXAMPLES_DIR, example);
    for (const file of readdirSync(dir).filter((f) => f === 'job.yaml' || f.endsWith('.job.yaml')).sort()) {
      const raw = parse(readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
      const parsed = jobFileSchema.partial({ project: true }).safeParse(raw);
      if (!parsed.success) continue;
      const python = withRequirementsFile(raw.python, dir);
      if (python === undefined) continue;
      const local = (raw.cluster ?? 'local') === 'local';
      const absolute = (p: unknown) => (typeof p === 'string' && !path.isAbsolute(p) && existsSync(path.join(dir, p)) ? path.join(dir, p) : p);
      const repoRelative = (p: string) => (!path.isAbsolute(p) && !p.includes('://') && existsSync(path.resolve(EXAMPLES_DIR, '..', p)) ? path.resolve(EXAMPLES_DIR, '..', p) : p);
      const spec = {
        ...raw,
        ...(local && Array.isArray(raw.args) ? { args: raw.args.map(absolute) } : {}),
        ...(local && Array.isArray(raw.inputs) ? { inputs: (raw.inputs as { source: string }[]).map((i) => ({ ...i, source: repoRelative(i.source) })) } : {}),
        ...(python ? { python } : {}),
      } as JobSpecInput;
      out.push({ id: `${example}/${file}`, title: String(raw.name ?? `${example} ${file}`), kind: file === 'job.yaml' ? 'training' : 'evaluation', spec });
    }
  }
  return out;
}

/**
 * An example's `python` as the job spec takes it: the requirements file's lines (relative to the
 * example), then any listed. Undefined for an example whose file cannot be read or has a refused
 * line: such an example is not offered.
 */
function withRequirementsFile(python: unknown, dir: string): { requirements: string[] } | null | undefined {
  if (!python || typeof python !== 'object') return null;
  const { requirements = [], requirementsFile } = python as { requirements?: string[]; requirementsFile?: string };
  if (!requirementsFile) return { requirements };
  const file = path.resolve(dir, requirementsFile);
  if (!existsSync(file)) return undefined;
  const parsed = parseRequirementsText(readFileSync(file, 'utf8'));
  return parsed.problems.length ? undefined : { requirements: [...parsed.requirements, ...requirements] };
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from '../../command';
import { CliError, usageError } from '../../exit-codes';
import { readStdin } from '../../prompt';
import { parseRequirementsText, REQUIREMENTS_FILE_MAX_BYTES } from '../../../rules/python-requirements';
import { JOB_SPEC_FIELDS, type Field } from './spec-fields';

type Spec = Record<string, unknown>;
type Segment = string | number;
/** `file:line:col` of a key or value in the job file, if it came from the file (not from --set). */
export type Locate = (at: Segment[], what?: 'key' | 'value') => string | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const dotted = (at: Segment[]) => at.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');

function fileProblem(file: string, problems: { at?: string; message: string }[], hint?: string): CliError {
  const [first, ...rest] = problems;
  const line = (p: { at?: string; message: string }) => `${p.at ?? file}: ${p.message}`;
  const message = rest.length ? `${line(first!)}\n${rest.map((p) => `  ${line(p)}`).join('\n')}` : line(first!);
  return usageError(message, hint);
}

/**
 * Parses a YAML (or JSON, which YAML reads too) job file. Syntax errors and a
 * top level that is not a mapping are usage errors with the line and column.
 */
export async function parseJobFile(text: string, file: string): Promise<{ spec: Spec; locate: Locate }> {
  // yaml is only needed by `jobs submit`; loading it costs every other command startup time.
  const { LineCounter, parseDocument, isMap, isPair, isScalar: isYamlScalar } = await import('yaml');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const [what, context] = e.message.split(/ at line \d+, column \d+:\n\n/);
      const pos = e.linePos?.[0];
      return { at: pos ? `${file}:${pos.line}:${pos.col}` : file, message: what!, context };
    });
    throw fileProblem(file, problems, problems[0]!.context?.trimEnd());
  }
  const spec: unknown = doc.toJS();
  if (spec === null || spec === undefined) throw usageError(`${file} is empty.`, 'A job needs at least a project and a command; see gantry jobs --help.');
  if (!isObject(spec)) throw usageError(`${file}: the job spec must be a mapping of keys (project:, command:, ...), not a ${Array.isArray(spec) ? 'list' : 'single value'}.`);

  const position = (node: unknown) => {
    const offset = (node as { range?: [number, number, number] } | null | undefined)?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const locate: Locate = (at, what = 'value') => {
    // A list item is its own node; a map entry is a pair whose key or value is wanted.
    if (typeof at.at(-1) === 'number') return position(doc.getIn(at, true));
    const parent = doc.getIn(at.slice(0, -1), true);
    if (!isMap(parent)) return undefined;
    const pair = parent.items.find((p) => isPair(p) && isYamlScalar(p.key) && String(p.key.value) === String(at.at(-1)));
    return position(what === 'key' ? pair?.key : pair?.value);
  };
  return { spec, locate };
}

/** Unknown keys and wrong shapes, every one of them, so a file is fixed in one go. */
function checkShape(value: Record<string, unknown>, fields: Record<string, Field>, at: Segment[], locate: Locate, problems: { at?: string; message: string }[]) {
  const where = at.length ? ` in ${dotted(at)}` : '';
  for (const [key, v] of Object.entries(value)) {
    const field = fields[key];
    const here = [...at, key];
    if (!field) {
      problems.push({ at: locate(here, 'key'), message: `unknown key '${key}'${where}. Allowed keys${where}: ${Object.keys(fields).join(', ')}.` });
      continue;
    }
    if (v === null || v === undefined) continue;
    const name = dotted(here);
    if (field === 'list') {
      if (!Array.isArray(v)) problems.push({ at: locate(here), message: `${name} must be a list, e.g. ${key}: [python, train.py]` });
    } else if (field === 'map') {
      if (!isObject(v)) problems.push({ at: locate(here), message: `${name} must be a mapping of names to values, e.g. ${key}: {NAME: value}` });
      else if (key === 'env') {
        // GraphQL carries env as {key, value} strings; an unquoted 8080 would be rejected without its name.
        for (const [k, val] of Object.entries(v)) {
          if (typeof val !== 'string') problems.push({ at: locate([...here, k]), message: `env.${k} must be a string; quote it: ${k}: "${val === null ? '' : String(val)}"` });
        }
      } else {
        for (const [k, val] of Object.entries(v)) {
          if (!isScalar(val)) problems.push({ at: locate([...here, k]), message: `${name}.${k} must be a string, number or true/false` });
        }
      }
    } else if (typeof field === 'object') {
      if ('object' in field) {
        if (!isObject(v)) problems.push({ at: locate(here), message: `${name} must be a mapping with keys ${Object.keys(field.object).join(', ')}` });
        else checkShape(v, field.object, here, locate, problems);
      } else if (!Array.isArray(v)) {
        problems.push({ at: locate(here), message: `${name} must be a list of mappings with keys ${Object.keys(field.listOf).join(', ')}` });
      } else {
        v.forEach((item, i) => {
          if (!isObject(item)) problems.push({ at: locate([...here, i]), message: `${name}[${i}] must be a mapping with keys ${Object.keys(field.listOf).join(', ')}` });
          else checkShape(item, field.listOf, [...here, i], locate, problems);
        });
      }
    }
  }
}

/**
 * `--set a.b=value`: dots reach into objects; in env and hyperparameters the rest of
 * the path is the name (hyperparameter names may contain dots). Text fields and
 * env and hyperparameter values take the text as given; numbers, lists and objects
 * are read as YAML (`2`, `[python, train.py]`, `{count: 1}`).
 */
export async function applySet(spec: Spec, assignment: string): Promise<void> {
  const eq = assignment.indexOf('=');
  const keyPath = eq === -1 ? '' : assignment.slice(0, eq).trim();
  if (!keyPath || keyPath.split('.').some((s) => s === '')) {
    throw usageError(`--set expects key=value, got '${assignment}'.`, 'For example: --set hyperparameters.lr=0.01 --set resources.gpu.count=2');
  }
  const raw = assignment.slice(eq + 1);
  const [top, ...rest] = keyPath.split('.');
  const field = JOB_SPEC_FIELDS[top!];
  if (!field) throw usageError(`--set ${keyPath}: unknown key '${top}'. Allowed keys: ${Object.keys(JOB_SPEC_FIELDS).join(', ')}.`);
  if (field === 'map') {
    if (rest.length === 0) throw usageError(`--set ${keyPath}: name the entry, e.g. --set ${top}.NAME=value`);
    const map = isObject(spec[top!]) ? (spec[top!] as Record<string, unknown>) : {};
    map[rest.join('.')] = raw;
    spec[top!] = map;
    return;
  }
  const read = async (f: Field): Promise<unknown> => {
    if (f === 'text') return raw;
    const { parse } = await import('yaml');
    try {
      return parse(raw);
    } catch {
      throw usageError(`--set ${keyPath}: '${raw}' is not a valid YAML value.`, `For example: --set 'command=[python, train.py]'`);
    }
  };
  let target = spec;
  let fields: Record<string, Field> = JOB_SPEC_FIELDS;
  for (let i = 0; i < rest.length + 1; i++) {
    const key = i === 0 ? top! : rest[i - 1]!;
    const f = fields[key];
    if (!f) throw usageError(`--set ${keyPath}: unknown key '${key}'. Allowed keys here: ${Object.keys(fields).join(', ')}.`);
    if (i === rest.length) {
      target[key] = await read(f);
      return;
    }
    if (typeof f !== 'object' || !('object' in f)) throw usageError(`--set ${keyPath}: ${key} has no fields to set; set it whole, e.g. --set '${key}=[...]'`);
    if (!isObject(target[key])) target[key] = {};
    target = target[key] as Record<string, unknown>;
    fields = f.object;
  }
}

/** The file's spec as `SubmitTrainingJobInput`: maps become {key, value} lists, `resources.gpu` becomes gpuCount/gpuType. */
export function toSubmitInput(spec: Spec): Record<string, unknown> {
  const input: Record<string, unknown> = { ...spec };
  const pairs = (m: unknown, text: (v: unknown) => unknown) => (isObject(m) ? Object.entries(m).map(([key, value]) => ({ key, value: text(value) })) : m);
  if ('env' in spec) input.env = pairs(spec.env, (v) => v);
  // The spec turns hyperparameter numbers and booleans into text; GraphQL carries text only.
  if ('hyperparameters' in spec) input.hyperparameters = pairs(spec.hyperparameters, (v) => (isScalar(v) ? String(v) : v));
  if (isObject(spec.resources)) {
    const { gpu, ...rest } = spec.resources;
    input.resources = { ...rest, ...(isObject(gpu) ? { gpuCount: gpu.count, gpuType: gpu.type } : {}) };
  }
  return input;
}

export async function loadSpec(ctx: Context, file: string, sets: string[]): Promise<{ spec: Spec; locate: Locate; shown: string }> {
  let text: string;
  const shown = file === '-' ? 'stdin' : file;
  if (file === '-') text = await readStdin(ctx.stdin);
  else {
    try {
      text = await readFile(path.resolve(process.cwd(), file), 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
      throw usageError(`Cannot read ${file}: ${why}.`);
    }
  }
  const { spec, locate } = await parseJobFile(text, shown);
  for (const s of sets) await applySet(spec, s);
  const problems: { at?: string; message: string }[] = [];
  checkShape(spec, JOB_SPEC_FIELDS, [], locate, problems);
  if (problems.length) throw fileProblem(shown, problems, problems.some((p) => p.message.startsWith('unknown key')) ? 'The job spec format is in gantry jobs --help.' : undefined);
  await inlineRequirementsFile(spec, file === '-' ? process.cwd() : path.dirname(path.resolve(process.cwd(), file)), locate);
  return { spec, locate, shown };
}

/**
 * `python.requirementsFile` (relative to the job file) is read here and sent as the
 * requirements list, its lines first: the server gets, and the job records, the list itself,
 * wherever the server runs. A line pip would read as anything but a package is refused here
 * with its place in the file.
 */
async function inlineRequirementsFile(spec: Spec, baseDir: string, locate: Locate): Promise<void> {
  const python = spec.python;
  if (!isObject(python) || typeof python.requirementsFile !== 'string') return;
  const name = python.requirementsFile;
  const at = locate(['python', 'requirementsFile']);
  const full = path.resolve(baseDir, name);
  let text: string;
  try {
    const buf = await readFile(full);
    if (buf.length > REQUIREMENTS_FILE_MAX_BYTES) throw usageError(`${at ?? name}: ${name} is larger than ${REQUIREMENTS_FILE_MAX_BYTES / 1024} KiB.`);
    text = buf.toString('utf8');
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw usageError(`${at ?? 'python.requirementsFile'}: cannot read ${full}: ${why}.`, 'python.requirementsFile is relative to the job file.');
  }
  const { requirements, problems } = parseRequirementsText(text);
  if (problems.length) throw fileProblem(name, problems.map((p) => ({ at: p.line ? `${name}:${p.line}` : name, message: p.message })));
  const { requirementsFile: _file, ...rest } = python;
  spec.python = { ...rest, requirements: [...requirements, ...(Array.isArray(rest.requirements) ? rest.requirements : [])] };
}

/** The server's field issues (`extensions.fields`), each with its place in the file when it has one. */
export function withFieldIssues(e: unknown, locate: Locate): unknown {
  if (!(e instanceof CliError) || !Array.isArray(e.details?.fields)) return e;
  const lines = (e.details.fields as { path?: unknown; message?: unknown }[]).map((f) => {
    const p = typeof f.path === 'string' ? f.path : '';
    const [top = '', ...rest] = p.split('.');
    // Map keys (hyperparameter names) may themselves contain dots.
    const segments = JOB_SPEC_FIELDS[top] === 'map' ? [top, rest.join('.')] : [top, ...rest.map((s) => (/^\d+$/.test(s) ? Number(s) : s))];
    const at = p ? locate(segments) : undefined;
    return `  ${p || '(job)'}${at ? ` (${at})` : ''}: ${String(f.message ?? '')}`;
  });
  return new CliError(e.code, e.message, e.exitCode, {
    fromServer: e.fromServer,
    hint: lines.join('\n'),
    ...(e.details ? { details: e.details } : {}),
    ...(e.retryAfterSeconds !== undefined ? { retryAfterSeconds: e.retryAfterSeconds } : {}),
  });
}

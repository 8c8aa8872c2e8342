// No container engine runs where the tests run, so the images are never built here. This test reads
// deploy/docker/Dockerfile (and its ignore file) the way a build would and checks what a build could
// only find out by failing: every path it copies exists and is not ignored, every command it runs is
// in package.json, each process finds in its image every source file it imports and every package
// it loads, and the Kubernetes manifests run only images and commands the Dockerfile makes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../workers/worker';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DOCKERFILE = 'deploy/docker/Dockerfile';
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string>; dependencies: Record<string, string> };

/** Files a process reads by path at run time rather than importing them. */
const READ_AT_RUN_TIME: Record<string, string[]> = {
  // The SDK bundles the workflows into its sandbox when the worker starts.
  'workers/main.ts': [path.relative(ROOT, WORKFLOWS_PATH)],
  // The migrations and their journal (db/migrate.ts).
  'scripts/db-migrate.ts': ['db/migrations/meta/_journal.json'],
  // Next's configuration and production build; the batch scoring script a batch prediction job runs.
  'scripts/web-server.ts': ['next.config.mjs', '.next/BUILD_ID', 'core/serving/batch/batch_predict.py'],
};

/** Made inside the stages rather than copied from the repository: by `npm ci` and by `next build`. */
const MADE_IN_STAGES = ['node_modules', '.next'];

interface Copy {
  /** The stage it copies from; undefined for the build context. */
  from?: string;
  sources: string[];
  /** Absolute path in the image. */
  dest: string;
}

interface Stage {
  name: string;
  base: string;
  workdir: string;
  user?: string;
  copies: Copy[];
  runs: string[];
  cmd?: string[];
  healthcheck?: string[];
}

/** Instructions, with continuation lines joined and comments and the parser directive dropped. */
function instructions(text: string): { op: string; args: string }[] {
  const out: { op: string; args: string }[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = pending + line;
    pending = '';
    const space = full.indexOf(' ');
    out.push({ op: full.slice(0, space).toUpperCase(), args: full.slice(space + 1).trim() });
  }
  return out;
}

/** Leading `--flag=value` options, then the rest. */
function flags(args: string): { flags: Record<string, string>; rest: string } {
  const found: Record<string, string> = {};
  let rest = args;
  for (let m = /^--([a-z-]+)=(\S+)\s+/.exec(rest); m; m = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
    found[m[1]!] = m[2]!;
    rest = rest.slice(m[0].length);
  }
  return { flags: found, rest };
}

/** The exec form (`["node", "x"]`) of CMD and HEALTHCHECK; the shell form is not used here. */
function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`not an exec-form command: ${args}`);
  return parsed;
}

function parseDockerfile(text: string): Stage[] {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const { op, args: rest } of instructions(text)) {
    const stage = stages.at(-1);
    if (op === 'ARG' && !stage) {
      const [name, value = ''] = rest.split('=');
      args.set(name!, value);
    } else if (op === 'FROM') {
      const [image, as, name] = rest.replace(/\$\{(\w+)\}/g, (_, v: string) => args.get(v) ?? '').split(/\s+/);
      const parent = stages.find((s) => s.name === image);
      stages.push({
        name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length),
        base: image!,
        workdir: parent?.workdir ?? '/',
        user: parent?.user,
        copies: [],
        runs: [],
      });
    } else if (!stage) {
      throw new Error(`${op} before the first FROM`);
    } else if (op === 'WORKDIR') {
      stage.workdir = path.posix.resolve(stage.workdir, rest);
    } else if (op === 'USER') {
      stage.user = rest;
    } else if (op === 'COPY') {
      const parsed = flags(rest);
      const parts = parsed.rest.split(/\s+/);
      const dest = parts.at(-1)!;
      // A trailing slash makes the destination a directory, even for one source.
      stage.copies.push({ from: parsed.flags.from, sources: parts.slice(0, -1), dest: path.posix.resolve(stage.workdir, dest) + (dest.endsWith('/') ? '/' : '') });
    } else if (op === 'RUN') {
      stage.runs.push(flags(rest).rest);
    } else if (op === 'CMD') {
      stage.cmd = execForm(rest);
    } else if (op === 'HEALTHCHECK') {
      stage.healthcheck = execForm(rest.replace(/^(--[a-z-]+=\S+\s+)*CMD\s+/, ''));
    }
  }
  return stages;
}

/** `.dockerignore` patterns as Docker reads them: Go path patterns plus `**`; a matched directory takes its contents along. */
function ignoreMatcher(text: string): (file: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (patterns.some((p) => p.startsWith('!'))) throw new Error('exception patterns (!) are not understood by this test: extend ignoreMatcher');
  const regexes = patterns.map((p) => {
    const body = path.posix
      .normalize(p.replace(/^\//, ''))
      .split(/(\*\*\/?|\*|\?)/)
      .map((part) => (part === '**/' ? '(.*/)?' : part === '**' ? '.*' : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    return new RegExp(`^${body}(/.*)?$`);
  });
  return (file) => regexes.some((r) => r.test(file));
}

/** The image's files, each traced back to the repository path (or build output) it came from. */
function imageSources(stages: Stage[], target: string): { context: Map<string, string>; built: Map<string, string> } {
  const context = new Map<string, string>();
  const built = new Map<string, string>();
  const chain: Stage[] = [];
  for (let s = stages.find((x) => x.name === target); s; s = stages.find((x) => x.name === s!.base)) chain.unshift(s);
  for (const stage of chain) {
    for (const copy of stage.copies) {
      for (const source of copy.sources) {
        const inImage = copy.sources.length > 1 || copy.dest.endsWith('/') ? path.posix.join(copy.dest, path.posix.basename(source)) : copy.dest;
        if (copy.from) built.set(inImage, source);
        else context.set(inImage, source === '.' ? '' : path.posix.normalize(source));
      }
    }
  }
  return { context, built };
}

/** Source files a module imports (transitively), and the packages it loads. */
async function importGraph(entries: string[], loader: Record<string, 'empty'> = {}): Promise<{ files: string[]; packages: string[] }> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: entries,
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    metafile: true,
    outdir: 'out',
    logLevel: 'silent',
    loader,
  });
  const packages = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imp of input.imports) {
      if (!imp.external || imp.path.startsWith('node:') || builtinModules.includes(imp.path)) continue;
      const parts = imp.path.split('/');
      packages.add(imp.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return { files: Object.keys(result.metafile.inputs), packages: [...packages].sort() };
}

/** The script a `node --import tsx <file>` command runs. */
function tsxEntry(command: string[]): string | undefined {
  const [node, importFlag, tsx, file] = command;
  return node === 'node' && importFlag === '--import' && tsx === 'tsx' ? file : undefined;
}

/** Containers of the Kubernetes manifests: image, and command when they override the image's. */
function manifestContainers(): { where: string; image: string; command?: string[]; runAsUser?: number }[] {
  const dir = 'deploy/kubernetes';
  const out: { where: string; image: string; command?: string[]; runAsUser?: number }[] = [];
  for (const file of readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(read(`${dir}/${file}`))) {
      const object = doc.toJS() as { kind?: string; metadata?: { name?: string }; spec?: { template?: { spec?: PodSpec } } } | null;
      const pod = object?.spec?.template?.spec;
      for (const c of pod?.containers ?? []) {
        out.push({ where: `${file} ${object?.kind}/${object?.metadata?.name} ${c.name}`, image: c.image, command: c.command, runAsUser: c.securityContext?.runAsUser ?? pod?.securityContext?.runAsUser });
      }
    }
  }
  return out;
}
interface PodSpec {
  securityContext?: { runAsUser?: number };
  containers?: { name: string; image: string; command?: string[]; securityContext?: { runAsUser?: number } }[];
}

/** What a build of `dockerfile` would trip over; empty when nothing. */
async function dockerfileProblems(dockerfile: string, dockerignore: string): Promise<string[]> {
  const problems: string[] = [];
  const stages = parseDockerfile(dockerfile);
  const ignored = ignoreMatcher(dockerignore);
  const names = new Set(stages.map((s) => s.name));

  for (const stage of stages) {
    for (const copy of stage.copies) {
      if (copy.from && !names.has(copy.from)) problems.push(`${stage.name}: COPY --from=${copy.from}: no such stage`);
      for (const source of copy.sources) {
        if (copy.from) {
          const fromStage = stages.find((s) => s.name === copy.from);
          const relative = fromStage ? path.posix.relative(fromStage.workdir, source) : source;
          if (!MADE_IN_STAGES.includes(relative) && !imageSources(stages, copy.from).context.has(source)) problems.push(`${stage.name}: COPY --from=${copy.from} ${source}: neither built there nor copied into it`);
        } else if (source !== '.' && !existsSync(path.join(ROOT, source))) {
          problems.push(`${stage.name}: COPY ${source}: not in the repository`);
        } else if (source !== '.' && ignored(path.posix.normalize(source))) {
          problems.push(`${stage.name}: COPY ${source}: left out of the build context by the ignore file`);
        }
      }
    }
    for (const run of stage.runs) {
      for (const command of run.split('&&').map((c) => c.trim().split(/\s+/))) {
        const [program, verb, name] = command;
        if (program === 'npm' && verb === 'run' && !(name! in packageJson.scripts)) problems.push(`${stage.name}: RUN npm run ${name}: no such script in package.json`);
        else if (!['npm', 'mkdir', 'chown', 'rm'].includes(program!)) problems.push(`${stage.name}: RUN ${program}: a program this test does not know to be in the image`);
      }
    }
    if (stage.healthcheck && stage.healthcheck[0] !== 'node') problems.push(`${stage.name}: HEALTHCHECK runs ${stage.healthcheck[0]}, which the node image may not have`);
  }

  const finals = stages.filter((s) => s.cmd);
  for (const stage of finals) {
    if (!stage.user || !/^[1-9]\d*(:\d+)?$/.test(stage.user)) problems.push(`${stage.name}: USER must be a non-root user by number (Kubernetes verifies runAsNonRoot only then), not ${stage.user ?? 'unset (root)'}`);
  }

  // Each process: the image's own command, and every command a manifest runs in that image.
  const containers = manifestContainers();
  for (const c of containers) {
    const target = c.image.replace(/^gantry-/, '');
    const stage = finals.find((s) => s.name === target);
    if (!stage) {
      problems.push(`${c.where}: image ${c.image} is no target of the Dockerfile (gantry-<target>)`);
      continue;
    }
    if (c.runAsUser !== undefined && String(c.runAsUser) !== stage.user?.split(':')[0]) problems.push(`${c.where}: runAsUser ${c.runAsUser} is not the image's USER ${stage.user}`);
  }
  const runs = new Map<string, string[][]>();
  for (const stage of finals) runs.set(stage.name, [stage.cmd!]);
  for (const c of containers) if (c.command) runs.get(c.image.replace(/^gantry-/, ''))?.push(c.command);

  for (const [target, commands] of runs) {
    const { context, built } = imageSources(stages, target);
    const workdir = finals.find((s) => s.name === target)!.workdir;
    // The processes start in the working directory, so a repository path must sit at the same path below it.
    const inImage = (file: string) => {
      const at = path.posix.join(workdir, file);
      for (const [dest, source] of context) {
        const under = source === '' || file === source || file.startsWith(`${source}/`);
        if (under && path.posix.join(dest, source === '' ? file : path.posix.relative(source, file)) === at && !ignored(file)) return true;
      }
      return [...built.keys()].some((dest) => at === dest || at.startsWith(`${dest}/`));
    };
    for (const command of commands) {
      const entry = tsxEntry(command);
      if (!entry) {
        problems.push(`${target}: runs ${command.join(' ')}; only \`node --import tsx <file>\` is understood here`);
        continue;
      }
      if (!existsSync(path.join(ROOT, entry))) {
        problems.push(`${target}: runs ${entry}, which is not in the repository`);
        continue;
      }
      const graph = await importGraph([entry, ...(READ_AT_RUN_TIME[entry] ?? []).filter((f) => f.endsWith('.ts'))]);
      for (const file of [...graph.files, ...(READ_AT_RUN_TIME[entry] ?? [])]) {
        if (!inImage(file)) problems.push(`${target}: ${entry} needs ${file}, which the image does not contain`);
      }
      for (const pkg of ['tsx', ...graph.packages]) {
        if (!(pkg in packageJson.dependencies)) problems.push(`${target}: ${entry} loads ${pkg}, which is not a production dependency (the image's node_modules are pruned to those)`);
      }
    }
  }
  return problems;
}

/** Every source file of the web app, as `next build` compiles them. */
function appSources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) out.push(rel);
    }
  };
  walk('app');
  return [...out, 'proxy.ts'];
}

describe('the Dockerfile', () => {
  const dockerfile = read(DOCKERFILE);
  const dockerignore = read(`${DOCKERFILE}.dockerignore`);

  it('copies only what exists, runs only what package.json has, and gives each process every file and package it loads', async () => {
    expect(await dockerfileProblems(dockerfile, dockerignore)).toEqual([]);
  });

  it('says what would break: a missing path, an unknown script, a root user, a source the image lacks', async () => {
    const broken = dockerfile
      .replace('COPY rules ./rules', 'COPY rulez ./rules')
      .replace('RUN npm run build', 'RUN npm run build:web')
      .replace('USER 1000:1000', 'USER root')
      .replace('COPY workflows ./workflows\n', '')
      .replace('COPY scripts/db-migrate.ts ./scripts/db-migrate.ts\n', '');
    const problems = await dockerfileProblems(broken, dockerignore);
    expect(problems).toEqual(
      expect.arrayContaining([
        'runtime: COPY rulez: not in the repository',
        'build: RUN npm run build:web: no such script in package.json',
        'worker: USER must be a non-root user by number (Kubernetes verifies runAsNonRoot only then), not root',
        `worker: workers/main.ts needs ${path.relative(ROOT, WORKFLOWS_PATH)}, which the image does not contain`,
        // The migration Job's command, from deploy/kubernetes/migrate-job.yaml.
        'worker: scripts/db-migrate.ts needs scripts/db-migrate.ts, which the image does not contain',
      ]),
    );
    expect(problems.some((p) => p.startsWith('worker: workers/main.ts needs rules/'))).toBe(true);
  });

  it('notices an ignore rule that hides a file a process imports', async () => {
    const problems = await dockerfileProblems(dockerfile, `${dockerignore}\ncore/observability\n`);
    expect(problems).toContain('web: scripts/web-server.ts needs core/observability/logger.ts, which the image does not contain');
  });

  it('leaves in the build context every file the web build compiles', async () => {
    const ignored = ignoreMatcher(dockerignore);
    const graph = await importGraph(appSources(), { '.css': 'empty', '.svg': 'empty', '.ico': 'empty' });
    expect(graph.files.length).toBeGreaterThan(100);
    expect(graph.files.filter((f) => ignored(f))).toEqual([]);
    for (const config of ['next.config.mjs', 'postcss.config.mjs', 'tsconfig.json', 'package.json']) expect(ignored(config), config).toBe(false);
  });
});

import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * How the worker starts a job's supervisor (local-supervisor.ts). Under tsx every start would
 * first load the TypeScript loader and compile the supervisor's modules (about 0.2 s a job), so
 * the supervisor is bundled once per version of its source with esbuild into `<cacheDir>/`, and
 * started with plain `node`. Where bundling fails, it starts under tsx as before.
 */
const built = new Map<string, Promise<string | null>>();

export interface SupervisorCommand {
  /** Arguments for `node` before the supervisor's own. */
  args: string[];
  /** `bundle` or `tsx`, for logs and tests. */
  via: 'bundle' | 'tsx';
}

function sourcePath(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'local-supervisor.ts');
}

// Node's module and file APIs out of the web bundler's sight (it would trace the whole project
// for these dynamic paths): only the worker starts supervisors.
const requireHere = () => process.getBuiltinModule('node:module').createRequire(import.meta.url);
const fs = () => process.getBuiltinModule('node:fs');

async function bundle(cacheDir: string): Promise<string | null> {
  try {
    const esbuild = (await import(pathToFileURL(requireHere().resolve('esbuild')).href)) as typeof import('esbuild');
    const out = await esbuild.build({
      entryPoints: [sourcePath()],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      logLevel: 'silent',
    });
    const code = out.outputFiles[0]!.contents;
    const file = path.join(cacheDir, `local-supervisor-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
    if (!fs().existsSync(file)) {
      fs().mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      fs().writeFileSync(tmp, code, { mode: 0o600 });
      fs().renameSync(tmp, file);
    }
    return file;
  } catch (e) {
    process.stderr.write(`local jobs: bundling the supervisor failed, starting it under tsx (${(e as Error).message})\n`);
    return null;
  }
}

export async function supervisorCommand(cacheDir: string): Promise<SupervisorCommand> {
  let file = built.get(cacheDir);
  if (!file) built.set(cacheDir, (file = bundle(cacheDir)));
  const bundled = await file;
  if (bundled && fs().existsSync(bundled)) return { args: [bundled], via: 'bundle' };
  if (bundled) built.delete(cacheDir); // removed meanwhile: bundled again next time
  const tsx = pathToFileURL(requireHere().resolve('tsx')).href;
  return { args: ['--import', tsx, sourcePath()], via: 'tsx' };
}

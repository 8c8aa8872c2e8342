import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sleep } from './net';
import { isAlive } from './processes';

/** What the find-or-build scripts for tools (MinIO, the Kubernetes control plane) share. */

export function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutableFile(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** The `go` to build with: on PATH, or where the official tarball puts it. */
export function goBinary(): string | undefined {
  return onPath('go') ?? (isExecutableFile('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/** `fn`, called only the first time. */
export function onFirstCall<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  let called = false;
  return (...args) => {
    if (called) return;
    called = true;
    fn(...args);
  };
}

export interface ToolLockWaiting {
  /** Told on every look at a lock another live process holds, with how long this call has waited. */
  onWaiting?: (holder: number, waitedMs: number) => void;
  /** How to wait between looks (default 2 s); may throw to stop waiting (an abort). */
  pause?: () => Promise<void>;
}

/**
 * Serialises builds of one tool between processes that start together (test files, a test
 * run and a launcher): one builds, the others wait and use its result. A lock left by a
 * process that died is taken over.
 */
export async function withToolLock<T>(toolsDir: string, tool: string, fn: () => Promise<T>, waiting: ToolLockWaiting = {}): Promise<T> {
  const lock = path.join(toolsDir, `.${tool}-build.lock`);
  const began = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = 0;
      try {
        holder = Number(readFileSync(path.join(lock, 'pid'), 'utf8').trim());
      } catch {
        // The holder has not written its pid yet.
      }
      if (holder && !isAlive(holder)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (holder) waiting.onWaiting?.(holder, Date.now() - began);
      await (waiting.pause ? waiting.pause() : sleep(2000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** True when `file` runs with `args` and prints something `expected` matches: the tool it claims to be. */
export function reportsItself(file: string, args: string[], expected: RegExp): Promise<boolean> {
  if (!isExecutableFile(file)) return Promise.resolve(false);
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 20_000, encoding: 'utf8' }, (err, stdout, stderr) => resolve(!err && expected.test(`${stdout}${stderr}`)));
  });
}

export interface GoTool {
  /** The binary's name (in the tools dir and on PATH). */
  name: string;
  /** The variable naming a binary to use instead, e.g. `MINIO_PATH`. */
  envVar: string;
  module: string;
  version: string;
  /** Whether a file is a working binary of this tool. */
  check: (file: string) => Promise<boolean>;
}

/**
 * A test tool built from a Go module: `$<envVar>`, the name on PATH, one built earlier into the tools
 * dir (`~/.gantry-tools/bin`), or a fresh `go install` of the pinned version with `GOBIN` there (under
 * the tool's build lock). Returns null (with the reason) when none is possible.
 */
export async function findOrBuildGoTool(tool: GoTool, opts: { toolsDir: string; log: (l: string) => void }): Promise<{ binary: string } | { binary: null; reason: string }> {
  const configured = process.env[tool.envVar];
  if (configured) {
    const file = path.resolve(configured);
    if (await tool.check(file)) return { binary: file };
    return { binary: null, reason: `${tool.envVar}=${configured} is not a working ${tool.name} binary` };
  }
  const fromPath = onPath(tool.name);
  if (fromPath && (await tool.check(fromPath))) return { binary: fromPath };
  const built = path.join(opts.toolsDir, tool.name);
  if (await tool.check(built)) return { binary: built };
  const go = goBinary();
  if (!go) return { binary: null, reason: `no ${tool.name} binary and no Go toolchain to build one` };
  mkdirSync(opts.toolsDir, { recursive: true });
  return withToolLock(opts.toolsDir, tool.name, async () => {
    if (await tool.check(built)) return { binary: built };
    opts.log(`Building ${tool.name} ${tool.version} with Go into ${opts.toolsDir} (first run only)…`);
    const out: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(go, ['install', `${tool.module}@${tool.version}`], {
        env: { ...process.env, GOBIN: opts.toolsDir, CGO_ENABLED: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const keep = (b: Buffer) => out.push(...b.toString('utf8').split('\n').filter(Boolean));
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.once('exit', resolve);
      child.once('error', () => resolve(127));
    });
    if (code === 0 && (await tool.check(built))) return { binary: built };
    return { binary: null, reason: `go install ${tool.module}@${tool.version} failed (${code}):\n${out.slice(-20).join('\n')}` };
  });
}

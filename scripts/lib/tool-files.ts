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

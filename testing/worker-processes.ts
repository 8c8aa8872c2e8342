import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Resolves once the process has exited (at once if it already has). */
export const exited = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));

/**
 * Worker processes as production runs them (`workers/main.ts` in its own process, the test's
 * environment: Temporal address, task queue, GANTRY_HOME), for tests that kill one with SIGKILL
 * and start another. `killAll` ends those still running.
 */
export function workerProcesses() {
  const all: ChildProcess[] = [];
  return {
    start(): ChildProcess {
      const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', NODE_ENV: 'test' }, stdio: ['ignore', 'ignore', 'inherit'] });
      all.push(child);
      return child;
    },
    async killAll(): Promise<void> {
      await Promise.all(all.filter((w) => w.exitCode === null && w.signalCode === null).map((w) => (w.kill('SIGKILL'), exited(w))));
    },
  };
}

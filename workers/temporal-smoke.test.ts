import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../scripts/lib/net';
import { findOrBuildTemporal, startTemporalDevServer, type TemporalDevServer } from '../scripts/lib/temporal-binary';
import { helloWorkflow } from '../workflows';
import { createWorker } from './worker';

let server: TemporalDevServer;
let dir: string;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  dir = mkdtempSync(path.join(os.tmpdir(), 'gantry-temporal-'));
  const binary = await findOrBuildTemporal();
  server = await startTemporalDevServer({ binary, dbFile: path.join(dir, 'temporal.db'), port: await freePort() });
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Temporal smoke path', () => {
  it('runs helloWorkflow through the real worker bootstrap', async () => {
    const taskQueue = `smoke-${process.pid}-${Date.now()}`;
    const workerConnection = await NativeConnection.connect({ address: server.address });
    const connection = await Connection.connect({ address: server.address });
    try {
      const worker = await createWorker({ connection: workerConnection, namespace: 'default', taskQueue });
      const client = new Client({ connection, namespace: 'default' });
      const result = await worker.runUntil(
        client.workflow.execute(helloWorkflow, { taskQueue, workflowId: `hello/${taskQueue}`, args: ['Gantry'] }),
      );
      expect(result).toBe('Hello, Gantry!');
    } finally {
      await connection.close();
      await workerConnection.close();
    }
  });
});

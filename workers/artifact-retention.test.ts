import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemArtifactStore } from '../core/artifacts/filesystem-artifact-store';
import { uploadArtifact } from '../core/artifacts/upload-artifact';
import { signUpUser } from '../testing/fixtures';
import { createExperiment } from '../core/tracking/create-experiment';
import { createRun } from '../core/tracking/create-run';
import { deleteRun } from '../core/tracking/set-run-lifecycle';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import { freePort } from '../scripts/lib/net';
import { findOrBuildTemporal, startTemporalDevServer, type TemporalDevServer } from '../scripts/lib/temporal-binary';
import { artifactRetentionWorkflow } from '../workflows';
import { ARTIFACT_RETENTION_SCHEDULE_ID, COST_WATCH_SCHEDULE_ID, ensureSchedules } from './schedules';
import { createWorker } from './worker';

let server: TemporalDevServer;
let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  dir = mkdtempSync(path.join(os.tmpdir(), 'gantry-retention-'));
  db = await createTestDatabase();
  server = await startTemporalDevServer({ binary: await findOrBuildTemporal(), port: await freePort() });
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('artifact retention on Temporal', () => {
  it('purges long-deleted runs’ artifacts through the real worker, and a second run changes nothing', async () => {
    const store = new FilesystemArtifactStore(path.join(dir, 'artifacts'));
    const A = await signUpUser('retention');
    const exp = (await createExperiment(A.ctx, { name: 'retention exp' })).id;
    const [oldRun, keptRun] = [(await createRun(A.ctx, { experimentId: exp })).id, (await createRun(A.ctx, { experimentId: exp })).id];
    for (const id of [oldRun, keptRun]) {
      await uploadArtifact(A.ctx, { runId: id, path: 'model/weights.bin', body: Readable.from([Buffer.alloc(64)]) }, { store });
    }
    await deleteRun(A.ctx, oldRun);
    await db.ownerSql`update runs set deleted_at = now() - interval '45 days' where id = ${oldRun}`;

    const taskQueue = `retention-${process.pid}-${Date.now()}`;
    const workerConnection = await NativeConnection.connect({ address: server.address });
    const connection = await Connection.connect({ address: server.address });
    try {
      const worker = await createWorker({ connection: workerConnection, namespace: 'default', taskQueue, deps: { artifactStore: store } });
      const client = new Client({ connection, namespace: 'default' });
      const [first, second] = await worker.runUntil(async () => {
        const r1 = await client.workflow.execute(artifactRetentionWorkflow, { taskQueue, workflowId: `artifact-retention/${taskQueue}/1`, args: [{ retentionDays: 30 }] });
        const r2 = await client.workflow.execute(artifactRetentionWorkflow, { taskQueue, workflowId: `artifact-retention/${taskQueue}/2`, args: [{ retentionDays: 30 }] });
        return [r1, r2];
      });
      expect(first).toEqual({ orgsScanned: 1, runsPurged: 1 });
      expect(second).toEqual({ orgsScanned: 1, runsPurged: 0 });
      expect(await store.list(`${A.orgId}/${oldRun}`)).toEqual([]);
      expect(await store.list(`${A.orgId}/${keptRun}/model`)).toEqual([{ name: 'weights.bin', isDir: false, size: 64 }]);

      // The worker process creates the daily schedule once; later starts leave it (and operator edits) alone.
      expect(await ensureSchedules(client, taskQueue)).toEqual({ created: [ARTIFACT_RETENTION_SCHEDULE_ID, COST_WATCH_SCHEDULE_ID] });
      expect(await ensureSchedules(client, taskQueue)).toEqual({ created: [] });
      const described = await client.schedule.getHandle(ARTIFACT_RETENTION_SCHEDULE_ID).describe();
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'artifactRetentionWorkflow', taskQueue });
      expect((await client.schedule.getHandle(COST_WATCH_SCHEDULE_ID).describe()).action).toMatchObject({ type: 'startWorkflow', workflowType: 'costWatchWorkflow', taskQueue });
    } finally {
      await connection.close();
      await workerConnection.close();
    }
  });
});

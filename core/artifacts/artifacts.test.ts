import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { resetEnvCache } from '../../config/env';
import { AppError } from '../errors';
import { signUpUser, type SignedUp } from '../../testing/fixtures';
import { createExperiment } from '../tracking/create-experiment';
import { createRun } from '../tracking/create-run';
import { deleteRun } from '../tracking/set-run-lifecycle';
import { deleteArtifacts } from './delete-artifacts';
import { downloadArtifact } from './download-artifact';
import { FilesystemArtifactStore } from './filesystem-artifact-store';
import { listArtifacts } from './list-artifacts';
import { createLoggedModel } from '../registry/create-logged-model';
import { createModelVersion } from '../registry/create-model-version';
import { createRegisteredModel } from '../registry/create-registered-model';
import { purgeDeletedRunArtifacts } from './purge-deleted-run-artifacts';
import { artifactStore } from './store-from-config';
import { uploadArtifact } from './upload-artifact';

/**
 * The artifact use cases on a real database, with the filesystem store the
 * configuration selects (`$GANTRY_HOME/artifacts`).
 */
let db: TestDatabase;
let home: string;
let A: SignedUp;
let B: SignedUp;
const a = { experiment: '', run: '', other: '' };
const b = { experiment: '', run: '' };

const body = (s: string | Buffer) => Readable.from([Buffer.from(s)]);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
}

async function readAll(s: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

beforeAll(async () => {
  db = await createTestDatabase();
  home = mkdtempSync(path.join(os.tmpdir(), 'gantry-artifacts-home-'));
  process.env.GANTRY_HOME = home;
  process.env.ARTIFACT_STORE = 'filesystem';
  resetEnvCache();
  A = await signUpUser('art-a');
  B = await signUpUser('art-b');
  a.experiment = (await createExperiment(A.ctx, { name: 'A exp' })).id;
  a.run = (await createRun(A.ctx, { experimentId: a.experiment })).id;
  a.other = (await createRun(A.ctx, { experimentId: a.experiment })).id;
  b.experiment = (await createExperiment(B.ctx, { name: 'B exp' })).id;
  b.run = (await createRun(B.ctx, { experimentId: b.experiment })).id;
  await uploadArtifact(A.ctx, { runId: a.run, path: 'model/MLmodel', body: body('flavors: {}\n'), contentType: 'text/yaml' });
  await uploadArtifact(A.ctx, { runId: a.run, path: 'metrics.json', body: body('{"acc":0.9}'), contentType: 'application/json' });
});

beforeEach(() => {
  delete process.env.ARTIFACT_MAX_BYTES;
  resetEnvCache();
});

afterAll(async () => {
  await db?.drop();
  if (home) rmSync(home, { recursive: true, force: true });
  delete process.env.GANTRY_HOME;
  delete process.env.ARTIFACT_STORE;
  resetEnvCache();
});

describe('artifact use cases', () => {
  it('stores under $GANTRY_HOME/artifacts, keyed by organization and run', async () => {
    expect(artifactStore().kind).toBe('filesystem');
    const direct = new FilesystemArtifactStore(path.join(home, 'artifacts'));
    expect(await direct.head(`${A.orgId}/${a.run}/metrics.json`)).toMatchObject({ size: 11, contentType: 'application/json' });
  });

  it('uploads, lists one level deep and downloads with the content type kept', async () => {
    expect(await listArtifacts(A.ctx, { runId: a.run })).toEqual([
      { path: 'metrics.json', isDir: false, size: 11 },
      { path: 'model', isDir: true, size: null },
    ]);
    expect(await listArtifacts(A.ctx, { runId: a.run, path: 'model', withContentTypes: true })).toEqual([
      { path: 'model/MLmodel', isDir: false, size: 12, contentType: 'text/yaml' },
    ]);
    const d = await downloadArtifact(A.ctx, { runId: a.run, path: 'model/MLmodel' });
    expect(d.info).toMatchObject({ size: 12, contentType: 'text/yaml' });
    expect(await readAll(d.body)).toBe('flavors: {}\n');
    expect(await codeOf(downloadArtifact(A.ctx, { runId: a.run, path: 'model' }))).toBe('NOT_FOUND');
    expect(await codeOf(downloadArtifact(A.ctx, { runId: a.run, path: 'nope.txt' }))).toBe('NOT_FOUND');
  });

  it('stores the type a file’s extension names when the client sent a generic label, as the mlflow client does for JSON', async () => {
    await uploadArtifact(A.ctx, { runId: a.run, path: 'labels/config.json', body: body('{"lr":0.1}'), contentType: 'text/plain' });
    await uploadArtifact(A.ctx, { runId: a.run, path: 'labels/scores.csv', body: body('a,b\n1,2\n'), contentType: '' });
    await uploadArtifact(A.ctx, { runId: a.run, path: 'labels/notes.txt', body: body('hello'), contentType: 'text/plain' });
    await uploadArtifact(A.ctx, { runId: a.run, path: 'labels/card.json', body: body('{}'), contentType: 'application/vnd.gantry+json' });
    expect(await listArtifacts(A.ctx, { runId: a.run, path: 'labels', withContentTypes: true })).toEqual([
      { path: 'labels/card.json', isDir: false, size: 2, contentType: 'application/vnd.gantry+json' },
      { path: 'labels/config.json', isDir: false, size: 10, contentType: 'application/json' },
      { path: 'labels/notes.txt', isDir: false, size: 5, contentType: 'text/plain' },
      { path: 'labels/scores.csv', isDir: false, size: 8, contentType: 'text/csv' },
    ]);
    await deleteArtifacts(A.ctx, { runId: a.run, path: 'labels' });
  });

  it('answers NOT_FOUND for another organization’s run in every use case, and leaves its files alone', async () => {
    expect(await codeOf(uploadArtifact(B.ctx, { runId: a.run, path: 'x.txt', body: body('x') }))).toBe('NOT_FOUND');
    expect(await codeOf(downloadArtifact(B.ctx, { runId: a.run, path: 'metrics.json' }))).toBe('NOT_FOUND');
    expect(await codeOf(listArtifacts(B.ctx, { runId: a.run }))).toBe('NOT_FOUND');
    expect(await codeOf(deleteArtifacts(B.ctx, { runId: a.run }))).toBe('NOT_FOUND');
    expect(await codeOf(listArtifacts(A.ctx, { runId: 'run_DOESNOTEXIST' }))).toBe('NOT_FOUND');
    // The run exists, but not in that experiment.
    expect(await codeOf(listArtifacts(A.ctx, { runId: a.run, experimentId: b.experiment }))).toBe('NOT_FOUND');
    expect((await listArtifacts(A.ctx, { runId: a.run })).map((e) => e.path)).toEqual(['metrics.json', 'model']);
  });

  it('refuses traversal before touching the store', async () => {
    for (const p of ['../x', `../${a.other}/x`, '%2e%2e/x', '/abs', 'a\\b', 'a\u0000b']) {
      expect(await codeOf(uploadArtifact(A.ctx, { runId: a.run, path: p, body: body('x') }))).toBe('BAD_USER_INPUT');
      expect(await codeOf(downloadArtifact(A.ctx, { runId: a.run, path: p }))).toBe('BAD_USER_INPUT');
      expect(await codeOf(listArtifacts(A.ctx, { runId: a.run, path: p }))).toBe('BAD_USER_INPUT');
      expect(await codeOf(deleteArtifacts(A.ctx, { runId: a.run, path: p }))).toBe('BAD_USER_INPUT');
    }
    expect(await listArtifacts(A.ctx, { runId: a.other })).toEqual([]);
  });

  it('enforces ARTIFACT_MAX_BYTES, by declared length and by counting', async () => {
    process.env.ARTIFACT_MAX_BYTES = '100';
    resetEnvCache();
    expect(await codeOf(uploadArtifact(A.ctx, { runId: a.other, path: 'big.bin', body: body(Buffer.alloc(101)), contentLength: 101 }))).toBe('BAD_USER_INPUT');
    expect(await codeOf(uploadArtifact(A.ctx, { runId: a.other, path: 'big.bin', body: body(Buffer.alloc(101)) }))).toBe('BAD_USER_INPUT');
    expect(await listArtifacts(A.ctx, { runId: a.other })).toEqual([]);
    expect(await codeOf(uploadArtifact(A.ctx, { runId: a.other, path: 'ok.bin', body: body(Buffer.alloc(100)) }))).toBe('OK');
    await deleteArtifacts(A.ctx, { runId: a.other });
  });

  it('needs run:write to upload or delete, and refuses uploads to deleted runs', async () => {
    const viewer = { ...A.ctx, permissions: new Set(['run:read' as const]) };
    expect(await codeOf(uploadArtifact(viewer, { runId: a.run, path: 'v.txt', body: body('v') }))).toBe('FORBIDDEN');
    expect(await codeOf(deleteArtifacts(viewer, { runId: a.run, path: 'metrics.json' }))).toBe('FORBIDDEN');
    expect(await codeOf(listArtifacts(viewer, { runId: a.run }))).toBe('OK');
    const doomed = (await createRun(A.ctx, { experimentId: a.experiment })).id;
    await deleteRun(A.ctx, doomed);
    expect(await codeOf(uploadArtifact(A.ctx, { runId: doomed, path: 'late.txt', body: body('late') }))).toBe('BAD_USER_INPUT');
  });

  it('deletes a file or a directory and records who did it', async () => {
    await uploadArtifact(A.ctx, { runId: a.other, path: 'd/one.txt', body: body('1') });
    await uploadArtifact(A.ctx, { runId: a.other, path: 'd/two.txt', body: body('2') });
    await uploadArtifact(A.ctx, { runId: a.other, path: 'keep.txt', body: body('k') });
    await deleteArtifacts(A.ctx, { runId: a.other, path: 'd/one.txt' });
    expect((await listArtifacts(A.ctx, { runId: a.other, path: 'd' })).map((e) => e.path)).toEqual(['d/two.txt']);
    await deleteArtifacts(A.ctx, { runId: a.other, path: 'd' });
    expect((await listArtifacts(A.ctx, { runId: a.other })).map((e) => e.path)).toEqual(['keep.txt']);
    const events = await db.ownerSql`select data from audit_events where org_id = ${A.orgId} and action = 'artifact.delete' and target_id = ${a.other} order by seq`;
    expect(events.map((e) => (e.data as { path: string }).path).slice(-2)).toEqual(['d/one.txt', 'd']);
    await deleteArtifacts(A.ctx, { runId: a.other });
  });
});

describe('logged models outside runs', () => {
  it('keep their files under the model, readable only in their organization', async () => {
    const model = await createLoggedModel(A.ctx, { experimentId: a.experiment, name: 'standalone' });
    await uploadArtifact(A.ctx, { runId: model.id, experimentId: a.experiment, path: 'MLmodel', body: body('flavors: {}\n') });
    const listed = await listArtifacts(A.ctx, { runId: model.id, experimentId: a.experiment });
    expect(listed.map((f) => f.path)).toEqual(['MLmodel']);
    expect(await readAll((await downloadArtifact(A.ctx, { runId: model.id, path: 'MLmodel' })).body)).toBe('flavors: {}\n');
    expect(await codeOf(downloadArtifact(B.ctx, { runId: model.id, path: 'MLmodel' }))).toBe('NOT_FOUND');
    expect(await codeOf(listArtifacts(A.ctx, { runId: model.id, experimentId: b.experiment }))).toBe('NOT_FOUND');
  });
});

describe('retention purge', () => {
  it('removes artifacts of runs deleted longer ago than the retention period, and nothing else, idempotently', async () => {
    const mk = async (who: SignedUp, exp: string, label: string) => {
      const id = (await createRun(who.ctx, { experimentId: exp, runName: label })).id;
      await uploadArtifact(who.ctx, { runId: id, path: `${label}/file.txt`, body: body(label) });
      return id;
    };
    const oldA = await mk(A, a.experiment, 'old');
    const recentA = await mk(A, a.experiment, 'recent');
    const activeA = await mk(A, a.experiment, 'active');
    const oldB = await mk(B, b.experiment, 'oldb');
    const restoredB = await mk(B, b.experiment, 'restored');
    // Deleted long ago, but a registered version still points at its files.
    const registeredA = await mk(A, a.experiment, 'registered');
    await createRegisteredModel(A.ctx, { name: 'kept-by-registry' });
    await createModelVersion(A.ctx, { model: { name: 'kept-by-registry' }, source: `runs:/${registeredA}/registered`, runId: registeredA });
    for (const [who, id] of [[A, oldA], [A, recentA], [B, oldB], [A, registeredA]] as const) await deleteRun(who.ctx, id);
    // Test setup: age the deletions behind the app's back, as time would.
    await db.ownerSql`update runs set deleted_at = now() - interval '31 days' where id in ${db.ownerSql([oldA, oldB, registeredA])}`;
    await db.ownerSql`update runs set deleted_at = now() - interval '29 days' where id = ${recentA}`;
    // Deleted long ago but restored since: lifecycle is active again, so it keeps its files.
    await db.ownerSql`update runs set deleted_at = now() - interval '90 days' where id = ${restoredB}`;

    const first = await purgeDeletedRunArtifacts({ retentionDays: 30 });
    expect(first.purged.sort()).toEqual([`${A.orgId}/${oldA}`, `${B.orgId}/${oldB}`].sort());
    expect(first.orgsScanned).toBeGreaterThanOrEqual(2);

    const store = artifactStore();
    expect(await store.list(`${A.orgId}/${oldA}`)).toEqual([]);
    expect(await store.list(`${B.orgId}/${oldB}`)).toEqual([]);
    for (const [org, id] of [[A.orgId, recentA], [A.orgId, activeA], [B.orgId, restoredB], [A.orgId, a.run], [A.orgId, registeredA]] as const) {
      expect((await store.list(`${org}/${id}`)).length, id).toBeGreaterThan(0);
    }

    const second = await purgeDeletedRunArtifacts({ retentionDays: 30 });
    expect(second.purged).toEqual([]);
    // A shorter retention now reaches the run deleted 29 days ago.
    expect((await purgeDeletedRunArtifacts({ retentionDays: 7 })).purged).toEqual([`${A.orgId}/${recentA}`]);
  });
});

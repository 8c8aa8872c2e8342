import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { NextRequest } from 'next/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as mlflowRoute from './artifacts/[[...path]]/route';
import * as browserRoute from '../../artifacts/[runId]/[...path]/route';
import { createTestDatabase, type TestDatabase } from '@/db/test/database';
import { createApiKey } from '@/core/auth/create-api-key';
import { resetEnvCache } from '@/config/env';
import { signUpUser, type SignedUp } from '@/testing/fixtures';
import { createExperiment } from '@/core/tracking/create-experiment';
import { createRun } from '@/core/tracking/create-run';
import { downloadArtifact } from '@/core/artifacts/download-artifact';
import { listArtifacts } from '@/core/artifacts/list-artifacts';
import { uploadArtifact } from '@/core/artifacts/upload-artifact';

/**
 * The MLflow artifacts REST route and the browser download route, called as Next
 * calls them, on a real database and the filesystem store under `$GANTRY_HOME/artifacts`.
 */
let db: TestDatabase;
let home: string;
let A: SignedUp;
let B: SignedUp;
const keys = { aWrite: '', aRead: '', bWrite: '' };
const a = { experiment: '', run: '', other: '' };
const b = { experiment: '', run: '' };

const body = (s: string | Buffer) => Readable.from([Buffer.from(s)]);

async function readAll(s: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

const MLFLOW = 'http://localhost/api/2.0/mlflow-artifacts/artifacts';

function request(url: string, init: { method?: string; key?: string; body?: string | Buffer; headers?: Record<string, string> } = {}) {
  const headers = new Headers(init.headers);
  if (init.key) headers.set('authorization', `Bearer ${init.key}`);
  headers.set('x-gantry-client-ip', '127.0.0.1');
  return new NextRequest(url, { method: init.method ?? 'GET', headers, body: init.body, duplex: 'half' } as ConstructorParameters<typeof NextRequest>[1]);
}

/** Calls the MLflow artifacts route as Next does: `path` is the decoded catch-all segments. */
async function mlflow(method: 'GET' | 'PUT' | 'DELETE', segments: string[], init: { key?: string; body?: string | Buffer; query?: string; headers?: Record<string, string> } = {}) {
  const url = `${MLFLOW}${segments.length ? `/${segments.map(encodeURIComponent).join('/')}` : ''}${init.query ? `?${init.query}` : ''}`;
  const res = await mlflowRoute[method](request(url, { method, key: init.key, body: init.body, headers: init.headers }), { params: Promise.resolve({ path: segments.length ? segments : undefined }) });
  return res;
}

const runPath = (exp: string, run: string, ...rest: string[]) => [exp, run, 'artifacts', ...rest];

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
  keys.aWrite = (await createApiKey(A.ctx, { name: 'a write', scopes: ['write'] })).secret;
  keys.aRead = (await createApiKey(A.ctx, { name: 'a read', scopes: ['read'] })).secret;
  keys.bWrite = (await createApiKey(B.ctx, { name: 'b write', scopes: ['write'] })).secret;
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

describe('MLflow artifacts REST', () => {
  it('uploads with PUT, keeps the content type, lists and downloads', async () => {
    const put = await mlflow('PUT', runPath(a.experiment, a.run, 'plots', 'loss.png'), { key: keys.aWrite, body: Buffer.from([0x89, 0x50, 0x4e, 0x47]), headers: { 'content-type': 'image/png' } });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({});

    const list = await mlflow('GET', [], { key: keys.aRead, query: `path=${encodeURIComponent(`${a.experiment}/${a.run}/artifacts`)}` });
    expect(await list.json()).toEqual({
      files: [
        { path: 'metrics.json', is_dir: false, file_size: 11 },
        { path: 'model', is_dir: true },
        { path: 'plots', is_dir: true },
      ],
    });
    const sub = await mlflow('GET', [], { key: keys.aRead, query: `path=${encodeURIComponent(`${a.experiment}/${a.run}/artifacts/plots`)}` });
    expect(await sub.json()).toEqual({ files: [{ path: 'loss.png', is_dir: false, file_size: 4 }] });

    const get = await mlflow('GET', runPath(a.experiment, a.run, 'plots', 'loss.png'), { key: keys.aRead });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('image/png');
    expect(get.headers.get('content-length')).toBe('4');
    expect(get.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await get.arrayBuffer())).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const again = await mlflow('GET', runPath(a.experiment, a.run, 'plots', 'loss.png'), { key: keys.aRead, headers: { 'if-none-match': get.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('deletes with DELETE', async () => {
    await mlflow('PUT', runPath(a.experiment, a.other, 'tmp', 'x.txt'), { key: keys.aWrite, body: 'x' });
    const del = await mlflow('DELETE', runPath(a.experiment, a.other, 'tmp'), { key: keys.aWrite });
    expect(del.status).toBe(200);
    expect(await listArtifacts(A.ctx, { runId: a.other })).toEqual([]);
  });

  it('answers in MLflow’s error shape: 401, 403, 404, 400', async () => {
    // A request without any credentials goes to next-auth's session lookup, which needs a live Next request; the e2e suite covers it.
    const unauth = await mlflow('GET', runPath(a.experiment, a.run, 'metrics.json'), { key: 'gty_not_a_real_key' });
    expect(unauth.status).toBe(401);
    expect(await unauth.json()).toMatchObject({ error_code: 'UNAUTHENTICATED' });

    const denied = await mlflow('PUT', runPath(a.experiment, a.run, 'x.txt'), { key: keys.aRead, body: 'x' });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error_code: 'PERMISSION_DENIED' });

    const missing = await mlflow('GET', runPath(a.experiment, a.run, 'missing.txt'), { key: keys.aRead });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });

    const notRun = await mlflow('GET', [], { key: keys.aRead, query: 'path=' });
    expect(notRun.status).toBe(404);
  });

  it('refuses path traversal, including URL-encoded dots, with INVALID_PARAMETER_VALUE', async () => {
    const attempts: string[][] = [
      runPath(a.experiment, a.run, '..', '..', a.other, 'artifacts', 'x'),
      runPath(a.experiment, a.run, '%2e%2e', 'x'),
      runPath(a.experiment, a.run, '%252e%252e', 'x'),
      runPath(a.experiment, a.run, '..%2fx'),
      [a.experiment, '..', b.run, 'artifacts', 'x'],
      runPath(a.experiment, a.run, 'a\\..\\b'),
    ];
    for (const segments of attempts) {
      for (const method of ['PUT', 'GET', 'DELETE'] as const) {
        const res = await mlflow(method, segments, { key: keys.aWrite, body: method === 'PUT' ? 'x' : undefined });
        expect(res.status, `${method} ${segments.join('/')}`).toBe(400);
        expect(await res.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
      }
    }
    const list = await mlflow('GET', [], { key: keys.aRead, query: `path=${encodeURIComponent(`${a.experiment}/${a.run}/artifacts/%2e%2e/%2e%2e`)}` });
    expect(list.status).toBe(400);
    expect(await listArtifacts(A.ctx, { runId: a.other })).toEqual([]);
  });

  it('answers RESOURCE_DOES_NOT_EXIST for another organization’s run on every method', async () => {
    const target = runPath(a.experiment, a.run, 'metrics.json');
    for (const method of ['PUT', 'GET', 'DELETE'] as const) {
      const res = await mlflow(method, target, { key: keys.bWrite, body: method === 'PUT' ? 'overwrite' : undefined });
      expect(res.status, method).toBe(404);
      expect(await res.json()).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
    }
    const list = await mlflow('GET', [], { key: keys.bWrite, query: `path=${encodeURIComponent(`${a.experiment}/${a.run}/artifacts`)}` });
    expect(list.status).toBe(404);
    // B's own experiment ID with A's run ID is no way in either.
    const mixed = await mlflow('GET', runPath(b.experiment, a.run, 'metrics.json'), { key: keys.bWrite });
    expect(mixed.status).toBe(404);
    expect(await readAll((await downloadArtifact(A.ctx, { runId: a.run, path: 'metrics.json' })).body)).toBe('{"acc":0.9}');
  });

  it('stops an oversized upload with INVALID_PARAMETER_VALUE and stores nothing', async () => {
    process.env.ARTIFACT_MAX_BYTES = '1024';
    resetEnvCache();
    const res = await mlflow('PUT', runPath(a.experiment, a.other, 'huge.bin'), { key: keys.aWrite, body: Buffer.alloc(4096) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/larger than the limit of 1024 bytes/) });
    expect(await listArtifacts(A.ctx, { runId: a.other })).toEqual([]);
  });
});

describe('browser download route', () => {
  const get = (runId: string, segments: string[], key?: string, query = '') =>
    browserRoute.GET(request(`http://localhost/api/artifacts/${runId}/${segments.map(encodeURIComponent).join('/')}${query}`, { key }), {
      params: Promise.resolve({ runId, path: segments }),
    });

  it('serves a file to an API key of the run’s organization, inline when it is safe to preview', async () => {
    const res = await get(a.run, ['metrics.json'], keys.aRead);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('content-disposition')).toMatch(/^inline; filename="metrics.json"/);
    expect(await res.text()).toBe('{"acc":0.9}');
  });

  it('serves HTML as a download, so an artifact never runs script on this origin', async () => {
    await uploadArtifact(A.ctx, { runId: a.run, path: 'report.html', body: body('<script>alert(1)</script>'), contentType: 'text/html' });
    const res = await get(a.run, ['report.html'], keys.aRead);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
  });

  it('answers 404 to another organization, 401 for a bad key, 400 for traversal', async () => {
    const other = await get(a.run, ['metrics.json'], keys.bWrite);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await get(a.run, ['metrics.json'], keys.bWrite, `?org=${A.orgId}`)).status).toBe(404);
    expect((await get(a.run, ['metrics.json'], `${keys.aRead.slice(0, -3)}xyz`)).status).toBe(401);
    expect((await get(a.run, ['..', a.other, 'x'], keys.aRead)).status).toBe(400);
    expect((await get(a.run, ['%2e%2e', 'x'], keys.aRead)).status).toBe(400);
  });
});


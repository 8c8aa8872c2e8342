import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CreateBucketCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/net';
import { findOrBuildMinio, startMinio, type MinioServer } from '../../scripts/lib/minio-binary';
import { AppError } from '../errors';
import { DEFAULT_CONTENT_TYPE, type ArtifactStore } from './artifact-store';
import { FilesystemArtifactStore } from './filesystem-artifact-store';
import { S3ArtifactStore } from './s3-artifact-store';

const MiB = 1024 * 1024;

/**
 * Buffer memory still reachable: a full collection first, so buffers already dropped (which V8
 * frees when it next collects, at a moment of its choosing) are not counted as held.
 */
function liveArrayBuffers(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().arrayBuffers;
}

/** `size` bytes generated on demand in 256 KiB chunks: the test itself never holds the whole body. */
function generated(size: number, seed = 7): Readable {
  let sent = 0;
  let n = seed;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const len = Math.min(256 * 1024, size - sent);
      const chunk = Buffer.allocUnsafe(len);
      for (let i = 0; i < len; i += 4) {
        n = (Math.imul(n, 1103515245) + 12345) >>> 0;
        chunk.writeUInt32LE(n, i);
      }
      sent += len;
      this.push(chunk);
    },
  });
}

async function sha256(stream: Readable): Promise<{ hash: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const c of stream) {
    h.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { hash: h.digest('hex'), size };
}

async function text(store: ArtifactStore, key: string): Promise<string | null> {
  const r = await store.get(key);
  if (!r) return null;
  const parts: Buffer[] = [];
  for await (const c of r.body) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

const put = (store: ArtifactStore, key: string, body: string | Buffer, contentType = 'text/plain', maxBytes = 100 * MiB) =>
  store.put(key, Readable.from([Buffer.from(body)]), { contentType, maxBytes });

async function rejectsWith(p: Promise<unknown>, code: string): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  return e as AppError;
}

interface Harness {
  store: ArtifactStore;
  /** True when no half-written upload is left anywhere in the backend. */
  noLeftovers(): Promise<boolean>;
}

/** The behaviour every ArtifactStore must have; each implementation runs the same cases. */
function storeContract(name: string, setup: () => Promise<Harness>) {
  describe(`${name} artifact store`, () => {
    let h: Harness;
    let store: ArtifactStore;
    beforeAll(async () => {
      h = await setup();
      store = h.store;
    });

    it('puts and gets a file with its content type, size and ETag', async () => {
      const info = await put(store, 'org_A/run_1/hello.json', '{"a":1}', 'application/json');
      expect(info).toMatchObject({ size: 7, contentType: 'application/json' });
      expect(info.etag).toMatch(/^".+"$/);
      const got = await store.get('org_A/run_1/hello.json');
      expect(got?.info).toMatchObject({ size: 7, contentType: 'application/json', etag: info.etag });
      expect(got?.info.lastModified).toBeInstanceOf(Date);
      got?.body.destroy();
      expect(await text(store, 'org_A/run_1/hello.json')).toBe('{"a":1}');
      expect(await store.head('org_A/run_1/hello.json')).toMatchObject({ size: 7, contentType: 'application/json' });
    });

    it('reads a byte range, reporting the whole size', async () => {
      const body = 'abcdefghijklmnopqrstuvwxyz';
      await put(store, 'org_A/run_r/letters.txt', body);
      const range = async (offset: number, length: number) => {
        const got = await store.get('org_A/run_r/letters.txt', { range: { offset, length } });
        expect(got?.info.size).toBe(26);
        return Buffer.concat((await got!.body.toArray()) as Buffer[]).toString('utf8');
      };
      expect(await range(0, 5)).toBe('abcde');
      expect(await range(10, 3)).toBe('klm');
      expect(await range(20, 100)).toBe('uvwxyz');
      expect(await range(25, 1)).toBe('z');
      expect(await range(26, 10)).toBe('');
      expect(await range(1000, 10)).toBe('');
      expect(await range(3, 0)).toBe('');
      expect(await store.get('org_A/run_r/missing.txt', { range: { offset: 0, length: 5 } })).toBeNull();
      expect(await store.get('org_A/run_r/missing.txt', { range: { offset: 50, length: 5 } })).toBeNull();
    });

    it('answers null for a missing object and for a directory', async () => {
      await put(store, 'org_A/run_2/dir/file.txt', 'x');
      expect(await store.get('org_A/run_2/nothing.txt')).toBeNull();
      expect(await store.get('org_A/run_2/dir')).toBeNull();
      expect(await store.head('org_A/run_2/nothing.txt')).toBeNull();
    });

    it('keeps a bad content type out and falls back to octet-stream', async () => {
      const info = await put(store, 'org_A/run_2/odd.bin', 'x', 'not a type\r\nx-injected: 1');
      expect(info.contentType).toBe(DEFAULT_CONTENT_TYPE);
    });

    it('lists one level deep: files with sizes, directories without, sorted', async () => {
      await put(store, 'org_A/run_3/b.txt', 'bbb');
      await put(store, 'org_A/run_3/a.txt', 'a');
      await put(store, 'org_A/run_3/model/MLmodel', 'flavors: {}');
      await put(store, 'org_A/run_3/model/data/weights.bin', Buffer.alloc(1000));
      expect(await store.list('org_A/run_3')).toEqual([
        { name: 'a.txt', isDir: false, size: 1 },
        { name: 'b.txt', isDir: false, size: 3 },
        { name: 'model', isDir: true, size: null },
      ]);
      expect(await store.list('org_A/run_3/model')).toEqual([
        { name: 'MLmodel', isDir: false, size: 11 },
        { name: 'data', isDir: true, size: null },
      ]);
      expect(await store.list('org_A/run_3/a.txt')).toEqual([]);
      expect(await store.list('org_A/run_3/missing')).toEqual([]);
      expect((await store.list('')).map((e) => e.name)).toContain('org_A');
    });

    it('replaces an object on a second put', async () => {
      await put(store, 'org_A/run_4/x', 'first', 'text/plain');
      await put(store, 'org_A/run_4/x', 'second version', 'text/csv');
      expect(await text(store, 'org_A/run_4/x')).toBe('second version');
      expect((await store.head('org_A/run_4/x'))?.contentType).toBe('text/csv');
    });

    it('deletes a file, a directory and exact prefixes only, leaving no empty directories', async () => {
      await put(store, 'org_A/run_5/dir/one', '1');
      await put(store, 'org_A/run_5/dir/sub/two', '2');
      await put(store, 'org_A/run_5/dirt', 'not in dir');
      await put(store, 'org_A/run_5/keep', 'k');
      await store.deletePrefix('org_A/run_5/di');
      expect((await store.list('org_A/run_5')).map((e) => e.name)).toEqual(['dir', 'dirt', 'keep']);
      await store.deletePrefix('org_A/run_5/dir/sub/two');
      expect(await store.list('org_A/run_5/dir')).toEqual([{ name: 'one', isDir: false, size: 1 }]);
      await store.deletePrefix('org_A/run_5/dir');
      expect((await store.list('org_A/run_5')).map((e) => e.name)).toEqual(['dirt', 'keep']);
      await store.deletePrefix('org_A/run_5');
      expect(await store.list('org_A/run_5')).toEqual([]);
      expect((await store.list('org_A')).map((e) => e.name)).not.toContain('run_5');
      await store.deletePrefix('org_A/run_5');
    });

    it('streams a 256 MiB file in and out without holding it in memory', async () => {
      const size = 256 * MiB;
      const expected = await sha256(generated(size));
      const base = liveArrayBuffers();
      let peak = base;
      const sampler = setInterval(() => (peak = Math.max(peak, liveArrayBuffers())), 50);
      try {
        const info = await store.put('org_A/run_6/big.bin', generated(size), { contentType: 'application/octet-stream', maxBytes: size });
        expect(info.size).toBe(size);
        const got = await store.get('org_A/run_6/big.bin');
        expect(got?.info.size).toBe(size);
        expect(await sha256(got!.body)).toEqual(expected);
      } finally {
        clearInterval(sampler);
      }
      // Buffering the whole body would hold 256 MiB at once; streaming holds a few parts (S3 measured about 60 MiB: 4 × 8 MiB parts plus the SDK's copies).
      expect(peak - base).toBeLessThan(128 * MiB);
    }, 180_000);

    it('refuses an upload over the size limit and leaves nothing behind, not even over an existing object', async () => {
      await put(store, 'org_A/run_7/limited.bin', 'the old one');
      const e = await rejectsWith(
        store.put('org_A/run_7/limited.bin', generated(40 * MiB), { contentType: 'application/octet-stream', maxBytes: 20 * MiB }),
        'BAD_USER_INPUT',
      );
      expect(e.message).toMatch(/larger than the limit of 20971520 bytes/);
      expect(await text(store, 'org_A/run_7/limited.bin')).toBe('the old one');
      await rejectsWith(store.put('org_A/run_7/new.bin', generated(2 * MiB), { contentType: 'text/plain', maxBytes: MiB }), 'BAD_USER_INPUT');
      expect(await store.head('org_A/run_7/new.bin')).toBeNull();
      expect((await store.list('org_A/run_7')).map((x) => x.name)).toEqual(['limited.bin']);
      expect(await h.noLeftovers()).toBe(true);
    });

    it('ends concurrent writes of one key with exactly one complete object', async () => {
      const size = 3 * MiB;
      const writers = Array.from({ length: 6 }, (_, i) => i);
      await Promise.all(
        writers.map((i) => store.put('org_A/run_8/same.bin', Readable.from([Buffer.alloc(size, 65 + i)]), { contentType: `application/x-writer-${i}`, maxBytes: size })),
      );
      const got = await store.get('org_A/run_8/same.bin');
      const parts: Buffer[] = [];
      for await (const c of got!.body) parts.push(c as Buffer);
      const bytes = Buffer.concat(parts);
      expect(bytes.length).toBe(size);
      const first = bytes[0]!;
      expect(bytes.every((b) => b === first)).toBe(true);
      // The metadata describes that same writer's object (or, for a racing sidecar, says nothing rather than something wrong).
      expect([`application/x-writer-${first - 65}`, DEFAULT_CONTENT_TYPE]).toContain(got!.info.contentType);
      expect(await store.list('org_A/run_8')).toEqual([{ name: 'same.bin', isDir: false, size }]);
      expect(await h.noLeftovers()).toBe(true);
    });

    it('refuses keys that are not normalized relative paths', async () => {
      for (const key of ['../escape', 'org_A/../../etc/passwd', '/etc/passwd', 'org_A/run_9/a\\b', 'org_A/run_9/%2e%2e/x', 'org_A//x', 'org_A/run_9/\u0000']) {
        await rejectsWith(put(store, key, 'x'), 'BAD_USER_INPUT');
        await rejectsWith(store.get(key), 'BAD_USER_INPUT');
        await rejectsWith(store.list(key), 'BAD_USER_INPUT');
        await rejectsWith(store.deletePrefix(key), 'BAD_USER_INPUT');
      }
    });
  });
}

let tmpRoot: string;
let minio: MinioServer | undefined;

beforeAll(() => {
  tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'gantry-artifacts-'));
});
afterAll(async () => {
  await minio?.stop();
  if (tmpRoot) rmSync(tmpRoot, { recursive: true, force: true });
});

storeContract('filesystem', async () => {
  const root = path.join(tmpRoot, 'fs');
  return { store: new FilesystemArtifactStore(root), noLeftovers: async () => readdirSync(path.join(root, 'tmp')).length === 0 };
});

storeContract('S3 (MinIO)', async () => {
  const found = await findOrBuildMinio();
  if (found.binary === null) throw new Error(`The S3 artifact store is tested against MinIO, which is not available: ${found.reason}`);
  minio = await startMinio({ binary: found.binary, dataDir: path.join(tmpRoot, 'minio'), port: await freePort(), consolePort: await freePort() });
  const config = { region: 'us-east-1', endpoint: minio.endpoint, accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey, forcePathStyle: true };
  const client = new S3Client({ region: config.region, endpoint: config.endpoint, forcePathStyle: true, credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } });
  await client.send(new CreateBucketCommand({ Bucket: 'gantry-artifacts' }));
  return {
    store: new S3ArtifactStore({ ...config, bucket: 'gantry-artifacts' }),
    noLeftovers: async () => ((await client.send(new ListMultipartUploadsCommand({ Bucket: 'gantry-artifacts' }))).Uploads ?? []).length === 0,
  };
});

describe('filesystem artifact store and symlinks', () => {
  it('never follows a symlink out of its root', async () => {
    const root = path.join(tmpRoot, 'links');
    const outside = path.join(tmpRoot, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(path.join(outside, 'secret.txt'), 'top secret');
    const store = new FilesystemArtifactStore(root);
    await put(store, 'org_L/run_1/real.txt', 'real');
    // Planted links: a directory link leading out, and a file link leading out.
    symlinkSync(outside, path.join(root, 'objects', 'org_L', 'run_evil'));
    symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'objects', 'org_L', 'run_1', 'link.txt'));

    await rejectsWith(store.get('org_L/run_evil/secret.txt'), 'BAD_USER_INPUT');
    await rejectsWith(put(store, 'org_L/run_evil/planted.txt', 'x'), 'BAD_USER_INPUT');
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    expect(await store.get('org_L/run_1/link.txt')).toBeNull();
    expect(await store.list('org_L/run_1')).toEqual([{ name: 'real.txt', isDir: false, size: 4 }]);
    expect(await store.list('org_L/run_evil')).toEqual([]);
    await store.deletePrefix('org_L/run_evil');
    await store.deletePrefix('org_L/run_1/link.txt');
    expect(readdirSync(outside)).toEqual(['secret.txt']);
  });
});

import https from 'node:https';
import { ApiException, type V1Secret } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../../../config/env';
import { DEFAULT_USERS, FAKE_NAMESPACE, startKubernetesFake, type FakeRequest, type KubernetesFake } from '../../../testing/kubernetes-fake';
import { kubernetesJobSpec, rejection } from '../../../testing/backend-jobs';
import { newId } from '../../ids';
import { sanitizeKubeconfig } from '../kubeconfig';
import { BlockedAddressError } from '../network-policy';
import { KubernetesBackend } from './backend';
import { parseQuantity } from './capacity';
import { kubernetesClients, type KubernetesClients } from './client';
import { LOG_CHUNK_BYTES, parseLogTimestamp } from './log-cursor';
import { labelValue } from './manifests';

let fake: KubernetesFake;

const spec = kubernetesJobSpec;

const backend = (kubeconfig = fake.kubeconfig(), opts: { gpuTypeLabel?: string } = {}) =>
  new KubernetesBackend(sanitizeKubeconfig(kubeconfig), { namespace: FAKE_NAMESPACE, ...opts });

/** Direct API access as the cluster's admin, for what tests do behind the backend's back. */
const admin = (): KubernetesClients => kubernetesClients(sanitizeKubeconfig(fake.kubeconfig()), { namespace: FAKE_NAMESPACE });

type Stored = { metadata: { uid: string; labels: Record<string, string>; ownerReferences?: Record<string, unknown>[] }; [k: string]: unknown };
const storedSecret = (name: string) => fake.secret(FAKE_NAMESPACE, name) as (Stored & { type: string; data?: Record<string, string> }) | null;
const storedJob = (name: string) => fake.job(FAKE_NAMESPACE, name) as (Stored & { spec: { template: { spec: { containers: { env: Record<string, unknown>[] }[] } } } }) | null;
const decoded = (data: Record<string, string> | undefined) => Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

/** The Status body of a failed API call. */
async function apiFailure(p: Promise<unknown>): Promise<{ code: number; reason: string; message: string }> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ApiException);
  const body = (e as ApiException<unknown>).body;
  const status = (typeof body === 'string' ? JSON.parse(body) : body) as { code: number; reason: string; message: string; kind: string };
  expect(status.kind).toBe('Status');
  return { code: status.code, reason: status.reason, message: status.message };
}

beforeAll(async () => {
  // The fake listens on 127.0.0.1: allowed only through the operator setting.
  process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES = 'true';
  resetEnvCache();
  fake = await startKubernetesFake({ clock: 'manual', users: DEFAULT_USERS });
});

afterAll(async () => {
  await fake?.stop();
  delete process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES;
  resetEnvCache();
});

/**
 * What a real control plane cannot give on demand, against testing/kubernetes-fake.ts: a kubelet's
 * part (a container's environment resolved from its Secret, CreateContainerConfigError, and above
 * all container logs, byte for byte, as they grow, with timestamps and `sinceTime`), on a clock the
 * test moves. KWOK, which plays the kubelets of the real control plane's nodes, runs no containers
 * and serves no logs. Everything else the backend does is tested against the real API server,
 * scheduler and controllers in ./backend.cluster.test.ts.
 */
describe('KubernetesBackend against the fake API server', () => {
  it('keeps credentials out of the Job: env names a Secret owned by the Job, which the pod reads when it starts', async () => {
    const k = backend();
    const key = `gty_${newId('apiKey')}`;
    const s = spec({ secretEnv: { GANTRY_API_KEY: key, MLFLOW_TRACKING_TOKEN: key } });
    const before = fake.requests.length;
    expect(await k.submit(s)).toEqual({ created: true });
    const writes = fake.requests.slice(before).filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path.replace(`/${s.name}`, '/<name>')} ${r.status}`)).toEqual([
      `POST /api/v1/namespaces/${FAKE_NAMESPACE}/secrets 201`,
      `POST /apis/batch/v1/namespaces/${FAKE_NAMESPACE}/jobs 201`,
      `PUT /api/v1/namespaces/${FAKE_NAMESPACE}/secrets/<name> 200`,
    ]);

    const job = storedJob(s.name)!;
    expect(JSON.stringify(job)).not.toContain(key);
    expect(JSON.stringify(job)).not.toContain(Buffer.from(key).toString('base64'));
    expect(job.spec.template.spec.containers[0]!.env).toEqual([
      { name: 'GANTRY_RUN_ID', value: 'run_x' },
      { name: 'MLFLOW_TRACKING_URI', value: 'https://gantry.example.com/api/mlflow' },
      { name: 'GANTRY_API_KEY', valueFrom: { secretKeyRef: { name: s.name, key: 'GANTRY_API_KEY' } } },
      { name: 'MLFLOW_TRACKING_TOKEN', valueFrom: { secretKeyRef: { name: s.name, key: 'MLFLOW_TRACKING_TOKEN' } } },
    ]);

    const secret = storedSecret(s.name)!;
    expect(secret.type).toBe('Opaque');
    expect(secret).not.toHaveProperty('stringData');
    expect(decoded(secret.data)).toEqual({ GANTRY_API_KEY: key, MLFLOW_TRACKING_TOKEN: key });
    expect(secret.metadata.labels).toEqual(job.metadata.labels);
    expect(secret.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: s.name, uid: job.metadata.uid, controller: false, blockOwnerDeletion: false }]);

    fake.advance(500);
    expect(await k.status(s.name)).toMatchObject({ phase: 'running' });
    expect(fake.podEnv(FAKE_NAMESPACE, s.name)).toEqual({
      GANTRY_RUN_ID: 'run_x',
      MLFLOW_TRACKING_URI: 'https://gantry.example.com/api/mlflow',
      GANTRY_API_KEY: key,
      MLFLOW_TRACKING_TOKEN: key,
    });
    await k.cancel(s.name);
  });

  it('a retried submit gives its own Secret the new credentials and creates no second Job', async () => {
    const k = backend();
    const s = spec({ image: 'ghcr.io/acme/trainer:sleep', secretEnv: { MLFLOW_TRACKING_TOKEN: 'gty_first', GANTRY_API_KEY: 'gty_first' } });
    expect(await k.submit(s)).toEqual({ created: true });
    const job = storedJob(s.name)!;
    const secretUid = storedSecret(s.name)!.metadata.uid;

    expect(await k.submit({ ...s, secretEnv: { MLFLOW_TRACKING_TOKEN: 'gty_second', GANTRY_API_KEY: 'gty_second' } })).toEqual({ created: false });
    expect(fake.listJobs(FAKE_NAMESPACE).filter((j) => (j.metadata as { name: string }).name === s.name)).toHaveLength(1);
    const secret = storedSecret(s.name)!;
    expect(secret.metadata.uid).toBe(secretUid);
    expect(decoded(secret.data)).toEqual({ MLFLOW_TRACKING_TOKEN: 'gty_second', GANTRY_API_KEY: 'gty_second' });
    expect(secret.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', name: s.name, uid: job.metadata.uid })]);
    fake.advance(500);
    expect(fake.podEnv(FAKE_NAMESPACE, s.name)).toMatchObject({ MLFLOW_TRACKING_TOKEN: 'gty_second' });

    // A submit cut short after the Secret: its Job is gone (orphaning the Secret), the retry makes a new Job and hands it the Secret.
    await admin().batch.deleteNamespacedJob({ name: s.name, namespace: FAKE_NAMESPACE, propagationPolicy: 'Orphan' });
    expect(storedSecret(s.name)!.metadata.ownerReferences).toBeUndefined();
    expect(await k.submit({ ...s, secretEnv: { MLFLOW_TRACKING_TOKEN: 'gty_third' } })).toEqual({ created: true });
    const second = storedJob(s.name)!;
    expect(second.metadata.uid).not.toBe(job.metadata.uid);
    expect(storedSecret(s.name)!.metadata.ownerReferences).toEqual([expect.objectContaining({ uid: second.metadata.uid })]);
    // Replaced, not merged: the key this submit no longer passes is gone.
    expect(decoded(storedSecret(s.name)!.data)).toEqual({ MLFLOW_TRACKING_TOKEN: 'gty_third' });
    await k.cancel(s.name);
  });

  it('a pod whose Secret or key is missing waits in CreateContainerConfigError, and starts once a resubmit restores it', async () => {
    const k = backend();
    const s = spec({ image: 'ghcr.io/acme/trainer:sleep' });
    await k.submit(s);
    const api = admin();
    const current = await api.core.readNamespacedSecret({ name: s.name, namespace: FAKE_NAMESPACE });
    await api.core.replaceNamespacedSecret({ name: s.name, namespace: FAKE_NAMESPACE, body: { ...current, data: { OTHER: Buffer.from('x').toString('base64') } } });
    fake.advance(500);
    expect(await k.status(s.name)).toMatchObject({ phase: 'pending', reason: 'CreateContainerConfigError', message: `couldn't find key MLFLOW_TRACKING_TOKEN in Secret ${FAKE_NAMESPACE}/${s.name}` });
    expect(await k.logs(s.name, 0)).toEqual({ text: '', nextOffset: 0 });

    await api.core.deleteNamespacedSecret({ name: s.name, namespace: FAKE_NAMESPACE });
    fake.advance(100);
    expect(await k.status(s.name)).toMatchObject({ phase: 'pending', reason: 'CreateContainerConfigError', message: `secret "${s.name}" not found` });
    expect(fake.podEnv(FAKE_NAMESPACE, s.name)).toBeNull();

    expect(await k.submit({ ...s, secretEnv: { MLFLOW_TRACKING_TOKEN: 'gty_restored' } })).toEqual({ created: false });
    expect(storedSecret(s.name)!.metadata.ownerReferences).toEqual([expect.objectContaining({ uid: storedJob(s.name)!.metadata.uid })]);
    fake.advance(100);
    expect(await k.status(s.name)).toMatchObject({ phase: 'running', reason: null });
    expect(fake.podEnv(FAKE_NAMESPACE, s.name)).toMatchObject({ MLFLOW_TRACKING_TOKEN: 'gty_restored' });
    await k.cancel(s.name);
  });

  it('makes label values label-safe', () => {
    expect(labelValue('org_01HZX')).toBe('org_01HZX');
    expect(labelValue('--Team One/ß--')).toBe('Team-One');
    expect(labelValue('a'.repeat(80))).toHaveLength(63);
    expect(labelValue(`${'a'.repeat(62)}-b`)).toBe('a'.repeat(62));
  });

  it('reports pending → running → succeeded with times, exit code and runtime; logs page by byte offset', async () => {
    const k = backend();
    const s = spec();
    await k.submit(s);
    expect(await k.status(s.name)).toMatchObject({ phase: 'pending', reason: null, startedAt: null, usage: null });
    expect(await k.logs(s.name, 0)).toEqual({ text: '', nextOffset: 0 });

    fake.advance(500);
    const running = await k.status(s.name);
    expect(running).toMatchObject({ phase: 'running', reason: null, exitCode: null });
    expect(running!.startedAt).toBeInstanceOf(Date);

    const first = await k.logs(s.name, 0);
    expect(first.text).toBe('fake-trainer: starting python train.py --epochs 3\n');
    expect(first.nextOffset).toBe(Buffer.byteLength(first.text));
    expect(await k.logs(s.name, first.nextOffset)).toEqual({ text: '', nextOffset: first.nextOffset });

    fake.appendLog(FAKE_NAMESPACE, s.name, 'loss=0.25 ✓ größer\n');
    const second = await k.logs(s.name, first.nextOffset);
    expect(second.text).toBe('loss=0.25 ✓ größer\n');
    expect(second.nextOffset).toBe(first.nextOffset + Buffer.byteLength(second.text));

    fake.advance(2500);
    const done = await k.status(s.name);
    expect(done).toMatchObject({ phase: 'succeeded', reason: null, exitCode: 0 });
    expect(done!.finishedAt!.getTime()).toBeGreaterThanOrEqual(done!.startedAt!.getTime());
    expect(done!.usage!.runtimeSeconds).toBeGreaterThanOrEqual(1);
    expect(done!.usage!.runtimeSeconds).toBeLessThanOrEqual(3);
    const rest = await k.logs(s.name, second.nextOffset);
    expect(rest.text).toMatch(/fake-trainer: step 1\n[\s\S]*fake-trainer: done\n$/);
  });

  it('pages logs larger than one chunk without splitting a multi-byte character', async () => {
    const k = backend();
    const s = spec({ image: 'ghcr.io/acme/trainer:sleep' });
    await k.submit(s);
    fake.advance(500);
    const head = (await k.logs(s.name, 0)).text;
    let written = Buffer.byteLength(head);
    const append = (text: string) => {
      fake.appendLog(FAKE_NAMESPACE, s.name, text);
      written += Buffer.byteLength(text);
      return text;
    };
    let expected = head;
    for (let i = 0; written < LOG_CHUNK_BYTES - 200; i++) expected += append(`épocha ✓ 训练 — ${'·'.repeat(i % 40)} ${i}\n`);
    // The first chunk's limit falls on the second byte of this line's first "✓".
    expected += append(`${'x'.repeat(LOG_CHUNK_BYTES - 1 - written)}✓✓✓ crosses the chunk boundary\n`);
    // One line longer than a chunk, with no newline inside the chunk.
    expected += append('训'.repeat(Math.ceil(LOG_CHUNK_BYTES / 3) + 1000));

    const chunks: string[] = [];
    let offset = 0;
    for (let i = 0; i < 6; i++) {
      const chunk = await k.logs(s.name, offset);
      if (chunk.text === '') break;
      expect(Buffer.byteLength(chunk.text)).toBeLessThanOrEqual(LOG_CHUNK_BYTES);
      expect(chunk.nextOffset).toBe(offset + Buffer.byteLength(chunk.text));
      chunks.push(chunk.text);
      offset = chunk.nextOffset;
    }
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(chunks[0]!.endsWith('\n')).toBe(true);
    expect(chunks.join('')).toBe(expected);
    expect(offset).toBe(written);
    await k.cancel(s.name);
  });

  describe('following a log', () => {
    /** The log reads sent to the fake since request number `from`. */
    const logReads = (from: number) => fake.requests.slice(from).filter((r) => r.path.endsWith('/log'));
    const sinceTime = (r: FakeRequest) => new URLSearchParams(r.query).get('sinceTime');
    const secondOf = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

    /** Reads on from `offset` until nothing new comes, checking each chunk's size and offset. */
    async function drain(k: KubernetesBackend, name: string, offset: number): Promise<{ chunks: string[]; offset: number }> {
      const chunks: string[] = [];
      for (;;) {
        const chunk = await k.logs(name, offset);
        if (chunk.text === '') {
          expect(chunk.nextOffset).toBe(offset);
          return { chunks, offset };
        }
        expect(Buffer.byteLength(chunk.text)).toBeLessThanOrEqual(LOG_CHUNK_BYTES);
        expect(chunk.nextOffset).toBe(offset + Buffer.byteLength(chunk.text));
        chunks.push(chunk.text);
        offset = chunk.nextOffset;
      }
    }

    it('returns a growing log byte for byte, each poll reading only about the last second of it', async () => {
      const k = backend();
      const s = spec({ image: 'ghcr.io/acme/trainer:sleep' });
      await k.submit(s);
      fake.advance(500);
      const start = fake.requests.length;
      const served: number[] = [];
      let text = '';
      let offset = 0;
      // What reading from the log's start on every poll (up to the new offset) would have cost.
      let fromStart = 0;
      for (let poll = 0; poll < 240; poll++) {
        fake.advance(100);
        for (let j = 0; j <= poll % 4; j++) {
          fake.appendLog(FAKE_NAMESPACE, s.name, `poll ${poll} line ${j} loss=${(1 / (poll + 1)).toFixed(6)} ✓ ${'·'.repeat((poll * 7 + j) % 60)}\n`);
        }
        // A line the container is still writing when a poll comes, finished before the next one.
        if (poll % 17 === 5) fake.appendLog(FAKE_NAMESPACE, s.name, `progress ${poll}: 50% `);
        if (poll % 17 === 6) fake.appendLog(FAKE_NAMESPACE, s.name, '100%\n');
        const before = fake.requests.length;
        const chunk = await k.logs(s.name, offset);
        served.push(logReads(before).reduce((n, r) => n + r.bytes, 0));
        expect(chunk.nextOffset).toBe(offset + Buffer.byteLength(chunk.text));
        text += chunk.text;
        offset = chunk.nextOffset;
        fromStart += offset;
      }
      const log = fake.podLog(FAKE_NAMESPACE, s.name)!;
      expect(text).toBe(log.toString('utf8'));
      expect(offset).toBe(log.length);
      expect(text).toContain('progress 22: 50% ');
      expect(log.length).toBeGreaterThan(40_000);

      const reads = logReads(start);
      expect(reads).toHaveLength(240);
      expect(sinceTime(reads[0]!)).toBeNull();
      expect(reads.slice(1).every((r) => sinceTime(r) !== null)).toBe(true);
      // About a second of timestamped log per poll, however long the log has grown.
      expect(Math.max(...served.slice(1))).toBeLessThan(8_000);
      const total = served.reduce((a, b) => a + b, 0);
      expect(fromStart).toBeGreaterThan(4_000_000);
      expect(total).toBeLessThan(fromStart / 8);
      await k.cancel(s.name);
    });

    it('neither loses nor repeats lines stamped with the same time, or in the same second, on both sides of a poll', async () => {
      const k = backend();
      const s = spec({ image: 'ghcr.io/acme/trainer:sleep' });
      await k.submit(s);
      fake.advance(500);
      // The container's own next line comes 650 ms after its creation; the lines below stay in one second.
      if (fake.now() % 1000 > 990) fake.advance(20);
      const second = secondOf(fake.now());
      let offset = (await k.logs(s.name, 0)).nextOffset;
      const start = fake.requests.length;
      const read = async () => {
        const chunk = await k.logs(s.name, offset);
        offset = chunk.nextOffset;
        return chunk.text;
      };

      fake.appendLog(FAKE_NAMESPACE, s.name, 'same\nsame\nsame\n');
      expect(await read()).toBe('same\nsame\nsame\n');
      // Stamped like the three before them.
      fake.appendLog(FAKE_NAMESPACE, s.name, 'same\nsame\n');
      expect(await read()).toBe('same\nsame\n');
      expect(await read()).toBe('');
      fake.advance(1);
      fake.appendLog(FAKE_NAMESPACE, s.name, 'later, in the same second\nsame\n');
      expect(await read()).toBe('later, in the same second\nsame\n');
      fake.appendLog(FAKE_NAMESPACE, s.name, 'same\n');
      fake.advance(1);
      fake.appendLog(FAKE_NAMESPACE, s.name, 'and again\n');
      expect(await read()).toBe('same\nand again\n');
      expect(await read()).toBe('');

      expect(fake.podLog(FAKE_NAMESPACE, s.name)!.length).toBe(offset);
      const reads = logReads(start);
      expect(reads.length).toBe(6);
      // Each read after the first starts at the second all these lines share.
      expect(sinceTime(reads[0]!)).not.toBeNull();
      expect(reads.slice(1).every((r) => sinceTime(r) === second)).toBe(true);
      await k.cancel(s.name);
    });

    it('hands out multi-byte characters whole, a line longer than a chunk in pieces, and the last line without a newline', async () => {
      const k = backend();
      // Runs 2 s and ends killed, without a last line of its own.
      const s = spec({ image: 'ghcr.io/acme/trainer:oomkilled' });
      await k.submit(s);
      fake.advance(500);
      fake.advance(1850);
      let { chunks, offset } = await drain(k, s.name, 0);
      const read = async () => {
        const more = await drain(k, s.name, offset);
        offset = more.offset;
        chunks = [...chunks, ...more.chunks];
        return more.chunks;
      };

      fake.appendLog(FAKE_NAMESPACE, s.name, 'größer ✓ 训练 🚀\n');
      // From its start, a chunk ends in the middle of a character.
      const long = `${'训'.repeat(Math.ceil(LOG_CHUNK_BYTES / 3) + 5000)}\n`;
      fake.appendLog(FAKE_NAMESPACE, s.name, long);
      const lastWords = Buffer.from('last words ✓', 'utf8');
      fake.appendLog(FAKE_NAMESPACE, s.name, lastWords.subarray(0, lastWords.length - 1));
      const pieces = await read();
      expect(pieces).toEqual(['größer ✓ 训练 🚀\n', '训'.repeat(Math.floor(LOG_CHUNK_BYTES / 3)), `${'训'.repeat(long.length - 1 - Math.floor(LOG_CHUNK_BYTES / 3))}\nlast words `]);

      // The character's last byte, then one the container never finishes.
      fake.appendLog(FAKE_NAMESPACE, s.name, lastWords.subarray(lastWords.length - 1));
      fake.appendLog(FAKE_NAMESPACE, s.name, Buffer.from(' ✓', 'utf8').subarray(0, 3));
      expect(await read()).toEqual(['✓ ']);
      expect(await k.status(s.name)).toMatchObject({ phase: 'running' });

      fake.advance(100);
      expect(await k.status(s.name)).toMatchObject({ phase: 'failed', reason: 'OOMKilled' });
      // Once the container has ended, what it left of a character is its log's end: two bytes.
      expect(await k.logs(s.name, offset)).toEqual({ text: '\uFFFD', nextOffset: offset + 2 });
      expect(await k.logs(s.name, offset + 2)).toEqual({ text: '', nextOffset: offset + 2 });
      const log = fake.podLog(FAKE_NAMESPACE, s.name)!;
      expect(offset + 2).toBe(log.length);
      expect(`${chunks.join('')}\uFFFD`).toBe(log.toString('utf8'));
      expect(chunks.join('')).not.toContain('\uFFFD');
    });

    it('reads from an offset it has no cursor for (another process, a restart) and follows on from there', async () => {
      const s = spec({ image: 'ghcr.io/acme/trainer:sleep' });
      await backend().submit(s);
      fake.advance(500);
      for (let i = 0; i < 300; i++) {
        fake.advance(10);
        fake.appendLog(FAKE_NAMESPACE, s.name, `line ${i} ✓ ${'·'.repeat(i % 30)}\n`);
      }
      const log = fake.podLog(FAKE_NAMESPACE, s.name)!;
      const lineStart = log.indexOf('line 150 ');
      // After a multi-byte character, inside a line.
      const inLine = lineStart + Buffer.byteLength('line 150 ✓');
      for (const from of [lineStart, inLine]) {
        const k = backend();
        const start = fake.requests.length;
        const { chunks, offset } = await drain(k, s.name, from);
        expect(chunks.join('')).toBe(log.subarray(from).toString('utf8'));
        expect(offset).toBe(log.length);
        const reads = logReads(start);
        expect(sinceTime(reads[0]!)).toBeNull();
        expect(sinceTime(reads.at(-1)!)).not.toBeNull();
      }
      fake.advance(10);
      fake.appendLog(FAKE_NAMESPACE, s.name, 'one more\n');
      const start = fake.requests.length;
      expect(await backend().logs(s.name, log.length)).toEqual({ text: 'one more\n', nextOffset: log.length + 9 });
      expect(sinceTime(logReads(start)[0]!)).not.toBeNull();
      await backend().cancel(s.name);
    });

    it("the fake serves a pod's log as the kubelet does: a timestamp per line, sinceTime, tailLines in entries, limitBytes on the output", async () => {
      const s = spec({ image: 'ghcr.io/acme/trainer:sleep' });
      await backend().submit(s);
      fake.advance(500);
      fake.advance(1000 - (fake.now() % 1000));
      const pod = (fake.listPods(FAKE_NAMESPACE) as { metadata: { name: string; labels: Record<string, string> } }[]).find((p) => p.metadata.labels['job-name'] === s.name)!.metadata.name;
      const get = (query: string) =>
        new Promise<Buffer>((resolve, reject) => {
          const url = `${fake.url}/api/v1/namespaces/${FAKE_NAMESPACE}/pods/${pod}/log?container=main&${query}`;
          https
            .get(url, { ca: Buffer.from(fake.caData, 'base64'), headers: { authorization: 'Bearer admin-token' } }, (res) => {
              const parts: Buffer[] = [];
              res.on('data', (c: Buffer) => parts.push(c));
              res.on('end', () => resolve(Buffer.concat(parts)));
            })
            .on('error', reject);
        });
      fake.appendLog(FAKE_NAMESPACE, s.name, 'a\n');
      const second = secondOf(fake.now() + 1000);
      fake.advance(1000);
      // Two entries (16 KiB and the rest) for one line, then a line still being written.
      fake.appendLog(FAKE_NAMESPACE, s.name, `b${'x'.repeat(20_000)}\nc`);
      const stamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z /;

      const all = (await get('timestamps=true')).toString('utf8').split('\n');
      expect(all.every((line) => stamp.test(line))).toBe(true);
      expect(all.map((line) => line.replace(stamp, ''))).toEqual([...fake.podLog(FAKE_NAMESPACE, s.name)!.toString('utf8').split('\n')]);
      const since = (await get(`timestamps=true&sinceTime=${second}`)).toString('utf8');
      expect(since).toBe(all.filter((line) => `${line.slice(0, 19)}Z` >= second).join('\n'));
      expect(since).toMatch(new RegExp(`\\n?${second.slice(0, -1)}\\.0{9}Z bx{20000}\\n${second.slice(0, -1)}\\.0{9}Z c$`));
      expect(since).not.toContain(' a\n');
      expect((await get('tailLines=2&timestamps=true')).toString('utf8')).toMatch(new RegExp(`^${stamp.source.slice(1)}x{${20_001 - 16 * 1024}}\\n${stamp.source.slice(1)}c$`));
      expect((await get('tailLines=1')).toString('utf8')).toBe('c');
      expect((await get('timestamps=true&limitBytes=12')).toString('utf8')).toBe(all[0]!.slice(0, 12));
      expect((await get('sinceTime=yesterday')).toString('utf8')).toContain('"code":400');
      expect((await get('limitBytes=0')).toString('utf8')).toContain('"code":422');
      await backend().cancel(s.name);
    });

    it('parses log timestamps of any fraction width and offset, as numbers', () => {
      expect(parseLogTimestamp('2025-03-04T05:06:07.500000000Z')).toEqual({ sec: Date.UTC(2025, 2, 4, 5, 6, 7) / 1000, nanos: 500_000_000 });
      expect(parseLogTimestamp('2025-03-04T05:06:07.5Z')).toEqual(parseLogTimestamp('2025-03-04T05:06:07.500000000Z'));
      expect(parseLogTimestamp('2025-03-04T07:06:07.000000001+02:00')).toEqual({ sec: Date.UTC(2025, 2, 4, 5, 6, 7) / 1000, nanos: 1 });
      expect(parseLogTimestamp('2025-03-04T05:06:07Z')).toEqual({ sec: Date.UTC(2025, 2, 4, 5, 6, 7) / 1000, nanos: 0 });
      expect(parseLogTimestamp('2025-03-04 05:06:07Z')).toBeNull();
      expect(parseLogTimestamp('loss=0.25')).toBeNull();
    });
  });

  it('parses Kubernetes quantities', () => {
    expect(parseQuantity('7910m')).toBeCloseTo(7.91);
    expect(parseQuantity('1Ki')).toBe(1024);
    expect(parseQuantity('2G')).toBe(2e9);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('0.5')).toBe(0.5);
    expect(parseQuantity('lots')).toBeNaN();
  });

  describe("the fake's Secrets, as the API server answers", () => {
    const b64 = (v: string) => Buffer.from(v, 'utf8').toString('base64');

    it('stores stringData as base64 data and never returns it; 409 AlreadyExists, 404 NotFound, 409 Conflict on a stale resourceVersion, 422 Invalid', async () => {
      const api = admin();
      const name = `fake-secret-${Date.now()}`;
      const body: V1Secret = { metadata: { name, labels: { purpose: 'fake-test' } }, data: { other: b64('x') }, stringData: { token: 'abc' } };
      const created = await api.core.createNamespacedSecret({ namespace: FAKE_NAMESPACE, body });
      expect(created).toMatchObject({ type: 'Opaque', data: { token: b64('abc'), other: b64('x') } });
      expect(created.stringData).toBeUndefined();
      expect(await apiFailure(api.core.createNamespacedSecret({ namespace: FAKE_NAMESPACE, body }))).toEqual({ code: 409, reason: 'AlreadyExists', message: `secrets "${name}" already exists` });
      expect(await apiFailure(api.core.readNamespacedSecret({ name: 'no-such-secret', namespace: FAKE_NAMESPACE }))).toEqual({ code: 404, reason: 'NotFound', message: 'secrets "no-such-secret" not found' });

      const replaced = await api.core.replaceNamespacedSecret({ name, namespace: FAKE_NAMESPACE, body: { ...created, data: undefined, stringData: { token: 'def' } } });
      expect(replaced.data).toEqual({ token: b64('def') });
      expect(replaced.metadata?.uid).toBe(created.metadata?.uid);
      expect(await apiFailure(api.core.replaceNamespacedSecret({ name, namespace: FAKE_NAMESPACE, body: created }))).toEqual({
        code: 409,
        reason: 'Conflict',
        message: `Operation cannot be fulfilled on secrets "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      });
      expect((await api.core.listNamespacedSecret({ namespace: FAKE_NAMESPACE, labelSelector: 'purpose=fake-test' })).items.map((x) => x.metadata?.name)).toEqual([name]);

      const invalid = await apiFailure(api.core.createNamespacedSecret({ namespace: FAKE_NAMESPACE, body: { metadata: { name: 'Not_Valid' }, stringData: { 'bad key': 'x' } } }));
      expect(invalid).toMatchObject({ code: 422, reason: 'Invalid' });
      expect(invalid.message).toMatch(/^Secret "Not_Valid" is invalid: metadata\.name: Invalid value: "Not_Valid".*data\[bad key\]: Invalid value/);

      expect(await api.core.deleteNamespacedSecret({ name, namespace: FAKE_NAMESPACE })).toMatchObject({ kind: 'Status', status: 'Success' });
      expect((await apiFailure(api.core.deleteNamespacedSecret({ name, namespace: FAKE_NAMESPACE }))).code).toBe(404);
    });
  });

  describe('without the operator setting', () => {
    afterEach(() => {
      process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES = 'true';
      resetEnvCache();
    });

    it('refuses to connect to a name that resolves to a loopback address, before any request', async () => {
      const kubeconfig = sanitizeKubeconfig(fake.kubeconfig({ server: `https://localhost:${fake.port}` }));
      process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES = 'false';
      resetEnvCache();
      const before = fake.requests.length;
      const k = new KubernetesBackend(kubeconfig, { namespace: FAKE_NAMESPACE });
      const e = await rejection(k.status('gantry-x-a1'));
      expect(e).toBeInstanceOf(BlockedAddressError);
      expect(e.code).toBe('BAD_USER_INPUT');
      expect(e.message).toMatch(/localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
      expect(fake.requests.length).toBe(before);
    });
  });
});

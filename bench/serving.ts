/**
 * Serving (bench/README.md, part 5): the churn ONNX model scored in-process with onnxruntime-node
 * (the baseline: no network, no routing) against the same model through Gantry's gateway process over
 * loopback HTTP, one request at a time and at a fixed concurrency; and how long a routing change takes
 * to reach two gateway replicas.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { createApiKey } from '../core/auth/create-api-key';
import { createDeployment } from '../core/serving/create-deployment';
import { setDeploymentTraffic } from '../core/serving/set-deployment-traffic';
import { freePort, sleep } from '../scripts/lib/net';
import { churnRows, registerModelDir, writeChurnModel } from '../testing/serving-models';
import { startManaged, waitForHttp, type Managed } from './lib/cleanup';
import type { Bench } from './lib/context';
import { cpuMs } from './lib/cpu';
import { fmtInt, fmtMs, fmtRatio, percentile } from './lib/report';
import { ROOT } from './lib/servers';

interface Sample {
  p50: number;
  p99: number;
  n: number;
}
const summary = (xs: number[]): Sample => ({ p50: percentile(xs, 50), p99: percentile(xs, 99), n: xs.length });
const lat = (s: Sample) => `p50 ${fmtMs(s.p50)} / p99 ${fmtMs(s.p99)} (n=${fmtInt(s.n)})`;

/** One gateway process as `npm start` runs it (workers/gateway.ts), on the bench database and artifact store. */
async function startGateway(b: Bench, name: string, ownerUrl: string, appPassword: string, verbose: boolean): Promise<{ url: string; managed: Managed }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: ownerUrl,
    DATABASE_APP_PASSWORD: appPassword,
    DATABASE_APP_URL: undefined,
    GATEWAY_PORT: String(port),
    LOG_LEVEL: 'warn',
    // Production configuration requires it of every process; the gateway signs nothing with it.
    AUTH_SECRET: randomBytes(32).toString('hex'),
  };
  const managed = startManaged(name, process.execPath, ['--import', 'tsx', path.join('workers', 'gateway.ts')], { env, cwd: ROOT, verbose });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/v2/health/ready`, 60_000, managed);
  b.log(`${name} up at ${url}`);
  return { url, managed };
}

/** A keep-alive HTTP client with as little of its own cost as node:http allows. */
function client(base: string, key: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const u = new URL(base);
  return (p: string, body: string) =>
    new Promise<{ status: number; version: string | undefined; text: string }>((resolve, reject) => {
      const req = http.request(
        { host: u.hostname, port: u.port, path: p, method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, version: res.headers['x-gantry-model-version'] as string | undefined, text: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

async function sequential(fn: () => Promise<unknown>, n: number, warmup: number): Promise<Sample> {
  for (let i = 0; i < warmup; i++) await fn();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  return summary(xs);
}

/** Requests per second with `concurrency` callers for `seconds`. */
async function throughput(fn: () => Promise<unknown>, concurrency: number, seconds: number): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await fn();
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

export async function benchServing(b: Bench, o: { ownerUrl: string; appPassword: string; verbose: boolean }): Promise<void> {
  const section = 'serving';
  const n = Math.max(200, Math.round(3000 * b.scale));
  const seconds = Math.max(3, Math.round(10 * b.scale));
  const concurrency = 8;
  const home = process.env.GANTRY_HOME!;
  const model = writeChurnModel(path.join(home, 'bench-churn-1'), { seed: 1 });
  const other = writeChurnModel(path.join(home, 'bench-churn-2'), { seed: 2 });
  await registerModelDir(b.ctx, { model: 'bench-churn', dir: model.dir });
  await registerModelDir(b.ctx, { model: 'bench-churn', dir: other.dir });
  await createDeployment(b.ctx, { name: 'bench-churn', model: { name: 'bench-churn' }, version: 1, sampleRate: 0.1 });
  const { secret } = await createApiKey(b.ctx, { name: 'bench-inference', scopes: ['inference'], expiresInDays: 1 });
  const row = churnRows(1, 3)[0]!;

  // Baseline: the same file, the same one-row input, onnxruntime-node in this process.
  const session = await ort.InferenceSession.create(path.join(model.dir, 'model.onnx'));
  const feeds = () => ({ features: new ort.Tensor('float32', Float32Array.from(row), [1, 10]) });
  const inProcess = await sequential(() => session.run(feeds()), n, 200);
  const inProcessRps = await throughput(() => session.run(feeds()), concurrency, seconds);

  const g1 = await startGateway(b, 'gateway-1', o.ownerUrl, o.appPassword, o.verbose);
  const post = client(g1.url, secret);
  const body = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 10], data: row }] });
  const first = await post('/v2/models/bench-churn/infer', body);
  if (first.status !== 200) throw new Error(`the gateway answered ${first.status}: ${first.text}`);
  const infer = async () => {
    const r = await post('/v2/models/bench-churn/infer', body);
    if (r.status !== 200) throw new Error(`the gateway answered ${r.status}: ${r.text}`);
  };
  const cpuBefore = cpuMs({ group: g1.managed.child.pid! }) ?? NaN;
  const gateway = await sequential(infer, n, 200);
  const gatewayRps = await throughput(infer, concurrency, seconds);
  const gatewayCpu = (cpuMs({ group: g1.managed.child.pid! }) ?? NaN) - cpuBefore;

  const added = gateway.p50 - inProcess.p50;
  b.rows.push(
    { section, name: 'churn ONNX in-process (onnxruntime-node)', value: lat(inProcess), detail: `max ${fmtInt(inProcessRps)} predictions/s at concurrency ${concurrency}` },
    { section, name: 'churn ONNX through the gateway (OIP over loopback HTTP)', value: lat(gateway), detail: `max ${fmtInt(gatewayRps)} requests/s at concurrency ${concurrency}; gateway CPU ${fmtInt(gatewayCpu)} ms over both phases` },
  );
  b.ratios.push({ name: 'gateway: added latency at p50 (ms)', value: added, target: '<= 1', met: added <= 1, how: `gateway p50 ${fmtMs(gateway.p50)} − in-process p50 ${fmtMs(inProcess.p50)}, one request at a time` });
  b.results.serving = { inProcess, inProcessRps, gateway, gatewayRps, concurrency, seconds };

  // A routing change: from commit to both replicas answering by the new policy.
  const g2 = await startGateway(b, 'gateway-2', o.ownerUrl, o.appPassword, o.verbose);
  const post2 = client(g2.url, secret);
  await post2('/v2/models/bench-churn/infer', body);
  const propagation: number[] = [];
  for (let i = 0; i < 10; i++) {
    const version = i % 2 === 0 ? 2 : 1;
    await setDeploymentTraffic(b.ctx, { deployment: { name: 'bench-churn' }, arms: [{ version, weight: 100, role: 'stable' }] });
    const committed = performance.now();
    const reached = await Promise.all(
      [post, post2].map(async (p) => {
        for (;;) {
          const r = await p('/v2/models/bench-churn/infer', body);
          if (r.version === String(version)) return performance.now() - committed;
          if (performance.now() - committed > 10_000) return NaN;
        }
      }),
    );
    propagation.push(Math.max(...reached));
    await sleep(100);
  }
  const prop = summary(propagation);
  b.rows.push({ section, name: 'routing change reaches both of 2 gateway replicas', value: `p50 ${fmtMs(prop.p50)} / max ${fmtMs(Math.max(...propagation))} (n=${prop.n})`, detail: 'from the commit of setDeploymentTraffic to the first answer by the new version on each replica (LISTEN/NOTIFY)' });
  b.ratios.push({ name: 'routing change to every replica (s)', value: Math.max(...propagation) / 1000, target: '<= 1', met: Math.max(...propagation) <= 1000, how: 'worst of 10 changes' });
  b.results.servingPropagationMs = propagation;
  b.notes.push(
    `Serving: one-row requests to the churn ONNX model (10 FP32 features); ${fmtInt(n)} sequential calls after 200 warm-up calls, then ${concurrency} concurrent callers for ${seconds} s. The HTTP client runs in the bench process, on the same 2 CPUs as the gateway; ratios: ${fmtRatio(gatewayRps / inProcessRps)} of in-process throughput.`,
  );
}

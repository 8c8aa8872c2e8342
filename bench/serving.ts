/**
 * Serving (bench/README.md, part 5): the churn ONNX model scored in-process with onnxruntime-node
 * (the baseline: no network, no routing) against the same model through Gantry's gateway process over
 * loopback HTTP, and through MLServer (MLServer's MLflow runtime, as Gantry's mlserver runtime starts
 * it), one request at a time and at a fixed concurrency; how long a routing change takes to reach two
 * gateway replicas; and how long a real canary rollout of a bad version takes from its first answer
 * to all traffic back on stable, against Flagger's default analysis.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { createApiKey } from '../core/auth/create-api-key';
import { createDeployment } from '../core/serving/create-deployment';
import { getRollout } from '../core/serving/list-rollouts';
import { MLSERVER_VERSION } from '../core/serving/mlserver-environment';
import { MlserverRuntime } from '../core/serving/mlserver-runtime';
import { setDeploymentTraffic } from '../core/serving/set-deployment-traffic';
import { startRollout } from '../core/serving/start-rollout';
import { presetPlan, type RolloutPreset } from '../rules/serving/rollout-plan';
import { churnTrafficRows } from '../testing/rollout-traffic';
import { freePort, sleep } from '../scripts/lib/net';
import { churnRows, registerModelDir, writeChurnModel } from '../testing/serving-models';
import { onCleanup, startManaged, waitForHttp, type Managed } from './lib/cleanup';
import type { Bench } from './lib/context';
import { cpuMs } from './lib/cpu';
import { fmtInt, fmtMs, fmtRatio, percentile } from './lib/report';
import { ROOT } from './lib/servers';
import { benchTemporal } from './lib/temporal';

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
    // The deployment's default of 1,000 requests/s per replica would cap the throughput phase, not measure it.
    GATEWAY_DEFAULT_RATE_LIMIT: '10000000',
    // Production configuration requires it of every process; the gateway signs nothing with it.
    AUTH_SECRET: randomBytes(32).toString('hex'),
  };
  // BENCH_GATEWAY_NODE_ARGS adds Node flags to the gateway processes only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const extra = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const managed = startManaged(name, process.execPath, [...extra, '--import', 'tsx', path.join('workers', 'gateway.ts')], { env, cwd: ROOT, verbose });
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
        {
          host: u.hostname,
          port: u.port,
          path: p,
          method: 'POST',
          agent,
          headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
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

/** Where model servers' environments are built, shared with the tests: built once per machine (minutes), then reused. */
const MODEL_SERVER_ENVS = path.join(os.homedir(), '.gantry-tools', 'model-server-envs');
/** Flagger's default analysis: a check every 60 s, rollback after 5 failed ones. */
const FLAGGER_DEFAULT_S = 60 * 5;

export async function benchServing(b: Bench, o: { ownerUrl: string; appPassword: string; verbose: boolean; noPython: boolean }): Promise<void> {
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
  b.ratios.push({ name: 'gateway: added latency at p50', value: added, unit: 'ms', target: '<= 1 ms', met: added <= 1, how: `gateway p50 ${fmtMs(gateway.p50)} − in-process p50 ${fmtMs(inProcess.p50)}, one request at a time` });
  b.results.serving = { inProcess, inProcessRps, gateway, gatewayRps, concurrency, seconds };

  // The same model file through MLServer, as Gantry's mlserver runtime runs it, called directly (no gateway in front).
  let mlserverNote = 'MLServer: not run (--no-mlflow).';
  if (!o.noPython) {
    b.log(`serving: MLServer ${MLSERVER_VERSION} with its MLflow runtime (environment in ${MODEL_SERVER_ENVS}, built once)…`);
    const runtime = new MlserverRuntime({ envsDir: MODEL_SERVER_ENVS, workDir: path.join(home, 'mlserver'), buildTimeoutMs: 30 * 60_000 });
    const started = performance.now();
    const ml = await runtime.load({ versionId: 'bench-churn-1', modelDir: model.dir, framework: 'onnx' });
    onCleanup('MLServer', () => ml.close());
    const loadS = (performance.now() - started) / 1000;
    const mlUrl = ml.url!;
    const index = (await (await fetch(`${mlUrl}/v2/repository/index`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { name: string }[];
    const mlPath = `/v2/models/${index[0]!.name}/infer`;
    const mlPost = client(mlUrl, '');
    const mlInfer = async () => {
      const r = await mlPost(mlPath, body);
      if (r.status !== 200) throw new Error(`MLServer answered ${r.status}: ${r.text}`);
    };
    await mlInfer();
    const mlCpuBefore = cpuMs({ group: ml.pid! }) ?? NaN;
    const mlserver = await sequential(mlInfer, n, 200);
    const mlserverRps = await throughput(mlInfer, concurrency, seconds);
    const mlCpu = (cpuMs({ group: ml.pid! }) ?? NaN) - mlCpuBefore;
    await ml.close();
    b.rows.push({ section, name: 'churn ONNX through MLServer (OIP over loopback HTTP, direct)', value: lat(mlserver), detail: `max ${fmtInt(mlserverRps)} requests/s at concurrency ${concurrency}; MLServer CPU ${fmtInt(mlCpu)} ms over both phases; started in ${loadS.toFixed(1)} s` });
    b.ratios.push({ name: 'throughput: Gantry gateway / MLServer', value: gatewayRps / mlserverRps, target: '>= 2', met: gatewayRps / mlserverRps >= 2, how: `${fmtInt(gatewayRps)} vs ${fmtInt(mlserverRps)} requests/s at concurrency ${concurrency}` });
    b.results.mlserver = { mlserver, mlserverRps, mlCpu };
    mlserverNote =
      `MLServer: mlserver and mlserver-mlflow ${MLSERVER_VERSION} from PyPI in a virtual environment built from the model's own requirements.txt (mlflow, onnx, onnxruntime, numpy), started by Gantry's MlserverRuntime on the same model directory: ` +
      'one `mlserver start` process with its MLflow runtime (mlflow.pyfunc over onnxruntime), parallel_workers 0 (inference in the server\'s own process, as Gantry runs it: on 2 cores a separate inference worker only adds a hop), HTTP on loopback, no metrics server, gzip off. ' +
      'It gets the same OIP request body the gateway gets, posted straight to its /v2/models/<name>/infer, with no API key and no routing in front of it.';
  }

  // A bad canary through a real rollout: Temporal dev server, the worker process, gateway-1 serving, traffic from here.
  await benchCanary(b, { url: g1.url, key: secret, home });

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
  b.ratios.push({ name: 'routing change to every replica', value: Math.max(...propagation) / 1000, unit: 's', target: '<= 1 s', met: Math.max(...propagation) <= 1000, how: 'worst of 10 changes' });
  b.results.servingPropagationMs = propagation;
  b.notes.push(
    mlserverNote,
    `Serving: one-row requests to the churn ONNX model (10 FP32 features); ${fmtInt(n)} sequential calls after 200 warm-up calls, then ${concurrency} concurrent callers for ${seconds} s. The HTTP client runs in the bench process, on the same 2 CPUs as the gateway; ratios: ${fmtRatio(gatewayRps / inProcessRps)} of in-process throughput.`,
  );
}

/**
 * Rolls a bad version (the stable model's coefficients with a bias of 4: it says "churn" to nearly
 * everyone, so its predictions shift while it answers without errors) out as a canary on the
 * standard plan and on the quick preset, with callers sending the deployment requests the whole time,
 * and measures from the first request the canary answered to the last one: after it, the gateway
 * answers only from stable.
 */
async function benchCanary(b: Bench, o: { url: string; key: string; home: string }): Promise<void> {
  const section = 'serving';
  b.log('serving: canary rollouts of a bad version (Temporal dev server and a worker process)…');
  const t = await benchTemporal(b);
  const name = 'bench-canary';
  const rows = churnRows(4, 5);
  writeChurnModel(path.join(o.home, 'bench-canary-1'), { seed: 1, bias: 0.3, rows });
  writeChurnModel(path.join(o.home, 'bench-canary-2'), { seed: 1, bias: 4, rows });
  await registerModelDir(b.ctx, { model: name, dir: path.join(o.home, 'bench-canary-1') });
  await registerModelDir(b.ctx, { model: name, dir: path.join(o.home, 'bench-canary-2') });
  await createDeployment(b.ctx, { name, model: { name }, version: 1, sampleRate: 0.25 });

  // Callers: 4 loops, each one request at a time with a 10 ms pause, rows spread over the model's range.
  const trafficRows = churnTrafficRows(1, 400).map((r) => JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 10], data: r }] }));
  const post = client(o.url, o.key);
  const lanes = 4;
  let running = true;
  let k = 0;
  let sent = 0;
  let failed = 0;
  let watch: { version: string; firstSent: number; lastReceived: number; answered: number } | null = null;
  const results: Record<string, unknown> = {};
  b.results.canary = results;
  const loops = Array.from({ length: lanes }, async () => {
    while (running) {
      const at = performance.now();
      try {
        const r = await post(`/v2/models/${name}/infer`, trafficRows[k++ % trafficRows.length]!);
        sent++;
        if (r.status !== 200) failed++;
        else if (watch && r.version === watch.version) {
          if (!watch.answered++) watch.firstSent = at;
          watch.lastReceived = performance.now();
        }
      } catch {
        failed++;
      }
      await sleep(10);
    }
  });
  try {
    for (const preset of ['standard', 'quick'] as RolloutPreset[]) {
      const plan = presetPlan(preset);
      const first = plan.steps[0]!;
      watch = { version: '2', firstSent: NaN, lastReceived: NaN, answered: 0 };
      const sentBefore = sent;
      const ro = await startRollout(b.ctx, { deployment: { name }, version: 2, preset });
      const began = performance.now();
      await t.client.workflow.getHandle(ro.workflowId).result();
      const ended = performance.now();
      // A little more traffic: any canary answer still in flight lands in `watch`.
      await sleep(1000);
      const done = await getRollout(b.ctx, { rolloutId: ro.id });
      const w = watch;
      watch = null;
      if (done.state !== 'rolled_back') throw new Error(`the bad canary (${preset}) ended ${done.state}: ${done.reason ?? ''}`);
      const s = (w.lastReceived - w.firstSent) / 1000;
      const rps = (sent - sentBefore) / ((ended - began) / 1000 + 1);
      const steps = plan.steps.map((x) => `${x.weight}%`).join(' → ');
      b.rows.push({
        section,
        name: `bad canary, ${preset} plan: first canary answer → 100% on stable`,
        value: `${s.toFixed(1)} s`,
        detail: `${steps}; first step ${first.weight}% for at least ${first.minDurationSeconds} s and ${first.minRequests} canary requests; ${fmtInt(w.answered)} canary answers; rollout start → rolled back ${((ended - began) / 1000).toFixed(1)} s; ${fmtInt(rps)} requests/s of traffic; ${done.reason ?? ''}`,
      });
      b.ratios.push({
        name: `bad canary back on stable / Flagger default (${preset} plan)`,
        value: s / FLAGGER_DEFAULT_S,
        target: '<= 0.2',
        met: s / FLAGGER_DEFAULT_S <= 0.2,
        how: `${s.toFixed(1)} s vs ${FLAGGER_DEFAULT_S} s (60 s interval × 5 failed checks); a step is judged every 5 s once it has its ${first.minRequests} minimum requests`,
      });
      results[preset] = { seconds: s, canaryAnswers: w.answered, rolloutSeconds: (ended - began) / 1000, verdicts: done.verdicts };
    }
  } finally {
    running = false;
    await Promise.all(loops);
  }
  b.notes.push(
    `Canary: a real canaryRolloutWorkflow on a Temporal dev server (temporal server start-dev, SQLite file) with the worker as its own process (workers/main.ts), gateway-1 serving and recording predictions, ${lanes} callers in the bench process sending one-row requests (10 ms pause each). ` +
      `The bad version is the stable model with a bias of 4 (its predictions shift; it answers without errors), caught by the prediction-distance check in the first step; sample rate 25%. ` +
      `Measured by the callers, from sending the first request the canary answered to receiving the last one. Flagger's default: interval 1m, threshold 5, so a failing canary is rolled back after 5 failed checks, 300 s. ` +
      `Gantry judges a step every 5 s once it has its minimum requests and rolls back at the first failing judgement; passing still takes the step's minimum duration (60 s in the standard plan, 30 s in the quick one).` +
      (failed ? ` ${failed} caller requests failed.` : ''),
  );
}

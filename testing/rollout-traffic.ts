import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { artifactStore } from '../core/artifacts/store-from-config';
import { RoutingTable } from '../core/serving/gateway/routing-table';
import { createGateway, type Gateway } from '../core/serving/gateway/server';
import { localRuntimes } from '../core/serving/runtimes';
import { spawnSync } from 'node:child_process';
import { SERVING_PYTHON } from './serving-models';

/** An inference gateway on loopback as the gateway process runs it: real routing, real ONNX, the real prediction log. */
export async function startTestGateway(home: string): Promise<{ gateway: Gateway; url: string }> {
  const gateway = createGateway({
    store: artifactStore(),
    runtimes: localRuntimes(),
    cacheDir: mkdtempSync(path.join(home, 'gw-')),
    maxPayloadBytes: 256 * 1024,
    defaultRateLimitPerSecond: 100_000,
    routing: new RoutingTable({ ttlMs: 3_600_000, negativeTtlMs: 0 }),
  });
  await gateway.routing.start();
  await new Promise<void>((resolve) => gateway.server.listen(0, '127.0.0.1', resolve));
  return { gateway, url: `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}` };
}

export interface TrafficGenerator {
  /** Requests answered so far, by the version header the gateway sent back. */
  answered: Map<string, number>;
  failed: number;
  stop(): Promise<void>;
}

/**
 * Rows a churn model of `seed` (see writeChurnModel) gives spread-out probabilities for: drawn around
 * the standardisation the model itself applies, so its predictions are not all 0 or 1.
 */
export function churnTrafficRows(seed: number, n: number): number[][] {
  const script = `
import json, sys
import numpy as np
seed, n = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(seed)
mean, std = rng.normal(50, 20, 10), rng.uniform(5, 30, 10)
rows = mean + std * np.random.default_rng(1000 + seed).normal(0, 0.3, (n, 10))
print(json.dumps(np.round(rows, 3).tolist()))
`;
  const r = spawnSync(SERVING_PYTHON, ['-c', script, String(seed), String(n)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`making churn rows failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as number[][];
}

/**
 * Callers of a deployment: `lanes` loops, each sending one churn row per OIP request (rows from a
 * fixed pool, so every version sees the same input distribution) with a short pause between requests.
 */
export function startTraffic(o: { url: string; key: string; deployments: string[]; rows: number[][]; lanes?: number; pauseMs?: number }): TrafficGenerator {
  const { rows } = o;
  const answered = new Map<string, number>();
  const gen: TrafficGenerator = { answered, failed: 0, stop: async () => {} };
  let running = true;
  let k = 0;
  const lane = async (lane: number) => {
    while (running) {
      const dep = o.deployments[(k + lane) % o.deployments.length]!;
      const row = rows[k++ % rows.length]!;
      try {
        const res = await fetch(`${o.url}/v2/models/${dep}/infer`, {
          method: 'POST',
          headers: { authorization: `Bearer ${o.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 10], data: row }] }),
        });
        await res.arrayBuffer();
        if (res.ok) {
          const v = `${dep}@${res.headers.get('x-gantry-model-version')}`;
          answered.set(v, (answered.get(v) ?? 0) + 1);
        } else gen.failed++;
      } catch {
        gen.failed++;
      }
      await new Promise((r) => setTimeout(r, o.pauseMs ?? 4));
    }
  };
  const lanes = Array.from({ length: o.lanes ?? 3 }, (_, i) => lane(i));
  gen.stop = async () => {
    running = false;
    await Promise.all(lanes);
  };
  return gen;
}

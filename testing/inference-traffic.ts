import { spawnSync } from 'node:child_process';
import { SERVING_PYTHON } from './serving-python';

/*
 * Callers of a deployment over HTTP, with nothing of the platform's own code loaded: the worker tests
 * point them at an in-process gateway, the e2e stories at the gateway the launcher started.
 */

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

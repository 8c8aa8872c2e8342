import { Connection } from '@temporalio/client';
import { pingDatabase } from '../../db/client';
import { env } from '../../config/env';

export interface HealthReport {
  ok: boolean;
  checks: { database: CheckResult; temporal: CheckResult };
}
interface CheckResult {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

async function timed(fn: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  const t0 = performance.now();
  try {
    await Promise.race([fn(), new Promise((_, rej) => setTimeout(() => rej(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))]);
    return { ok: true, latencyMs: Math.round(performance.now() - t0) };
  } catch (e) {
    // Only the kind of failure: connection strings and hosts stay out of the response.
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, latencyMs: Math.round(performance.now() - t0), error: /no answer/.test(msg) ? msg : 'unreachable' };
  }
}

let temporal: Promise<Connection> | undefined;

async function pingTemporal() {
  temporal ??= Connection.connect({ address: env().TEMPORAL_ADDRESS, connectTimeout: 2000 }).catch((e) => {
    temporal = undefined;
    throw e;
  });
  const c = await temporal;
  await c.healthService.check({});
}

export async function checkHealth(): Promise<HealthReport> {
  const [database, temporalCheck] = await Promise.all([timed(pingDatabase, 3000), timed(pingTemporal, 3000)]);
  return { ok: database.ok && temporalCheck.ok, checks: { database, temporal: temporalCheck } };
}

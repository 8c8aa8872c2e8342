import { pingDatabase } from '../../db/client';
import { featureStates, temporalStatus, type FeatureKey, type FeatureState, type TemporalStatus } from './status';

/**
 * `ok`: the web app can serve (the database answers). `status`: `ready` when everything is up,
 * `degraded` when the features that need Temporal wait for it (or it failed to start),
 * `down` when the database does not answer.
 */
export interface HealthReport {
  ok: boolean;
  status: 'ready' | 'degraded' | 'down';
  checks: { database: CheckResult; temporal: CheckResult & Omit<TemporalStatus, 'latencyMs'> };
  features: Record<FeatureKey, FeatureState>;
}
interface CheckResult {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

async function timed(fn: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, rej) => {
        timer = setTimeout(() => rej(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - t0) };
  } catch (e) {
    // Only the kind of failure: connection strings and hosts stay out of the response.
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, latencyMs: Math.round(performance.now() - t0), error: /no answer/.test(msg) ? msg : 'unreachable' };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(): Promise<HealthReport> {
  const [database, temporal] = await Promise.all([timed(pingDatabase, 3000), temporalStatus()]);
  const { latencyMs, ...temporalState } = temporal;
  const temporalOk = temporal.state === 'ready';
  return {
    ok: database.ok,
    status: !database.ok ? 'down' : temporalOk ? 'ready' : 'degraded',
    checks: {
      database,
      temporal: {
        ok: temporalOk,
        latencyMs: latencyMs ?? 0,
        ...(temporal.state === 'unreachable' ? { error: 'unreachable' } : {}),
        ...temporalState,
      },
    },
    features: featureStates(database.ok, temporal),
  };
}

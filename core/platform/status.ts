import { temporalClient } from '../orchestration/temporal';
import { temporalPending, type TemporalStartupState } from '../orchestration/temporal-startup';

/**
 * Which of Gantry's features can be used right now. Tracking, the registry and the MLflow API
 * need only the database; the features carried by Temporal workflows wait for Temporal, which
 * on a fresh machine comes up minutes after the web app (its CLI is built first).
 */
export const FEATURES = [
  { key: 'tracking', name: 'Experiment tracking', needsTemporal: false },
  { key: 'registry', name: 'Model registry', needsTemporal: false },
  { key: 'jobs', name: 'Training jobs', needsTemporal: true },
  { key: 'evaluations', name: 'Evaluations', needsTemporal: true },
  { key: 'retraining', name: 'Retraining', needsTemporal: true },
] as const;
export type FeatureKey = (typeof FEATURES)[number]['key'];
export type FeatureState = 'ready' | 'waiting for Temporal' | 'unavailable';

/** Temporal as the web app sees it: the launcher's report while it starts, else whether it answers. */
export interface TemporalStatus {
  state: Exclude<TemporalStartupState, 'ready'> | 'ready' | 'unreachable';
  /** When the launcher's current state began (ISO 8601); absent without a launcher report. */
  since?: string;
  detail?: string;
  /** Milliseconds the health check took, when Temporal was asked. */
  latencyMs?: number;
}

const PING_TIMEOUT_MS = 3000;
/** Open tabs poll the status; one answer serves them all for this long. */
const PING_REUSE_MS = 2000;
let lastPing: { at: number; result: Promise<TemporalStatus> } | undefined;

async function pingTemporal(): Promise<TemporalStatus> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    // A Temporal that is not listening makes a connect wait out its whole timeout; health answers sooner.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
    });
    await Promise.race([
      temporalClient().then((client) => client.connection.withDeadline(Date.now() + PING_TIMEOUT_MS, () => client.workflowService.getSystemInfo({}))),
      timeout,
    ]);
    return { state: 'ready', latencyMs: Math.round(performance.now() - t0) };
  } catch {
    // Only the kind of failure: addresses stay out of what clients see.
    return { state: 'unreachable', latencyMs: Math.round(performance.now() - t0) };
  } finally {
    clearTimeout(timer);
  }
}

export function temporalStatus(): Promise<TemporalStatus> {
  const pending = temporalPending();
  if (pending) return Promise.resolve({ state: pending.state as TemporalStatus['state'], since: pending.since, detail: pending.detail });
  const now = Date.now();
  if (!lastPing || now - lastPing.at > PING_REUSE_MS) lastPing = { at: now, result: pingTemporal() };
  return lastPing.result;
}

export function featureStates(databaseOk: boolean, temporal: TemporalStatus): Record<FeatureKey, FeatureState> {
  const waiting: FeatureState = temporal.state === 'failed' ? 'unavailable' : 'waiting for Temporal';
  return Object.fromEntries(
    FEATURES.map((f) => [f.key, !databaseOk ? 'unavailable' : f.needsTemporal && temporal.state !== 'ready' ? waiting : 'ready']),
  ) as Record<FeatureKey, FeatureState>;
}

/** The features and Temporal as the UI shows them (the database answers, or the caller would not be here). */
export async function platformStatus(): Promise<{ temporal: TemporalStatus; features: { key: FeatureKey; name: string; state: FeatureState }[] }> {
  const temporal = await temporalStatus();
  const states = featureStates(true, temporal);
  return { temporal, features: FEATURES.map((f) => ({ key: f.key, name: f.name, state: states[f.key] })) };
}

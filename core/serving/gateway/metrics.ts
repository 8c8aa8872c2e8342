import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ModelPool } from './model-pool';
import type { PredictionLog } from './prediction-log';

/**
 * The gateway's Prometheus series. Labels are bounded sets (protocol, status code, runtime, arm role):
 * never an organization, deployment or version ID, which would make one series per tenant object on
 * the hottest path. Per-deployment numbers live in the prediction log and the dashboards read them there.
 */
export function gatewayMetrics(deps: { pool: () => ModelPool | null; log: () => PredictionLog | null }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gantry_gateway_' });
  const requests = new Counter({
    name: 'gantry_gateway_requests_total',
    help: 'Requests answered, by protocol and HTTP status code',
    labelNames: ['protocol', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gantry_gateway_request_duration_seconds',
    help: 'Time from request to response, by protocol and the role of the arm that answered',
    labelNames: ['protocol', 'arm'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const shadows = new Counter({
    name: 'gantry_gateway_shadow_requests_total',
    help: 'Requests mirrored to shadow versions, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'gantry_gateway_loaded_models',
    help: 'Model versions loaded in this gateway, by runtime',
    labelNames: ['runtime'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [runtime, n] of Object.entries(deps.pool()?.countByRuntime() ?? {})) this.set({ runtime }, n);
    },
  });
  const logStat = (name: string, help: string, pick: (s: PredictionLog['stats']) => number, kind: 'gauge' | 'counter') =>
    new Gauge({
      name,
      help: `${help}${kind === 'counter' ? ' (a counter: it only grows)' : ''}`,
      registers: [registry],
      collect() {
        const l = deps.log();
        this.set(l ? pick(l.stats) : 0);
      },
    });
  logStat('gantry_gateway_prediction_log_queued', 'Prediction records waiting to be written', (s) => s.queued, 'gauge');
  logStat('gantry_gateway_prediction_log_written', 'Prediction records written to PostgreSQL', (s) => s.written, 'counter');
  logStat('gantry_gateway_prediction_log_dropped_samples', 'Input/output samples dropped because the writer fell behind', (s) => s.droppedSamples, 'counter');
  logStat('gantry_gateway_prediction_log_dropped_records', 'Whole prediction records dropped because the writer fell behind', (s) => s.droppedRecords, 'counter');
  logStat('gantry_gateway_prediction_log_failed_writes', 'Prediction records lost to failed writes', (s) => s.failedWrites, 'counter');
  return { registry, requests, duration, shadows };
}

export type GatewayMetrics = ReturnType<typeof gatewayMetrics>;

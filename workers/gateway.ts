/**
 * The inference gateway process: Open Inference Protocol v2 and MLflow scoring on GATEWAY_PORT,
 * routing by deployments read from PostgreSQL (and kept fresh by LISTEN/NOTIFY). Several can run
 * side by side: each holds its own routing cache and loaded models. SIGINT/SIGTERM stop accepting,
 * write the queued prediction records, close the models and exit. Logs JSON lines on stdout.
 */
import path from 'node:path';
import { env } from '../config/env';
import { assertAppConnectionConfined } from '../db/app-role';
import { closeAppDb } from '../db/client';
import { artifactStore } from '../core/artifacts/store-from-config';
import { createGateway } from '../core/serving/gateway/server';
import { localRuntimes } from '../core/serving/runtimes';
import { clusterDnsResolver, kubernetesRuntime } from '../core/serving/kubernetes/runtime';
import { createLogger } from '../core/observability/logger';

const log = createLogger('gateway');

async function main(): Promise<void> {
  const config = env();
  await assertAppConnectionConfined();
  const gateway = createGateway({
    store: artifactStore(),
    // Versions on tenants' clusters are reached at their Services' cluster DNS names: the gateway runs where those resolve.
    runtimes: { ...localRuntimes(), kubernetes: kubernetesRuntime({ resolve: clusterDnsResolver }) },
    cacheDir: path.resolve(config.GANTRY_HOME, 'serving', 'models'),
    maxPayloadBytes: config.GATEWAY_MAX_PAYLOAD_BYTES,
    defaultRateLimitPerSecond: config.GATEWAY_DEFAULT_RATE_LIMIT,
  });
  await gateway.routing.start();
  await new Promise<void>((resolve, reject) => {
    gateway.server.once('error', reject);
    gateway.server.listen(config.GATEWAY_PORT, () => resolve());
  });
  log.info('gateway listening', { port: config.GATEWAY_PORT });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('gateway stopping', { signal });
    void gateway
      .close()
      .then(() => closeAppDb())
      .then(
        () => process.exit(0),
        (e: unknown) => {
          log.error('gateway did not stop cleanly', { error: e instanceof Error ? e.message : String(e) });
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  log.error('gateway failed to start', { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
});

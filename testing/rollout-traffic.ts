import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { artifactStore } from '../core/artifacts/store-from-config';
import { RoutingTable } from '../core/serving/gateway/routing-table';
import { createGateway, type Gateway } from '../core/serving/gateway/server';
import { localRuntimes } from '../core/serving/runtimes';

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

export { churnTrafficRows, startTraffic, type TrafficGenerator } from './inference-traffic';

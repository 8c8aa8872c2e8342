import path from 'node:path';
import { canConnect, sleep } from './net';
import { spawnManaged } from './processes';
import { defaultToolsDir } from './temporal-binary';
import { findOrBuildGoTool, reportsItself, type GoTool } from './tool-files';

/**
 * stripe-mock, Stripe's own fake of its API (answers every endpoint from the OpenAPI spec's fixtures,
 * stateless), for testing billing with the real `stripe` client over HTTP.
 */
export const STRIPE_MOCK_MODULE = 'github.com/stripe/stripe-mock';
export const STRIPE_MOCK_VERSION = 'v0.203.0';

const STRIPE_MOCK: GoTool = {
  name: 'stripe-mock',
  envVar: 'STRIPE_MOCK_PATH',
  module: STRIPE_MOCK_MODULE,
  version: STRIPE_MOCK_VERSION,
  // `go install` builds report themselves as `stripe-mock master`; the name is what can be checked.
  check: (file) => reportsItself(file, ['-version'], /^stripe-mock /m),
};

/**
 * A stripe-mock binary: `STRIPE_MOCK_PATH`, `stripe-mock` on PATH, one built earlier into the tools
 * dir (`~/.gantry-tools/bin`), or a fresh `go install` of the pinned version (about a minute, once).
 */
export async function findOrBuildStripeMock(opts: { toolsDir?: string; log?: (l: string) => void } = {}): Promise<{ binary: string } | { binary: null; reason: string }> {
  return findOrBuildGoTool(STRIPE_MOCK, { toolsDir: path.resolve(opts.toolsDir ?? defaultToolsDir()), log: opts.log ?? ((l: string) => console.log(l)) });
}

export interface StripeMockServer {
  /** For `STRIPE_API_BASE`: `http://127.0.0.1:<port>`. */
  apiBase: string;
  stop(): Promise<void>;
}

/** Starts stripe-mock over plain HTTP on 127.0.0.1:`port` and resolves once it answers an API call. */
export async function startStripeMock(opts: { binary: string; port: number; timeoutMs?: number }): Promise<StripeMockServer> {
  // It serves HTTPS too, by default on the fixed port 12112: a port the system picks keeps instances apart.
  const child = spawnManaged('stripe-mock', opts.binary, ['-http-addr', `127.0.0.1:${opts.port}`, '-https-addr', '127.0.0.1:']);
  const apiBase = `http://127.0.0.1:${opts.port}`;
  const stop = async () => {
    await child.stop({ signal: 'SIGTERM', timeoutMs: 10_000 });
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  try {
    for (;;) {
      if (child.hasExited()) throw new Error(`stripe-mock exited during startup:\n${child.tail()}`);
      if (await canConnect(opts.port, '127.0.0.1', 500)) {
        const r = await fetch(`${apiBase}/v1/customers?limit=1`, { headers: { authorization: 'Bearer sk_test_123' } }).catch(() => null);
        if (r?.ok) break;
      }
      if (Date.now() > deadline) throw new Error(`stripe-mock did not answer on ${apiBase}:\n${child.tail()}`);
      await sleep(100);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { apiBase, stop };
}

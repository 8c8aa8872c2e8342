// Next's request-scope storage must exist before its route runtime loads, as `next start` arranges.
import 'next/dist/server/node-environment';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppRouteRouteModule } from 'next/dist/server/route-modules/app-route/module.compiled';
import { NextRequest } from 'next/server';
import * as graphqlRoute from '../../app/api/graphql/route';
import { resetEnvCache } from '../../config/env';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: { query?: string; variables?: Record<string, unknown> } | null;
}

export interface ServedApi {
  url: string;
  /** Every request that reached the server, in order; tests may empty it. */
  seen: SeenRequest[];
  /** Stops listening and drops open connections, as a restarting server does. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The web app's `/api/graphql` route over HTTP, run by Next's own route runtime (request
 * scope, `headers()`, cookies), so session lookup, API-key authentication, rate limits
 * and Apollo answer exactly as in the web process. The socket address becomes
 * `x-gantry-client-ip`, as scripts/web-server.ts does. Other paths get Next's 404 page.
 */
export async function serveApi(): Promise<ServedApi> {
  const route = new AppRouteRouteModule({
    definition: { kind: 'APP_ROUTE', page: '/api/graphql/route', pathname: '/api/graphql', filename: 'route', bundlePath: 'app/api/graphql/route' },
    distDir: '.next',
    relativeProjectDir: '',
    resolvedPagePath: 'app/api/graphql/route.ts',
    nextConfigOutput: undefined,
    userland: () => graphqlRoute,
  } as unknown as ConstructorParameters<typeof AppRouteRouteModule>[0]);
  const seen: SeenRequest[] = [];

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    let body: SeenRequest['body'] = null;
    try {
      body = raw.length ? (JSON.parse(raw.toString('utf8')) as SeenRequest['body']) : null;
    } catch {
      body = null;
    }
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers }, body });

    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/api/graphql') {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      return res.end('<!DOCTYPE html><title>404: This page could not be found.</title>');
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    headers.set('x-gantry-client-ip', req.socket.remoteAddress ?? 'unknown');
    const method = req.method ?? 'GET';
    const request = new NextRequest(new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`), {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : raw,
    });
    const response = await route.handle(request, {
      params: undefined,
      previewProps: undefined,
      renderOpts: { experimental: {}, onClose: (cb: () => void) => res.on('close', cb) },
      sharedContext: { buildId: 'test' },
    } as unknown as Parameters<typeof route.handle>[1]);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      // Not an answer of the app: the route runtime itself failed, which the test must see.
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`serveApi: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    });
  });
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve, reject) => {
      server.close((e) => (e ? reject(e) : resolve()));
      server.closeAllConnections();
    });
  await listen();
  const url = `http://127.0.0.1:${port}`;
  // What the web process is given: next-auth checks both on every session lookup.
  process.env.NEXTAUTH_URL ??= url;
  process.env.AUTH_SECRET ??= 'serve-api-test-secret-of-at-least-32-chars';
  resetEnvCache();
  return { url, seen, stop, start: listen, close: stop };
}

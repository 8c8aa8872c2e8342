// Next's request-scope storage must exist before its route runtime loads, as `next start` arranges.
import 'next/dist/server/node-environment';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppRouteRouteModule } from 'next/dist/server/route-modules/app-route/module.compiled';
import { NextRequest } from 'next/server';
import * as mlflowArtifactsRoute from '../app/api/2.0/mlflow-artifacts/artifacts/[[...path]]/route';
import * as mlflowRoute from '../app/api/2.0/mlflow/[...path]/route';
import * as graphqlRoute from '../app/api/graphql/route';
import { resetEnvCache } from '../config/env';

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

/** The web app's API routes this server can answer, by the name `serveApi` takes. */
const ROUTES = {
  graphql: { page: '/api/graphql', prefix: '/api/graphql', catchAll: null, userland: graphqlRoute },
  mlflow: { page: '/api/2.0/mlflow/[...path]', prefix: '/api/2.0/mlflow/', catchAll: 'required', userland: mlflowRoute },
  'mlflow-artifacts': { page: '/api/2.0/mlflow-artifacts/artifacts/[[...path]]', prefix: '/api/2.0/mlflow-artifacts/artifacts', catchAll: 'optional', userland: mlflowArtifactsRoute },
} as const;
export type ApiRoute = keyof typeof ROUTES;

function routeModule(name: ApiRoute) {
  const r = ROUTES[name];
  return new AppRouteRouteModule({
    definition: { kind: 'APP_ROUTE', page: `${r.page}/route`, pathname: r.page, filename: 'route', bundlePath: `app${r.page}/route` },
    distDir: '.next',
    relativeProjectDir: '',
    resolvedPagePath: `app${r.page}/route.ts`,
    nextConfigOutput: undefined,
    userland: () => r.userland,
  } as unknown as ConstructorParameters<typeof AppRouteRouteModule>[0]);
}

/** The route for `pathname` and its catch-all segments (decoded, as Next gives them), or null. */
function match(routes: ApiRoute[], pathname: string): { name: ApiRoute; params?: { path?: string[] } } | null {
  for (const name of routes) {
    const r = ROUTES[name];
    if (r.catchAll === null) {
      if (pathname === r.prefix) return { name };
      continue;
    }
    if (pathname !== r.prefix && !pathname.startsWith(r.prefix.endsWith('/') ? r.prefix : `${r.prefix}/`)) continue;
    const segments = pathname.slice(r.prefix.length).split('/').filter(Boolean).map(decodeURIComponent);
    if (segments.length === 0 && r.catchAll === 'required') continue;
    // An optional catch-all with nothing to catch is `{}` in Next, not a missing params object.
    return { name, params: segments.length ? { path: segments } : {} };
  }
  return null;
}

/**
 * The web app's API routes over HTTP (`/api/graphql` unless `routes` names others, e.g. the
 * MLflow tracking and artifact routes a job's mlflow client calls), run by Next's own route
 * runtime (request scope, `headers()`, cookies), so session lookup, API-key authentication,
 * rate limits and the handlers answer exactly as in the web process. The socket address becomes
 * `x-gantry-client-ip`, as scripts/web-server.ts does. Other paths get Next's 404 page.
 */
export async function serveApi(opts: { routes?: ApiRoute[] } = {}): Promise<ServedApi> {
  const routes = opts.routes ?? ['graphql'];
  const modules = new Map(routes.map((name) => [name, routeModule(name)]));
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
    const found = match(routes, url.pathname);
    if (!found) {
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
    const response = await modules.get(found.name)!.handle(request, {
      params: found.params,
      previewProps: undefined,
      renderOpts: { experimental: {}, onClose: (cb: () => void) => res.on('close', cb) },
      sharedContext: { buildId: 'test' },
    } as unknown as Parameters<AppRouteRouteModule['handle']>[1]);
    const out = Buffer.from(await response.arrayBuffer());
    // Next drops content-length from route responses; the web server restores it (scripts/web-server.ts).
    res.writeHead(response.status, { ...Object.fromEntries(response.headers), 'content-length': String(out.length) });
    res.end(out);
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

/**
 * Gantry's MLflow-compatible REST route (app/api/2.0/mlflow/[...path]/route.ts: the same handler,
 * API-key authentication, tenant resolution, RLS transaction and core use cases), hosted by a
 * bare node:http server in its own process. The benchmark uses it when the real web process
 * (scripts/web-server.ts, Next.js) cannot be started; it leaves out Next's routing and its
 * access log, nothing of Gantry's own request path.
 *
 * Env: PORT, DATABASE_URL (owner URL; the app connects as gantry_app), DATABASE_APP_PASSWORD.
 */
import http from 'node:http';
import { register } from 'node:module';
import { NextRequest } from 'next/server';

// app/lib/auth.ts default-imports a CommonJS module the way Next's bundler resolves it; see the hooks file.
register('./lib/cjs-default-interop.mjs', import.meta.url);
const route = await import('../app/api/2.0/mlflow/[...path]/route');

const port = Number(process.env.PORT);
const PREFIXES = ['/api/2.0/mlflow/', '/ajax-api/2.0/mlflow/'];
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const server = http.createServer((req, res) => {
  void (async () => {
    try {
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      if (url.pathname === '/health') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      const prefix = PREFIXES.find((p) => url.pathname.startsWith(p));
      const method = (req.method ?? 'GET').toUpperCase() as Method;
      if (!prefix || !(method in route)) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error_code: 'ENDPOINT_NOT_FOUND', message: 'not found' }));
        return;
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      // As scripts/web-server.ts does: the client address comes from the socket, never from the client.
      headers.set('x-gantry-client-ip', req.socket.remoteAddress ?? 'unknown');
      const body = method === 'GET' ? undefined : new Uint8Array(await readBody(req));
      const nreq = new NextRequest(url, { method, headers, body });
      const segments = url.pathname.slice(prefix.length).split('/').filter(Boolean).map(decodeURIComponent);
      const out = await route[method](nreq, { params: Promise.resolve({ path: segments }) });
      const outHeaders: Record<string, string> = {};
      out.headers.forEach((v, k) => (outHeaders[k] = v));
      const buf = Buffer.from(await out.arrayBuffer());
      res.writeHead(out.status, { ...outHeaders, 'content-length': String(buf.length) }).end(buf);
    } catch (err) {
      console.error(err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error_code: 'INTERNAL_ERROR', message: 'internal error' }));
    }
  })();
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.log(`gantry mlflow route listening on ${port}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

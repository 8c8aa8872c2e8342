// The web process: Next.js (UI, /api/graphql, /api/auth, /api/health) behind a small Node HTTP server
// that establishes the client address and request ID and writes one JSON access-log line per request.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import next from 'next';
import { env } from '../config/env';
import { assertAppConnectionConfined } from '../db/app-role';
import { createLogger, withRequestId } from '../core/observability/logger';

const log = createLogger('web');
const dev = process.argv.includes('--dev');
const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? '0.0.0.0';

function clientIp(req: http.IncomingMessage): string {
  const socketIp = req.socket.remoteAddress ?? 'unknown';
  if (!env().TRUST_PROXY) return socketIp;
  const xff = req.headers['x-forwarded-for'];
  const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
  return first || socketIp;
}

/**
 * Next drops `Content-Length` from route handler responses, so a streamed download
 * (run artifacts) would reach clients without its size. Such handlers put the
 * length in `x-gantry-content-length`; it becomes the real header as the response
 * head is written (Node writes every head, implicit or not, through writeHead).
 */
const STREAMED_LENGTH_HEADER = 'x-gantry-content-length';

function restoreStreamedContentLength(res: http.ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: http.ServerResponse, ...args: Parameters<typeof writeHead>) {
    const length = this.getHeader(STREAMED_LENGTH_HEADER);
    if (length !== undefined) {
      this.removeHeader(STREAMED_LENGTH_HEADER);
      const status = typeof args[0] === 'number' ? args[0] : this.statusCode;
      if (typeof length === 'string' && /^\d+$/.test(length) && status === 200 && !this.hasHeader('content-encoding')) {
        this.removeHeader('transfer-encoding');
        this.setHeader('content-length', length);
      }
    }
    return writeHead.apply(this, args);
  } as typeof writeHead;
}

async function main() {
  await assertAppConnectionConfined();
  const app = next({ dev, hostname, port, dir: process.cwd() });
  const handle = app.getRequestHandler();
  await app.prepare();
  const server = http.createServer((req, res) => {
    const started = performance.now();
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : randomUUID();
    req.headers['x-request-id'] = requestId;
    // Never trust a client's claim about its own address.
    req.headers['x-gantry-client-ip'] = clientIp(req);
    if (!env().TRUST_PROXY) delete req.headers['x-forwarded-for'];
    res.setHeader('x-request-id', requestId);
    res.on('finish', () => {
      const url = req.url ?? '';
      if (url.startsWith('/_next/')) return;
      log.info('request', {
        requestId,
        method: req.method,
        path: url.split('?')[0],
        status: res.statusCode,
        durationMs: Math.round(performance.now() - started),
      });
    });
    restoreStreamedContentLength(res);
    withRequestId(requestId, () => void handle(req, res));
  });
  server.listen(port, hostname, () => log.info('web server listening', { url: `http://localhost:${port}`, dev }));
  const stop = () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  log.error('web server failed to start', { error: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) });
  process.exit(1);
});

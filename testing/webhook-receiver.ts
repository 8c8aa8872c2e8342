import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  body: string;
  verified: boolean;
}

/**
 * An HTTP endpoint on loopback that receives webhook messages and checks each signature by the
 * Standard Webhooks recipe, independently of core/monitoring: `whsec_` + base64 key, HMAC-SHA256 of
 * `<id>.<timestamp>.<body>`, `v1,<base64>` among the space-separated signatures, a timestamp within
 * five minutes. The signing secret is given once the endpoint is registered (`setSecret`);
 * `failNext` answers that many messages 503 first, so retries can be seen.
 */
export async function startWebhookReceiver(opts: { failNext?: number } = {}) {
  let secret = '';
  let failNext = opts.failNext ?? 0;
  const received: ReceivedWebhook[] = [];
  const verify = (headers: http.IncomingHttpHeaders, body: string): boolean => {
    const id = String(headers['webhook-id'] ?? '');
    const ts = String(headers['webhook-timestamp'] ?? '');
    const sig = String(headers['webhook-signature'] ?? '');
    if (!secret || !id || !/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    const want = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest();
    return sig.split(' ').some((s) => {
      const [v, b64] = s.split(',');
      const got = Buffer.from(b64 ?? '', 'base64');
      return v === 'v1' && got.length === want.length && timingSafeEqual(got, want);
    });
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ id: String(req.headers['webhook-id']), timestamp: String(req.headers['webhook-timestamp']), body, verified: verify(req.headers, body) });
      res.statusCode = failNext-- > 0 ? 503 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    setSecret(s: string) {
      secret = s;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

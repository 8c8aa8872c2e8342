import { randomUUID } from 'node:crypto';
import type { RequestMeta } from '@/core/tenancy/context';

/**
 * Request ID and client address. The web server (scripts/web-server.ts) sets
 * `x-gantry-client-ip` from the socket (or the trusted proxy chain) and
 * overwrites whatever a client sent in that header.
 */
export function requestMeta(headers: Headers): RequestMeta {
  const given = headers.get('x-request-id');
  return {
    requestId: given && /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : randomUUID(),
    ip: headers.get('x-gantry-client-ip'),
    userAgent: headers.get('user-agent'),
  };
}

export function bearerToken(headers: Headers): string | null {
  const h = headers.get('authorization');
  if (!h) return null;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? m[1]!.trim() : h.trim();
}

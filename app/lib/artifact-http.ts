import { Readable } from 'node:stream';
import type { NextRequest } from 'next/server';
import type { ArtifactObjectInfo } from '@/core/artifacts/artifact-store';

/**
 * Types a browser may render inline from our origin. Anything else (HTML, SVG,
 * JavaScript, PDFs…) is served as a download, so an uploaded artifact can never
 * run script with a signed-in user's cookies.
 */
const INLINE_TYPES = new Set(['text/plain', 'text/csv', 'text/markdown', 'application/json', 'image/png', 'image/jpeg', 'image/gif', 'image/webp']);

const baseType = (contentType: string) => contentType.split(';')[0]!.trim().toLowerCase();

export const isInlineSafe = (contentType: string) => INLINE_TYPES.has(baseType(contentType));

/** RFC 6266 filename: an ASCII fallback plus the exact UTF-8 name. */
function disposition(kind: 'inline' | 'attachment', path: string): string {
  const name = path.split('/').pop() || 'artifact';
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * Streams an artifact with its stored content type and length. A matching
 * `If-None-Match` answers 304 so previews are not fetched twice.
 */
export function artifactResponse(
  req: NextRequest,
  found: { path: string; info: ArtifactObjectInfo; body: Readable },
  extraHeaders: Record<string, string> = {},
): Response {
  const { info } = found;
  const inline = isInlineSafe(info.contentType);
  const headers: Record<string, string> = {
    ...extraHeaders,
    'content-type': inline ? info.contentType : info.contentType || 'application/octet-stream',
    'content-length': String(info.size),
    // Next removes content-length from route handler responses; scripts/web-server.ts restores it from this.
    'x-gantry-content-length': String(info.size),
    etag: info.etag,
    'last-modified': info.lastModified.toUTCString(),
    'content-disposition': disposition(inline ? 'inline' : 'attachment', found.path),
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
    'cache-control': 'private, no-cache',
  };
  if (req.headers.get('if-none-match') === info.etag) {
    found.body.destroy();
    delete headers['content-length'];
    delete headers['x-gantry-content-length'];
    return new Response(null, { status: 304, headers });
  }
  return new Response(Readable.toWeb(found.body) as ReadableStream<Uint8Array>, { status: 200, headers });
}

/** The request body as a Node stream, for handing to the artifact store without buffering. */
export function requestBodyStream(req: NextRequest): Readable {
  return req.body ? Readable.fromWeb(req.body as import('node:stream/web').ReadableStream<Uint8Array>) : Readable.from([]);
}

export function declaredLength(req: NextRequest): number | null {
  const v = req.headers.get('content-length');
  return v && /^\d+$/.test(v) ? Number(v) : null;
}

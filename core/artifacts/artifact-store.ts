import { Transform, type Readable } from 'node:stream';
import { AppError } from '../errors';
import { normalizeArtifactPath } from './artifact-path';

/** What a store knows about one stored object. */
export interface ArtifactObjectInfo {
  size: number;
  contentType: string;
  /** Quoted, as in an HTTP `ETag` header. */
  etag: string;
  lastModified: Date;
}

/** One direct child of a listed prefix: a file with its size, or a directory (a longer common prefix). */
export interface ArtifactEntry {
  name: string;
  isDir: boolean;
  /** Bytes for files; null for directories. */
  size: number | null;
}

export interface PutOptions {
  contentType: string;
  /** Uploads beyond this many bytes fail with BAD_USER_INPUT and leave no object behind. */
  maxBytes: number;
}

/**
 * Where artifact bytes live. Keys are `/`-separated, normalized, relative paths
 * (`<orgId>/<runId>/<path>`); the store re-checks them so no caller mistake can
 * address anything outside its root. Listings come from the store itself: there
 * is no artifact table.
 */
export interface ArtifactStore {
  readonly kind: 'filesystem' | 's3';
  /** Streams `body` into `key`, replacing any object there atomically: readers see the old or the new object, never a part. */
  put(key: string, body: Readable, opts: PutOptions): Promise<ArtifactObjectInfo>;
  /**
   * The object and a stream of its bytes, or null when no object is at `key`. With `range`,
   * only bytes `[offset, offset + length)` are streamed (fewer at the end of the object,
   * none from its end on); `info.size` is still the whole object's.
   */
  get(key: string, opts?: { range?: ByteRange }): Promise<{ info: ArtifactObjectInfo; body: Readable } | null>;
  head(key: string): Promise<ArtifactObjectInfo | null>;
  /** Direct children of the directory `prefix` (`''` is the root), sorted by name; `[]` when it is absent or a file. */
  list(prefix: string): Promise<ArtifactEntry[]>;
  /** Removes the object at `prefix` and everything below `prefix/`. Removing nothing is not an error. */
  deletePrefix(prefix: string): Promise<void>;
}

export interface ByteRange {
  offset: number;
  length: number;
}

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** Re-validates a key at the store boundary; a key that is not already normalized is refused, not silently rewritten. */
export function assertStoreKey(key: string, opts: { allowRoot?: boolean } = {}): string {
  const normalized = normalizeArtifactPath(key, { allowRoot: opts.allowRoot });
  if (normalized !== key) throw new AppError('BAD_USER_INPUT', 'The artifact key is not a normalized relative path');
  return key;
}

export const sizeLimitError = (maxBytes: number) =>
  new AppError('BAD_USER_INPUT', `The artifact is larger than the limit of ${maxBytes} bytes (ARTIFACT_MAX_BYTES)`, {
    fields: [{ path: 'body', message: `At most ${maxBytes} bytes` }],
  });

/**
 * Passes bytes through and fails the stream as soon as more than `maxBytes` have
 * gone by, so an oversized upload is stopped mid-flight instead of after it was stored.
 */
export function byteLimit(maxBytes: number): Transform & { bytes: () => number; exceeded: () => boolean } {
  let seen = 0;
  let over = false;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > maxBytes) {
        over = true;
        cb(sizeLimitError(maxBytes));
        return;
      }
      cb(null, chunk);
    },
  });
  return Object.assign(t, { bytes: () => seen, exceeded: () => over });
}

/** A content type worth keeping: a `type/subtype` with optional parameters, no control characters. */
export function cleanContentType(v: string | null | undefined): string {
  const s = (v ?? '').trim();
  if (!s || s.length > 200 || /[\u0000-\u001f\u007f]/.test(s) || !/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(s)) return DEFAULT_CONTENT_TYPE;
  return s;
}

/** What a generic label means for files whose extension says more. */
const TYPE_BY_EXTENSION: Record<string, string> = {
  json: 'application/json',
  csv: 'text/csv',
  md: 'text/markdown',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};
/** Labels that say nothing about the format: the mlflow client sends `text/plain` for every text extension, JSON included. */
const GENERIC_TYPES = new Set(['text/plain', DEFAULT_CONTENT_TYPE]);

/**
 * The content type to store for an uploaded file: the declared one, unless it is a
 * generic label and the file's extension names a specific type.
 */
export function artifactContentType(path: string, declared: string | null | undefined): string {
  const clean = cleanContentType(declared);
  if (!GENERIC_TYPES.has(clean.split(';')[0]!.trim().toLowerCase())) return clean;
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return (ext && TYPE_BY_EXTENSION[ext]) || clean;
}

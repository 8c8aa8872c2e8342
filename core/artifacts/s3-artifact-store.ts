import { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  assertStoreKey,
  byteLimit,
  cleanContentType,
  DEFAULT_CONTENT_TYPE,
  sizeLimitError,
  type ArtifactEntry,
  type ByteRange,
  type ArtifactObjectInfo,
  type ArtifactStore,
  type PutOptions,
} from './artifact-store';

export interface S3ArtifactStoreConfig {
  bucket: string;
  region: string;
  /** For S3-compatible servers (MinIO, Ceph, R2…); absent for AWS itself. */
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle?: boolean;
  /** Every key is stored under this prefix, so one bucket can hold several installations. */
  keyPrefix?: string;
}

/** Multipart part size: S3's minimum (5 MiB) is too chatty for model files; this bounds memory to partSize × queueSize. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

const notFound = (e: unknown) =>
  e instanceof S3ServiceException && (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404);

/**
 * Artifacts in an S3-compatible bucket. Uploads stream through `lib-storage`:
 * small bodies become one PutObject, large ones a multipart upload that is
 * aborted on failure, so an interrupted or oversized upload leaves no object.
 * S3 itself makes every PutObject/CompleteMultipartUpload atomic.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(config: S3ArtifactStoreConfig) {
    this.bucket = config.bucket;
    this.prefix = config.keyPrefix ? `${config.keyPrefix.replace(/\/+$/, '')}/` : '';
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials: config.accessKeyId && config.secretAccessKey ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } : undefined,
      // Newer SDKs add CRC checksums to every request by default; several S3-compatible servers reject or mishandle them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private k(key: string) {
    return this.prefix + key;
  }

  async put(key: string, body: Readable, opts: PutOptions): Promise<ArtifactObjectInfo> {
    assertStoreKey(key);
    const limit = byteLimit(opts.maxBytes);
    const contentType = cleanContentType(opts.contentType);
    // Errors of the source reach the limiter (and so the upload) instead of going unhandled.
    body.on('error', (e) => limit.destroy(e));
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.k(key), Body: body.pipe(limit), ContentType: contentType },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (e) {
      if (limit.exceeded()) throw sizeLimitError(opts.maxBytes);
      throw e;
    }
    const info = await this.head(key);
    if (!info) throw new Error(`S3 reported ${key} stored, but it cannot be read back`);
    return info;
  }

  async head(key: string): Promise<ArtifactObjectInfo | null> {
    assertStoreKey(key);
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.k(key) }));
      return {
        size: r.ContentLength ?? 0,
        contentType: r.ContentType || DEFAULT_CONTENT_TYPE,
        etag: r.ETag ?? '""',
        lastModified: r.LastModified ?? new Date(0),
      };
    } catch (e) {
      if (notFound(e)) return null;
      throw e;
    }
  }

  async get(key: string, opts: { range?: ByteRange } = {}): Promise<{ info: ArtifactObjectInfo; body: Readable } | null> {
    assertStoreKey(key);
    const range = opts.range;
    if (range && range.length <= 0) {
      const info = await this.head(key);
      return info && { info, body: Readable.from([]) };
    }
    try {
      const r = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.k(key), Range: range ? `bytes=${range.offset}-${range.offset + range.length - 1}` : undefined }),
      );
      // A ranged answer says the whole size after the slash: `bytes 0-99/1234`.
      const total = range ? Number(/\/(\d+)$/.exec(r.ContentRange ?? '')?.[1] ?? NaN) : NaN;
      return {
        info: {
          size: Number.isFinite(total) ? total : (r.ContentLength ?? 0),
          contentType: r.ContentType || DEFAULT_CONTENT_TYPE,
          etag: r.ETag ?? '""',
          lastModified: r.LastModified ?? new Date(0),
        },
        // In Node the SDK's body is an http.IncomingMessage, i.e. a Readable.
        body: r.Body as Readable,
      };
    } catch (e) {
      if (notFound(e)) return null;
      // 416: the range starts at or after the end of the object.
      if (range && (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) {
        const info = await this.head(key);
        return info && { info, body: Readable.from([]) };
      }
      throw e;
    }
  }

  private async *pages(prefix: string, delimiter?: string): AsyncGenerator<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token }),
      );
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async list(prefix: string): Promise<ArtifactEntry[]> {
    assertStoreKey(prefix, { allowRoot: true });
    const full = prefix ? `${this.k(prefix)}/` : this.prefix;
    const out: ArtifactEntry[] = [];
    for await (const page of this.pages(full, '/')) {
      for (const p of page.CommonPrefixes ?? []) {
        const name = p.Prefix?.slice(full.length).replace(/\/$/, '');
        if (name) out.push({ name, isDir: true, size: null });
      }
      for (const o of page.Contents ?? []) {
        const name = o.Key?.slice(full.length);
        // A key ending in "/" is a console-made "folder" marker, not an artifact.
        if (name && !name.includes('/')) out.push({ name, isDir: false, size: o.Size ?? 0 });
      }
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async deletePrefix(prefix: string): Promise<void> {
    assertStoreKey(prefix);
    const keys: string[] = [];
    if (await this.head(prefix)) keys.push(this.k(prefix));
    for await (const page of this.pages(`${this.k(prefix)}/`)) for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    // DeleteObjects takes at most 1000 keys per call.
    for (let i = 0; i < keys.length; i += 1000) {
      const r = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = (r.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length) throw new Error(`S3 refused to delete ${failed.length} artifact object(s): ${failed[0]!.Code} ${failed[0]!.Message ?? ''}`);
    }
  }
}

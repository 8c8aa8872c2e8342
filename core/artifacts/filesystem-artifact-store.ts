import { createHash, randomUUID } from 'node:crypto';
import { constants, createReadStream, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, realpath, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors';
import {
  assertStoreKey,
  byteLimit,
  cleanContentType,
  DEFAULT_CONTENT_TYPE,
  type ArtifactEntry,
  type ByteRange,
  type ArtifactObjectInfo,
  type ArtifactStore,
  type PutOptions,
  sizeLimitError,
} from './artifact-store';

/** The sidecar written next to (in a parallel tree of) each object. */
interface Sidecar {
  contentType: string;
  etag: string;
  size: number;
  /** The inode the data file had when written: proves this sidecar describes the object now in place. */
  ino: number;
}

const isCode = (e: unknown, ...codes: string[]) => codes.includes((e as NodeJS.ErrnoException | null)?.code ?? '');

/**
 * Artifacts as files under `<root>/objects/<key>`, with the content type and
 * ETag in a JSON sidecar at `<root>/meta/<key>` (a tree of the same shape, so a
 * sidecar can never collide with an object or a directory). Writes go to
 * `<root>/tmp` and are renamed into place, which is atomic on one filesystem.
 * Symlinks are never followed: objects are opened with O_NOFOLLOW and every
 * directory is checked to resolve inside the root.
 */
export class FilesystemArtifactStore implements ArtifactStore {
  readonly kind = 'filesystem' as const;
  private readonly root: string;
  private readonly objects: string;
  private readonly meta: string;
  private readonly tmp: string;
  private realRoot: Promise<string> | undefined;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.objects = path.join(this.root, 'objects');
    this.meta = path.join(this.root, 'meta');
    this.tmp = path.join(this.root, 'tmp');
  }

  private async init(): Promise<string> {
    this.realRoot ??= (async () => {
      await Promise.all([this.objects, this.meta, this.tmp].map((d) => mkdir(d, { recursive: true })));
      return realpath(this.root);
    })();
    return this.realRoot;
  }

  /** Fails unless `dir` (which must exist) resolves, through any symlinks, to a place inside the root. */
  private async assertInside(dir: string): Promise<void> {
    const root = await this.init();
    const real = await realpath(dir);
    if (real !== root && !real.startsWith(root + path.sep)) {
      throw new AppError('BAD_USER_INPUT', 'The artifact path leaves the artifact store');
    }
  }

  private objectPath(key: string) {
    return path.join(this.objects, ...key.split('/'));
  }

  private metaPath(key: string) {
    return path.join(this.meta, ...key.split('/'));
  }

  async put(key: string, body: Readable, opts: PutOptions): Promise<ArtifactObjectInfo> {
    assertStoreKey(key);
    await this.init();
    const target = this.objectPath(key);
    const metaTarget = this.metaPath(key);
    const tmpData = path.join(this.tmp, `${randomUUID()}.data`);
    const tmpMeta = path.join(this.tmp, `${randomUUID()}.meta`);
    const limit = byteLimit(opts.maxBytes);
    const md5 = createHash('md5');
    try {
      const fh = await open(tmpData, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o640);
      try {
        await pipeline(
          body,
          limit,
          new Writable({
            write(chunk: Buffer, _enc, cb) {
              md5.update(chunk);
              fh.write(chunk).then(() => cb(), cb);
            },
          }),
        );
        // Durable before it becomes visible: a crash after the rename must not leave a truncated object.
        await fh.sync();
      } finally {
        await fh.close();
      }
      const st = await stat(tmpData);
      const sidecar: Sidecar = { contentType: cleanContentType(opts.contentType), etag: `"${md5.digest('hex')}"`, size: st.size, ino: st.ino };
      await writeFile(tmpMeta, JSON.stringify(sidecar), { flag: 'wx', mode: 0o640 });
      await this.moveIntoPlace(key, tmpMeta, metaTarget, tmpData, target);
      return { size: sidecar.size, contentType: sidecar.contentType, etag: sidecar.etag, lastModified: (await stat(target)).mtime };
    } catch (e) {
      await Promise.all([unlink(tmpData).catch(() => {}), unlink(tmpMeta).catch(() => {})]);
      if (limit.exceeded()) throw sizeLimitError(opts.maxBytes);
      throw e;
    }
  }

  /**
   * The sidecar goes first: a reader that sees the new data file therefore finds
   * its sidecar. A concurrent delete may prune the freshly made parent directory,
   * so the move is retried a few times.
   */
  private async moveIntoPlace(key: string, tmpMeta: string, metaTarget: string, tmpData: string, target: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await Promise.all([mkdir(path.dirname(target), { recursive: true }), mkdir(path.dirname(metaTarget), { recursive: true })]);
        await this.assertInside(path.dirname(target));
        await this.assertInside(path.dirname(metaTarget));
        const existing = await lstat(target).catch(() => null);
        if (existing && !existing.isFile()) throw new AppError('CONFLICT', `A directory already exists at '${key.split('/').slice(2).join('/')}'`);
        await rename(tmpMeta, metaTarget);
        await rename(tmpData, target);
        return;
      } catch (e) {
        if (isCode(e, 'ENOTDIR', 'EEXIST')) throw new AppError('CONFLICT', `A file already exists where '${key.split('/').slice(2).join('/')}' needs a directory`);
        if (isCode(e, 'EISDIR')) throw new AppError('CONFLICT', `A directory already exists at '${key.split('/').slice(2).join('/')}'`);
        if (isCode(e, 'ENOENT') && attempt < 5) continue;
        throw e;
      }
    }
  }

  private async readSidecar(key: string, st: Stats): Promise<Pick<Sidecar, 'contentType' | 'etag'>> {
    const fallback = { contentType: DEFAULT_CONTENT_TYPE, etag: `"${st.ino.toString(16)}-${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"` };
    try {
      const s = JSON.parse(await readFile(this.metaPath(key), { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW })) as Sidecar;
      // A racing writer may have replaced the sidecar but not yet the data (or the reverse): then describe the bytes only.
      if (s.ino !== st.ino || s.size !== st.size) return fallback;
      return { contentType: cleanContentType(s.contentType), etag: s.etag };
    } catch {
      return fallback;
    }
  }

  async head(key: string): Promise<ArtifactObjectInfo | null> {
    const r = await this.get(key);
    if (!r) return null;
    r.body.destroy();
    return r.info;
  }

  async get(key: string, opts: { range?: ByteRange } = {}): Promise<{ info: ArtifactObjectInfo; body: Readable } | null> {
    assertStoreKey(key);
    await this.init();
    const target = this.objectPath(key);
    let fh;
    try {
      await this.assertInside(path.dirname(target));
      fh = await open(target, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (e) {
      // ELOOP: the last component is a symlink, which is never followed.
      if (isCode(e, 'ENOENT', 'ENOTDIR', 'ELOOP')) return null;
      throw e;
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) {
        await fh.close();
        return null;
      }
      const side = await this.readSidecar(key, st);
      const info: ArtifactObjectInfo = { size: st.size, contentType: side.contentType, etag: side.etag, lastModified: st.mtime };
      // The open handle keeps reading the bytes it opened even if the object is replaced meanwhile.
      const range = opts.range;
      if (range && (range.offset >= st.size || range.length <= 0)) {
        await fh.close();
        return { info, body: Readable.from([]) };
      }
      const bounds = range ? { start: range.offset, end: Math.min(st.size, range.offset + range.length) - 1 } : {};
      return { info, body: createReadStream('', { fd: fh, autoClose: true, ...bounds }) };
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  async list(prefix: string): Promise<ArtifactEntry[]> {
    assertStoreKey(prefix, { allowRoot: true });
    await this.init();
    const dir = prefix ? this.objectPath(prefix) : this.objects;
    const st = await lstat(dir).catch(() => null);
    if (!st || !st.isDirectory()) return [];
    await this.assertInside(dir);
    const entries = await readdir(dir, { withFileTypes: true });
    const out: ArtifactEntry[] = [];
    for (const e of entries) {
      if (e.isDirectory()) out.push({ name: e.name, isDir: true, size: null });
      else if (e.isFile()) {
        const fst = await lstat(path.join(dir, e.name)).catch(() => null);
        if (fst?.isFile()) out.push({ name: e.name, isDir: false, size: fst.size });
      }
      // Symlinks, sockets and the like are not artifacts and are not shown.
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async deletePrefix(prefix: string): Promise<void> {
    assertStoreKey(prefix);
    await this.init();
    for (const base of [this.objects, this.meta]) {
      const target = path.join(base, ...prefix.split('/'));
      const parent = path.dirname(target);
      if (!(await lstat(parent).catch(() => null))) continue;
      await this.assertInside(parent);
      // fs.rm removes a symlink itself, never what it points to.
      await rm(target, { recursive: true, force: true });
      await this.pruneEmptyParents(parent, base);
    }
  }

  /** S3 has no empty directories; removing them here keeps listings identical between the stores. */
  private async pruneEmptyParents(dir: string, base: string): Promise<void> {
    let cur = dir;
    while (cur.startsWith(base + path.sep)) {
      try {
        await rmdir(cur);
      } catch {
        return;
      }
      cur = path.dirname(cur);
    }
  }
}

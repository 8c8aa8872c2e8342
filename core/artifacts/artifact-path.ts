import { AppError } from '../errors';

/** S3 caps keys at 1024 bytes; the run prefix is added on top, so user paths stay well inside it. */
export const MAX_ARTIFACT_PATH_LENGTH = 1024;
/** Most filesystems (ext4, xfs, APFS) refuse longer names; failing here gives a clear error instead of ENAMETOOLONG. */
const MAX_SEGMENT_BYTES = 255;
/** Enough to undo any realistic chain of URL encodings (`%252e` → `%2e` → `.`). */
const MAX_DECODE_ROUNDS = 5;

const bad = (message: string) => new AppError('BAD_USER_INPUT', message, { fields: [{ path: 'path', message }] });

/**
 * Decodes percent-escapes until the text stops changing. Used only to *inspect* a
 * path: a segment that decodes to `..` at any depth is refused, so a proxy or store
 * that decodes once more can never turn the stored name into a parent reference.
 */
function fullyDecoded(s: string): string {
  let cur = s;
  for (let i = 0; i < MAX_DECODE_ROUNDS; i++) {
    let next: string;
    try {
      next = decodeURIComponent(cur);
    } catch {
      return cur;
    }
    if (next === cur) return cur;
    cur = next;
  }
  return cur;
}

/**
 * Normalizes an artifact path relative to a run's artifact root and refuses
 * anything that could name a location outside it. Empty and `.` segments and a
 * trailing slash are dropped (`a//./b/` → `a/b`); the empty string is the root.
 * Refused: `..` segments (also percent-encoded, at any depth), absolute paths,
 * drive letters, backslashes, NUL and other control characters, and overlong paths.
 */
export function normalizeArtifactPath(raw: unknown, opts: { allowRoot?: boolean; maxLength?: number } = {}): string {
  const maxLength = opts.maxLength ?? MAX_ARTIFACT_PATH_LENGTH;
  if (raw === undefined || raw === null) raw = '';
  if (typeof raw !== 'string') throw bad('The artifact path must be a string');
  if (raw.length > maxLength * 3) throw bad(`The artifact path must be at most ${maxLength} characters`);
  const decoded = fullyDecoded(raw);
  for (const s of new Set([raw, decoded])) {
    if (/[\u0000-\u001f\u007f]/.test(s)) throw bad('The artifact path must not contain control characters');
    if (s.includes('\\')) throw bad('The artifact path must not contain backslashes');
    if (s.startsWith('/')) throw bad('The artifact path must be relative (no leading "/")');
    if (/^[A-Za-z]:/.test(s)) throw bad('The artifact path must be relative (no drive letter)');
    if (s.split('/').some((seg) => seg === '..')) throw bad('The artifact path must not contain ".." segments');
  }
  const segments = raw.split('/').filter((seg) => seg !== '' && seg !== '.');
  for (const seg of segments) {
    if (Buffer.byteLength(seg, 'utf8') > MAX_SEGMENT_BYTES) throw bad(`Each artifact path segment must be at most ${MAX_SEGMENT_BYTES} bytes`);
  }
  const path = segments.join('/');
  if (path.length > maxLength) throw bad(`The artifact path must be at most ${maxLength} characters`);
  if (!path && !opts.allowRoot) throw bad('The artifact path must name a file');
  return path;
}

/** Store keys: `<orgId>/<runId>[/<path>]`. Org and run IDs are prefixed base32, never containing `/`. */
export function runArtifactKey(orgId: string, runId: string, path = ''): string {
  if (!/^[A-Za-z0-9_-]+$/.test(orgId) || !/^[A-Za-z0-9_-]+$/.test(runId)) throw new AppError('NOT_FOUND', 'Run not found');
  return path ? `${orgId}/${runId}/${path}` : `${orgId}/${runId}`;
}

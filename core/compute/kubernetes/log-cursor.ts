import { completeUtf8Length } from '../compute-backend';

/*
 * Container logs, followed from a cursor on timestamped reads.
 *
 * The log API has no byte offset: a read starts at the container log's beginning, or
 * at `sinceTime` (whole seconds as sent; the kubelet returns the entries stamped at or
 * after it). With `timestamps=true` the kubelet puts the entry's time and a space
 * before each line (before the first entry of a line split into partial entries), so
 * a line can be found again by its stamp and its rank among the lines with that stamp.
 * A cursor remembers that for an offset already returned, and the next read starts at
 * the second of the line it points into instead of the log's beginning.
 */

/** Most log bytes returned per call; the caller pages with `nextOffset`. */
export const LOG_CHUNK_BYTES = 1024 * 1024;

/** A log timestamp; compared as numbers, as its text's width varies. */
export interface LogTimestamp {
  /** Seconds since the epoch. */
  sec: number;
  nanos: number;
}

const LOG_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;
/** `2006-01-02T15:04:05.000000000+07:00` and its space: the longest prefix a line can have. */
const MAX_TIMESTAMP_PREFIX = 36;

/** An RFC3339 timestamp with any number of fraction digits (up to nanoseconds) and any offset; null when it is not one. */
export function parseLogTimestamp(text: string): LogTimestamp | null {
  const m = LOG_TIMESTAMP.exec(text);
  if (!m) return null;
  const [, year, month, day, hour, minute, second, fraction, zone] = m as unknown as [string, string, string, string, string, string, string, string | undefined, string];
  const offsetSeconds = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60);
  const sec = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)) / 1000 - offsetSeconds;
  return { sec, nanos: fraction ? Number(fraction.padEnd(9, '0')) : 0 };
}

const compareTimestamps = (a: LogTimestamp, b: LogTimestamp) => a.sec - b.sec || a.nanos - b.nanos;
const sameTimestamp = (a: LogTimestamp | null, b: LogTimestamp) => a !== null && compareTimestamps(a, b) === 0;

/**
 * Where a reader stands in a container log: `into` bytes of log text after the start
 * of the `n`-th line stamped `ts` (its text after the timestamp; `into` may reach past
 * its end into the lines after it). A read from `ts`'s second holds all lines stamped
 * `ts`, in the order the log has them.
 */
export interface LogCursor {
  ts: LogTimestamp;
  n: number;
  into: number;
  /** How many bytes a read from `ts`'s second sent before this position last time. */
  before: number;
}

/** Cursors for offsets already handed out, by cluster, namespace, pod UID and offset; least recently used go first. */
const LOG_CURSORS_MAX = 1000;
const logCursors = new Map<string, LogCursor>();

export function recallCursor(key: string): LogCursor | null {
  const cursor = logCursors.get(key);
  if (!cursor) return null;
  logCursors.delete(key);
  logCursors.set(key, cursor);
  return cursor;
}

export function rememberCursor(key: string, cursor: LogCursor): void {
  logCursors.delete(key);
  logCursors.set(key, cursor);
  for (const oldest of logCursors.keys()) {
    if (logCursors.size <= LOG_CURSORS_MAX) break;
    logCursors.delete(oldest);
  }
}

/** One line of a timestamped read. */
interface LogLine {
  /** Where the line begins in the read, timestamp included. */
  at: number;
  /** Where its text begins, after the timestamp and its space. */
  start: number;
  /** After its newline, or the end of the read. */
  end: number;
  /** Null for text without a timestamp: the rest of a line that began before `sinceTime`. */
  ts: LogTimestamp | null;
}

/**
 * The lines of a timestamped read. A read from `since` can begin with the rest of a
 * line whose first part is older (no timestamp); a last line without a newline whose
 * timestamp did not parse was cut inside it by `limitBytes`, and is left out.
 */
function splitLogLines(buf: Buffer, since: LogTimestamp | null): LogLine[] {
  const lines: LogLine[] = [];
  for (let at = 0; at < buf.length; ) {
    const newline = buf.indexOf(0x0a, at);
    const end = newline < 0 ? buf.length : newline + 1;
    const space = buf.subarray(at, Math.min(end, at + MAX_TIMESTAMP_PREFIX)).indexOf(0x20);
    let ts = space > 0 ? parseLogTimestamp(buf.toString('latin1', at, at + space)) : null;
    if (ts && at === 0 && since && compareTimestamps(ts, since) < 0) ts = null;
    if (!ts && at > 0 && newline < 0) break;
    lines.push(ts ? { at, start: at + space + 1, end, ts } : { at, start: at, end, ts: null });
    at = end;
  }
  return lines;
}

type LogStart = { skip: number } | LogCursor;

type FollowResult =
  /** The read stopped (at `limitBytes`) before anything new could be told: read more. */
  | { more: true }
  /** Log text from the start on, and the cursor after it (null when none can be placed). */
  | { more: false; text: Buffer; cursor: LogCursor | null };

/**
 * What a timestamped read holds after `from`: at most {@link LOG_CHUNK_BYTES} of log
 * text, ending after a whole line where one fits. A line without its newline yet is
 * taken as far as it goes, except where `limitBytes` cut it (`truncated`) or it ends
 * inside a character the container may still complete (unless it has terminated, `final`);
 * a single line longer than a chunk is taken a chunk at a time.
 */
export function followLog(buf: Buffer, o: { since: LogTimestamp | null; from: LogStart; truncated: boolean; final: boolean }): FollowResult {
  const lines = splitLogLines(buf, o.since);
  const lastCut = o.truncated && lines.length > 0 && buf[lines.at(-1)!.end - 1] !== 0x0a ? lines.length - 1 : -1;

  // Where `bytes` of log text after the start of line `first` end (line `i`, at `p` in the read); null when the read holds fewer.
  const walk = (first: number, bytes: number): { i: number; p: number } | null => {
    let remaining = bytes;
    for (let k = first; k < lines.length; k++) {
      const line = lines[k]!;
      if (remaining < line.end - line.start) return { i: k, p: line.start + remaining };
      remaining -= line.end - line.start;
    }
    return remaining === 0 ? { i: lines.length, p: buf.length } : null;
  };
  let start: { i: number; p: number } | null;
  if ('skip' in o.from) {
    start = walk(0, o.from.skip);
  } else {
    const { ts, n, into } = o.from;
    let anchor = -1;
    for (let k = 0, seen = 0; k < lines.length && anchor < 0; k++) {
      if (sameTimestamp(lines[k]!.ts, ts) && ++seen === n) anchor = k;
    }
    if (anchor >= 0) {
      start = walk(anchor, into);
    } else if (o.truncated) {
      return { more: true };
    } else {
      // The line is no longer in the log (rotated away): go on from the first line stamped after it.
      const next = lines.findIndex((l) => l.ts !== null && compareTimestamps(l.ts, ts) > 0);
      start = next < 0 ? { i: lines.length, p: buf.length } : { i: next, p: lines[next]!.start };
    }
  }
  // Fewer bytes than the offset: a read cut short, or a log that is shorter (rotated).
  if (!start) return o.truncated ? { more: true } : { more: false, text: Buffer.alloc(0), cursor: null };

  const parts: Buffer[] = [];
  let taken = 0;
  let endLine = start.i;
  let endAt = start.p;
  for (let k = start.i; k < lines.length; k++) {
    const line = lines[k]!;
    const from = k === start.i ? start.p : line.start;
    const length = line.end - from;
    const whole = buf[line.end - 1] === 0x0a;
    let keep: number;
    if (length > LOG_CHUNK_BYTES - taken) {
      // Does not fit: stop before it, unless it is a single line longer than a chunk.
      if (taken > 0) break;
      keep = completeUtf8Length(buf.subarray(from, from + LOG_CHUNK_BYTES));
    } else if (whole) {
      keep = length;
    } else if (k === lastCut) {
      break;
    } else {
      keep = o.final ? length : completeUtf8Length(buf.subarray(from, line.end));
    }
    if (keep > 0) {
      parts.push(buf.subarray(from, from + keep));
      taken += keep;
      endLine = k;
      endAt = from + keep;
    }
    if (keep < length) break;
  }
  if (taken === 0 && o.truncated) return { more: true };

  // The cursor: anchored on the last timestamped line at or before the position.
  if (endLine >= lines.length) {
    endLine = lines.length - 1;
    endAt = lines.at(-1)?.end ?? 0;
  }
  let anchor = endLine;
  while (anchor >= 0 && lines[anchor]!.ts === null) anchor--;
  const text = Buffer.concat(parts);
  if (anchor < 0) return { more: false, text, cursor: null };
  const ts = lines[anchor]!.ts!;
  let into = endAt - lines[endLine]!.start;
  for (let k = anchor; k < endLine; k++) into += lines[k]!.end - lines[k]!.start;
  let n = 0;
  for (let k = 0; k <= anchor; k++) if (sameTimestamp(lines[k]!.ts, ts)) n++;
  // A read from the same second starts where this one did; from a later one, at its first line.
  const readFrom = o.since?.sec === ts.sec ? 0 : lines.find((l) => l.ts !== null && l.ts.sec >= ts.sec)!.at;
  return { more: false, text, cursor: { ts, n, into, before: endAt - readFrom } };
}

/** `sinceTime` as the API takes it: RFC3339 in whole seconds. */
export const sinceTimeParam = (sec: number) => new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');


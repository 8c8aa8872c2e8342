/**
 * The lines of a failed attempt's log that say why it failed, for the job's banner, the
 * timeline and `gantry jobs show`: the last Python traceback (its header, the innermost
 * frames and the exception, with anything that looks like an error printed after it), else
 * the last error lines (`ERROR: …`, `Error: …`, `… failed`), else the last lines of output.
 * Read from the end of the log, where a process that fails says why.
 */

/** How much of the log's end is read for the excerpt. */
export const EXCERPT_LOG_TAIL_BYTES = 64 * 1024;
const MAX_LINES = 40;
const MAX_LINE_CHARS = 300;
/** Frames kept from the end of a traceback: the innermost, where the exception was raised. */
const FRAMES_KEPT = 3;
const EXCEPTION_LINES = 12;
const ERROR_LINES = 8;
const TAIL_LINES = 5;

const TRACEBACK = /^\s*Traceback \(most recent call last\):\s*$/;
const ERROR_LINE = /\b(error|fatal|panic)\b|\w(Error|Exception)\b|\bfailed\b|^Killed\b/i;

const clip = (line: string) => (line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line);

/** The log as a terminal shows it: colours gone, a line rewritten with `\r` shown as last written. */
function terminalLines(log: string): string[] {
  const plain = log.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');
  const lines = plain.split('\n').map((l) => (l.split('\r').findLast((part) => part.trim() !== '') ?? '').trimEnd());
  while (lines.length && lines.at(-1) === '') lines.pop();
  return lines;
}

/** The excerpt; null for a log with no output. */
export function failureExcerpt(log: string): string | null {
  const lines = terminalLines(log);
  if (!lines.some((l) => l.trim())) return null;
  const header = lines.findLastIndex((l) => TRACEBACK.test(l));
  let out: string[] | null = null;
  let after = lines.length;
  if (header >= 0) {
    let i = header + 1;
    const frames: string[] = [];
    while (i < lines.length && /^\s/.test(lines[i]!)) frames.push(lines[i++]!);
    const exception: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && exception.length < EXCEPTION_LINES) exception.push(lines[i++]!);
    if (exception.length) {
      const starts = frames.flatMap((f, n) => (/^\s*File "/.test(f) ? [n] : []));
      const from = starts.length > FRAMES_KEPT ? starts[starts.length - FRAMES_KEPT]! : 0;
      out = [lines[header]!.trim(), ...(from > 0 ? ['  …'] : []), ...frames.slice(from), ...exception];
      after = i;
    }
  }
  // Errors said after the traceback (or, without one, anywhere near the end).
  const errors = lines
    .slice(out ? after : Math.max(0, lines.length - 200))
    .filter((l) => ERROR_LINE.test(l))
    .slice(-ERROR_LINES);
  if (out) out.push(...errors);
  else out = errors.length ? errors : lines.filter((l) => l.trim()).slice(-TAIL_LINES);
  return out.slice(-MAX_LINES).map(clip).join('\n');
}

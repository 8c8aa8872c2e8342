import { CliError } from './exit-codes';

/** Where the CLI writes; tests pass collectors, bin.mjs the real streams. */
export interface Streams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * `gty_<12 id>_<secret>`: everything after the ID is secret. Anything shaped like a
 * key is cut back to its public prefix before it reaches a terminal or a log; a
 * malformed one (a typo of a real key is still mostly secret) loses everything.
 */
export function redactSecrets(text: string): string {
  return text.replace(/gty_[0-9A-Za-z_]+/g, (m) => {
    const prefix = /^gty_[0-9A-Za-z]{12}(?=_|$)/.exec(m)?.[0];
    if (!prefix) return 'gty_…';
    return m.length > prefix.length ? `${prefix}…` : prefix;
  });
}

/** The public prefix of a key (`gty_ab12cd34ef56`), the only part ever shown. */
export function keyPrefix(key: string): string | null {
  return /^gty_[0-9A-Za-z]{12}(?=_|$)/.exec(key.trim())?.[0] ?? null;
}

/**
 * Human text or JSON, decided once by --json. In JSON mode stdout carries exactly
 * one JSON document for a successful command and stderr carries one JSON object per
 * line (`{"error":…}` or `{"warning":…}`), so scripts can parse both.
 */
export class Output {
  constructor(
    private readonly streams: Streams,
    readonly json: boolean,
  ) {}

  /** A command's result: `human` for people, `machine` for --json. */
  result(human: string, machine: unknown): void {
    if (this.json) this.streams.stdout(`${JSON.stringify(machine)}\n`);
    else this.streams.stdout(human.endsWith('\n') ? human : `${human}\n`);
  }

  /** Plain text on stdout regardless of mode (help, version). */
  text(text: string): void {
    this.streams.stdout(text.endsWith('\n') ? text : `${text}\n`);
  }

  /**
   * Text streamed as it arrives (a job's log) on stdout, written as is: no newline
   * added, keys redacted. Nothing in --json mode, whose stdout is one JSON document.
   */
  stream(chunk: string): void {
    if (!this.json && chunk !== '') this.streams.stdout(redactSecrets(chunk));
  }

  /**
   * A progress line for people on stderr (a job's status changes while following it),
   * so stdout stays the log alone. Nothing in --json mode.
   */
  progress(line: string): void {
    if (!this.json) this.streams.stderr(`${redactSecrets(line)}\n`);
  }

  warn(code: string, message: string): void {
    const safe = redactSecrets(message);
    if (this.json) this.streams.stderr(`${JSON.stringify({ warning: { code, message: safe } })}\n`);
    else this.streams.stderr(`gantry: warning: ${safe}\n`);
  }

  /** `withHint: false` for follow-up errors of one response, whose next step was already given. */
  error(err: CliError, { withHint = true }: { withHint?: boolean } = {}): void {
    const message = redactSecrets(err.message);
    if (this.json) {
      const error: Record<string, unknown> = { code: err.code, message };
      if (err.retryAfterSeconds !== undefined) error.retryAfterSeconds = err.retryAfterSeconds;
      if (err.details) Object.assign(error, JSON.parse(redactSecrets(JSON.stringify(err.details))));
      this.streams.stderr(`${JSON.stringify({ error })}\n`);
      return;
    }
    const lines = [`gantry: ${message}${err.fromServer ? ` [${err.code}]` : ''}`];
    if (err.retryAfterSeconds !== undefined) lines.push(`Retry after ${formatSeconds(err.retryAfterSeconds)}.`);
    if (err.hint && withHint) lines.push(redactSecrets(err.hint));
    this.streams.stderr(`${lines.join('\n')}\n`);
  }
}

function formatSeconds(s: number): string {
  return s === 1 ? '1 second' : `${s} seconds`;
}

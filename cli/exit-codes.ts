/**
 * The CLI's exit codes: the one place the platform's error codes (core/errors.ts
 * ErrorCode, GraphQL `extensions.code`) and HTTP statuses become process exit codes,
 * so scripts can branch on the kind of failure without parsing messages.
 */
export const EXIT = {
  OK: 0,
  /** A bug or an answer nobody planned for; retrying is unlikely to help. */
  INTERNAL: 1,
  /** The command line itself is wrong. */
  USAGE: 2,
  /** No API key, or the server did not accept it. */
  UNAUTHENTICATED: 3,
  /** Authenticated, but the object is missing or off-limits (other tenants' objects answer NOT_FOUND). */
  FORBIDDEN: 4,
  /** The server understood the request and rejected its content. */
  BAD_INPUT: 5,
  /** Nothing wrong with the request: try again later. */
  UNAVAILABLE: 6,
  /** A followed job ended failed or cancelled (`jobs submit --follow`, `jobs logs --follow`). */
  JOB_FAILED: 7,
  /** `audit verify` found the organization's audit hash chain broken: a row was changed or removed outside Gantry. */
  AUDIT_CHAIN_BROKEN: 8,
  /** Ctrl-C at a prompt or while following a job: the shell convention, 128 + SIGINT. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const BY_ERROR_CODE: Record<string, ExitCode> = {
  UNAUTHENTICATED: EXIT.UNAUTHENTICATED,
  FORBIDDEN: EXIT.FORBIDDEN,
  NOT_FOUND: EXIT.FORBIDDEN,
  // A spending limit is a policy refusal: retrying will not help until someone raises the budget.
  BUDGET_EXCEEDED: EXIT.FORBIDDEN,
  PLAN_LIMIT_EXCEEDED: EXIT.FORBIDDEN,
  BAD_USER_INPUT: EXIT.BAD_INPUT,
  CONFLICT: EXIT.BAD_INPUT,
  QUERY_TOO_COMPLEX: EXIT.BAD_INPUT,
  // Codes graphql-js and Apollo give documents they cannot parse, validate or run.
  GRAPHQL_PARSE_FAILED: EXIT.BAD_INPUT,
  GRAPHQL_VALIDATION_FAILED: EXIT.BAD_INPUT,
  BAD_REQUEST: EXIT.BAD_INPUT,
  OPERATION_RESOLUTION_FAILURE: EXIT.BAD_INPUT,
  PERSISTED_QUERY_NOT_FOUND: EXIT.BAD_INPUT,
  RATE_LIMITED: EXIT.UNAVAILABLE,
  UNAVAILABLE: EXIT.UNAVAILABLE,
  // The server failed (it answers INTERNAL where it would otherwise leak details): same as a 5xx.
  INTERNAL: EXIT.UNAVAILABLE,
};

/**
 * Exit code for a server error. The error code wins when there is one; the HTTP
 * status decides for answers without one (a proxy's 502, a bare 401).
 */
export function exitCodeFor(code: string | undefined, httpStatus?: number): ExitCode {
  if (code && code in BY_ERROR_CODE) return BY_ERROR_CODE[code]!;
  if (httpStatus === undefined) return EXIT.INTERNAL;
  if (httpStatus === 401) return EXIT.UNAUTHENTICATED;
  if (httpStatus === 403 || httpStatus === 404) return EXIT.FORBIDDEN;
  if (httpStatus === 429 || httpStatus >= 500) return EXIT.UNAVAILABLE;
  if (httpStatus === 400 || httpStatus === 409 || httpStatus === 422) return EXIT.BAD_INPUT;
  return EXIT.INTERNAL;
}

/** Shown by `gantry --help`; kept next to the mapping so the two cannot drift. */
export const EXIT_CODES_HELP = `Exit codes:
  0    success
  1    unexpected error (a bug, or an answer the CLI does not understand)
  2    usage error: unknown command or flag, missing or malformed argument
  3    not authenticated: no API key, or the server rejected it
       (UNAUTHENTICATED, HTTP 401)
  4    forbidden or not found (FORBIDDEN, NOT_FOUND, BUDGET_EXCEEDED, PLAN_LIMIT_EXCEEDED)
  5    bad input or conflict (BAD_USER_INPUT, CONFLICT, QUERY_TOO_COMPLEX,
       GraphQL parse and validation errors)
  6    server unreachable, failing or rate limited (network error, HTTP 5xx,
       INTERNAL, UNAVAILABLE, RATE_LIMITED / HTTP 429): try again later,
       after the Retry-After the error shows
  7    the followed job failed or was cancelled (jobs submit --follow,
       jobs logs --follow)
  8    the audit log's hash chain is broken (audit verify)
  130  interrupted (Ctrl-C) at a prompt, or while following a job (the job
       keeps running)`;

/**
 * Every expected failure is thrown as a CliError and printed once by main:
 * `code` is what --json prints, `exitCode` what the process returns.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code: string;
  readonly exitCode: ExitCode;
  /** A next step for humans; not part of --json output. */
  readonly hint?: string;
  readonly retryAfterSeconds?: number;
  /** Extra machine-readable detail (GraphQL path, field issues) for --json. */
  readonly details?: Record<string, unknown>;
  /** The code came from the server, so humans see it too (it is what support and docs refer to). */
  readonly fromServer: boolean;

  constructor(
    code: string,
    message: string,
    exitCode: ExitCode,
    opts: { hint?: string; retryAfterSeconds?: number; details?: Record<string, unknown>; fromServer?: boolean } = {},
  ) {
    super(message);
    this.code = code;
    this.exitCode = exitCode;
    this.fromServer = opts.fromServer ?? false;
    if (opts.hint !== undefined) this.hint = opts.hint;
    if (opts.retryAfterSeconds !== undefined) this.retryAfterSeconds = opts.retryAfterSeconds;
    if (opts.details !== undefined) this.details = opts.details;
  }
}

export const usageError = (message: string, hint?: string) => new CliError('USAGE_ERROR', message, EXIT.USAGE, hint ? { hint } : {});

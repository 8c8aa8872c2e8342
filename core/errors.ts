/**
 * The one error type the domain throws. Every transport (GraphQL, REST, CLI)
 * maps `code` once; `message` is safe to show to the caller.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'BUDGET_EXCEEDED',
  /** The organization's plan allows no more of something (seats, clusters, jobs at once). */
  'PLAN_LIMIT_EXCEEDED',
  'RATE_LIMITED',
  'QUERY_TOO_COMPLEX',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  CONFLICT: 409,
  BUDGET_EXCEEDED: 402,
  PLAN_LIMIT_EXCEEDED: 402,
  RATE_LIMITED: 429,
  QUERY_TOO_COMPLEX: 400,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export interface FieldIssue {
  path: string;
  message: string;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  /** Per-field validation problems, for forms. */
  readonly fields: FieldIssue[];
  /** Seconds a client should wait, for RATE_LIMITED. */
  readonly retryAfterSeconds?: number;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { fields?: FieldIssue[]; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.fields = opts.fields ?? [];
    if (opts.retryAfterSeconds !== undefined) this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
export const forbidden = (message = 'You do not have permission to do this') =>
  new AppError('FORBIDDEN', message);
export const unauthenticated = (message = 'Sign in or provide a valid API key') =>
  new AppError('UNAUTHENTICATED', message);

/** Postgres SQLSTATE → AppError for the few constraint failures users can cause. */
export function fromPgError(e: unknown, conflictMessage: string): never {
  // Drizzle wraps the driver's error (DrizzleQueryError) and keeps it as the cause.
  const code = (e as { code?: string } | null)?.code ?? (e as { cause?: { code?: string } } | null)?.cause?.code;
  if (code === '23505') throw new AppError('CONFLICT', conflictMessage, { cause: e });
  throw e;
}

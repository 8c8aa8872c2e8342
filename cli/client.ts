import { CliError, EXIT, exitCodeFor } from './exit-codes';

export interface GraphQLErrorEntry {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; retryAfterSeconds?: number; fields?: unknown; [k: string]: unknown };
}

/** One GraphQL-over-HTTP exchange, as the server answered it. */
export interface GraphQLResponse<T> {
  status: number;
  data: T | null | undefined;
  errors: GraphQLErrorEntry[];
  /** From the Retry-After header, in seconds. */
  retryAfterSeconds?: number;
}

export interface ClientOptions {
  /** Base URL of the platform, already normalized (see normalizeUrl). */
  url: string;
  apiKey?: string;
  userAgent: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function networkProblem(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    default:
      if (cause?.code?.startsWith('ERR_TLS') || /certificate/i.test(cause?.message ?? '')) return `TLS error: ${cause?.message}`;
      return cause?.message ?? cause?.code ?? (e as Error).message;
  }
}

/**
 * POST /api/graphql with `Authorization: Bearer <key>`. Transport failures (no
 * connection, timeout, an answer that is not GraphQL) throw CliError; GraphQL errors
 * come back in the response so callers can still use partial data.
 */
export class GantryClient {
  readonly endpoint: string;

  constructor(private readonly opts: ClientOptions) {
    this.endpoint = `${opts.url}/api/graphql`;
  }

  async request<T = unknown>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json;q=0.9',
      'user-agent': this.opts.userAgent,
    };
    if (this.opts.apiKey !== undefined) {
      // fetch would reject such a header with a TypeError that reads like a network failure.
      if (!/^[\x21-\x7e]+$/.test(this.opts.apiKey)) {
        throw new CliError('UNAUTHENTICATED', 'The API key contains spaces or characters no API key has; check what was pasted.', EXIT.UNAUTHENTICATED);
      }
      headers.authorization = `Bearer ${this.opts.apiKey}`;
    }

    const timeoutMs = this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(this.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify(variables && Object.keys(variables).length > 0 ? { query, variables } : { query }),
        // A redirect would resend the key to wherever it points (and turn the POST into a GET).
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      if ((e as Error).name === 'TimeoutError') {
        throw new CliError('TIMEOUT', `Gantry at ${this.opts.url} did not answer within ${Math.round(timeoutMs / 1000)} seconds.`, EXIT.UNAVAILABLE);
      }
      throw new CliError('UNREACHABLE', `Could not reach Gantry at ${this.opts.url} (${networkProblem(e)}).`, EXIT.UNAVAILABLE, {
        hint: 'Is the platform running? Point the CLI at it with --url or GANTRY_URL.',
      });
    }

    const retryAfterSeconds = parseRetryAfter(res.headers.get('retry-after'));
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location');
      throw new CliError('REDIRECTED', `Gantry at ${this.opts.url} redirected the request${location ? ` to ${location}` : ''}.`, EXIT.INTERNAL, {
        hint: 'Use the final address with --url (for example https:// instead of http://).',
      });
    }

    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new CliError('UNREACHABLE', `The connection to ${this.opts.url} broke while reading the answer (${networkProblem(e)}).`, EXIT.UNAVAILABLE);
    }
    const body = parseGraphQLBody(text);
    if (body) {
      const out: GraphQLResponse<T> = { status: res.status, data: body.data as T | null | undefined, errors: body.errors };
      if (retryAfterSeconds !== undefined) out.retryAfterSeconds = retryAfterSeconds;
      return out;
    }

    // Not GraphQL: a proxy, a load balancer, or a different server at this URL.
    const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    if (res.status === 429) {
      throw new CliError('RATE_LIMITED', `Gantry at ${this.opts.url} is rate limiting requests (${status}).`, EXIT.UNAVAILABLE, retryAfterSeconds !== undefined ? { retryAfterSeconds } : {});
    }
    if (res.status >= 500) {
      throw new CliError('SERVER_ERROR', `Gantry at ${this.opts.url} failed to answer (${status}).`, EXIT.UNAVAILABLE, {
        hint: 'Try again later.',
        ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      });
    }
    if (res.status === 401) {
      throw new CliError('UNAUTHENTICATED', `Gantry at ${this.opts.url} rejected the credentials (${status}).`, EXIT.UNAUTHENTICATED);
    }
    const type = res.headers.get('content-type')?.split(';')[0] ?? 'no content type';
    throw new CliError('BAD_RESPONSE', `${this.endpoint} answered ${status} (${type}), which is not a GraphQL response.`, EXIT.INTERNAL, {
      hint: 'Check that --url / GANTRY_URL points at the Gantry web app.',
    });
  }
}

function parseGraphQLBody(text: string): { data?: unknown; errors: GraphQLErrorEntry[] } | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const o = json as { data?: unknown; errors?: unknown };
  const hasErrors = Array.isArray(o.errors) && o.errors.length > 0;
  if (!('data' in o) && !hasErrors) return null;
  const errors = hasErrors
    ? (o.errors as unknown[]).map((e): GraphQLErrorEntry => {
        const entry = (typeof e === 'object' && e !== null ? e : {}) as Partial<GraphQLErrorEntry>;
        return { ...entry, message: typeof entry.message === 'string' ? entry.message : 'Unknown error' };
      })
    : [];
  return { data: o.data, errors };
}

/**
 * The CliError for a GraphQL error: `extensions.code` decides the exit code, the
 * HTTP status stands in when the error has no code.
 */
export function errorFromGraphQL(response: GraphQLResponse<unknown>, error: GraphQLErrorEntry = response.errors[0]!): CliError {
  const code = typeof error.extensions?.code === 'string' ? error.extensions.code : undefined;
  const exitCode = exitCodeFor(code, response.status);
  const retryAfterSeconds =
    response.retryAfterSeconds ?? (typeof error.extensions?.retryAfterSeconds === 'number' ? error.extensions.retryAfterSeconds : undefined);
  const details: Record<string, unknown> = {};
  if (error.path) details.path = error.path;
  if (error.extensions?.fields) details.fields = error.extensions.fields;
  const path = error.path?.length ? ` (at ${error.path.join('.')})` : '';
  return new CliError(code ?? `HTTP_${response.status}`, `${error.message}${path}`, exitCode, {
    fromServer: true,
    ...(exitCode === EXIT.UNAUTHENTICATED ? { hint: `Run 'gantry login' with a valid API key, or set GANTRY_API_KEY.` } : {}),
    ...(exitCode === EXIT.UNAVAILABLE && retryAfterSeconds === undefined ? { hint: 'Try again later.' } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    ...(Object.keys(details).length ? { details } : {}),
  });
}

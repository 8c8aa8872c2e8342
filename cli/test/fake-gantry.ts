import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, execute, GraphQLError, parse, validate, type DocumentNode, type GraphQLFormattedError } from 'graphql';

/**
 * A stand-in for the web app's /api/graphql, speaking its wire format: the committed
 * schema, executed by graphql-js; credential failures answered before GraphQL runs
 * (401 + WWW-Authenticate, 429 + Retry-After); parse and validation errors as 400 with
 * GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED; resolver errors as 200 with
 * `extensions.code`. It tests the CLI's transport, not the platform (e2e/cli.spec.ts does).
 */

export const VALID_KEY = 'gty_Tst0Key0Ab12_q9Xk2mLp7Rv4Wz8Bn3Cd6Fh1Jk5Mn0Pq2Rs4Tv6Wx8Yz0Ab';
/** Shaped like a key; the server rate limits it. */
export const THROTTLED_KEY = 'gty_Thr0ttled012_q9Xk2mLp7Rv4Wz8Bn3Cd6Fh1Jk5Mn0Pq2Rs4Tv6Wx8Yz0Ab';
export const RETRY_AFTER_SECONDS = 17;

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: { query?: string; variables?: Record<string, unknown> } | null;
}

const schema = buildSchema(readFileSync(new URL('../../graphql/schema.graphql', import.meta.url), 'utf8'));

const appError = (code: string, message: string, extra: Record<string, unknown> = {}) => new GraphQLError(message, { extensions: { code, ...extra } });

function rootFor(authenticated: boolean) {
  const guard = <T>(value: () => T) => () => {
    if (!authenticated) throw appError('UNAUTHENTICATED', 'Sign in or provide a valid API key');
    return value();
  };
  const team = { id: 'team_01', name: 'Vision', slug: 'vision', description: '', createdAt: '2024-01-01T00:00:00.000Z', members: [] };
  return {
    viewer: guard(() => ({
      user: { id: 'user_01', email: 'ada@example.com', name: 'Ada' },
      organization: { id: 'org_01', name: 'Acme ML', slug: 'acme-ml', createdAt: '2024-01-01T00:00:00.000Z' },
      role: 'owner',
      authMethod: 'API_KEY',
      apiKeyPrefix: VALID_KEY.slice(0, 16),
      permissions: [],
    })),
    teams: guard(() => ({ edges: [{ cursor: 'c1', node: team }], pageInfo: { hasNextPage: false, hasPreviousPage: false } })),
    team: ({ id }: { id: string }) => {
      if (!authenticated) throw appError('UNAUTHENTICATED', 'Sign in or provide a valid API key');
      if (id === team.id) return team;
      throw appError('NOT_FOUND', 'Team not found');
    },
    createTeam: ({ input }: { input: { name: string } }) => {
      if (!authenticated) throw appError('UNAUTHENTICATED', 'Sign in or provide a valid API key');
      if (input.name.trim() === '') {
        throw appError('BAD_USER_INPUT', 'name: Team name is required', { fields: [{ path: 'name', message: 'Team name is required' }] });
      }
      return { ...team, name: input.name };
    },
  };
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

const format = (errors: readonly GraphQLError[], code: string): GraphQLFormattedError[] =>
  errors.map((e) => ({ message: e.message, locations: e.locations, extensions: { code } }));

async function handle(req: http.IncomingMessage, res: http.ServerResponse, seen: SeenRequest[]) {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  let body: SeenRequest['body'] = null;
  try {
    body = raw ? JSON.parse(raw) : null;
  } catch {
    body = null;
  }
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });

  // Paths that stand for other things living at a URL: a broken proxy, a different site.
  if (req.url === '/proxy-down/api/graphql') {
    res.writeHead(502, { 'content-type': 'text/html' });
    return res.end('<html><body>502 Bad Gateway</body></html>');
  }
  if (req.url !== '/api/graphql' || req.method !== 'POST') {
    res.writeHead(404, { 'content-type': 'text/html' });
    return res.end('<!DOCTYPE html><title>404</title>');
  }
  // Apollo's CSRF prevention: a POST must declare a JSON body.
  if (!req.headers['content-type']?.startsWith('application/json')) {
    return send(res, 400, { errors: [{ message: 'This operation has been blocked as a potential CSRF', extensions: { code: 'BAD_REQUEST' } }] });
  }

  const auth = req.headers.authorization;
  const token = auth ? /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim() ?? auth : null;
  if (token === THROTTLED_KEY) {
    return send(res, 429, { errors: [{ message: 'Too many requests; slow down', extensions: { code: 'RATE_LIMITED' } }] }, { 'retry-after': String(RETRY_AFTER_SECONDS) });
  }
  if (token !== null && token !== VALID_KEY) {
    return send(res, 401, { errors: [{ message: 'The API key is not valid', extensions: { code: 'UNAUTHENTICATED' } }] }, { 'www-authenticate': 'Bearer' });
  }

  if (!body || typeof body.query !== 'string') {
    return send(res, 400, { errors: [{ message: 'POST body sent invalid JSON or no query', extensions: { code: 'BAD_REQUEST' } }] });
  }
  let document: DocumentNode;
  try {
    document = parse(body.query);
  } catch (e) {
    return send(res, 400, { errors: format([e as GraphQLError], 'GRAPHQL_PARSE_FAILED') });
  }
  const invalid = validate(schema, document);
  if (invalid.length > 0) return send(res, 400, { errors: format(invalid, 'GRAPHQL_VALIDATION_FAILED') });

  const result = await execute({ schema, document, rootValue: rootFor(token !== null), variableValues: body.variables ?? {} });
  // No data at all means the variables were rejected before execution: a request error.
  if (result.data === undefined) return send(res, 400, { errors: format(result.errors ?? [], 'BAD_USER_INPUT') });
  const errors = result.errors?.map((e) => ({ message: e.message, path: e.path, extensions: { code: 'BAD_USER_INPUT', ...e.extensions } }));
  send(res, 200, errors ? { errors, data: result.data ?? null } : { data: result.data });
}

export async function startFakeGantry(): Promise<{ url: string; seen: SeenRequest[]; close: () => Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    handle(req, res, seen).catch((e: unknown) => send(res, 500, { errors: [{ message: String(e), extensions: { code: 'INTERNAL' } }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

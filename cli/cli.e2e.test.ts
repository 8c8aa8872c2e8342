import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withChecksum } from '../core/auth/api-key-format';
import { authenticateApiKey } from '../core/auth/authenticate-api-key';
import { createApiKey } from '../core/auth/create-api-key';
import { isAppError } from '../core/errors';
import { createTeam } from '../core/tenancy/create-team';
import { signUpUser, testMeta, type SignedUp } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import { VIEWER_QUERY } from './commands/whoami';
import { serveApi, type SeenRequest, type ServedApi } from '../testing/serve-api';

/**
 * The real executable (`node cli/bin.mjs`, TypeScript loaded through tsx) as a child
 * process against the web app's real /api/graphql route over HTTP, on a real database,
 * checking what a user or a script sees: stdout, stderr, exit code and the config file on disk.
 */

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let db: TestDatabase;
let server: ServedApi;
let ada: SignedUp;
/** Ada's key, and one the server rate limits. */
let VALID_KEY = '';
let THROTTLED_KEY = '';
let PREFIX = '';
let SECRET_PART = '';
let teamId = '';
let tmp: string;
let configFile: string;

function gantry(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    // A clean environment: nothing from the developer's own gantry setup leaks in.
    const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: tmp, GANTRY_CONFIG: configFile, ...opts.env };
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: tmp,
      env: env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

/** The secret half of the key must never appear anywhere a user or a log can see. */
function expectNoSecret(r: Result) {
  expect(r.stdout).not.toContain(SECRET_PART);
  expect(r.stderr).not.toContain(SECRET_PART);
}

const mode = (p: string) => statSync(p).mode & 0o777;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((r) => closed.close(() => r()));
  return port;
}
const lastRequest = (): SeenRequest => server.seen.at(-1)!;

/**
 * Spends the key's per-minute allowance the way requests do, so the server answers 429
 * until the window ends; a window about to end is waited out first, so the limit
 * holds for the test that uses it.
 */
async function throttle(key: string) {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 20_000) await sleep(left + 100);
  for (;;) {
    try {
      await authenticateApiKey(key, testMeta());
    } catch (e) {
      if (isAppError(e) && e.code === 'RATE_LIMITED') return;
      throw e;
    }
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  server = await serveApi();
  ada = await signUpUser('ada', 'Acme ML');
  const key = await createApiKey(ada.ctx, { name: 'laptop', scopes: ['admin'] });
  VALID_KEY = key.secret;
  PREFIX = key.apiKey.prefix;
  SECRET_PART = VALID_KEY.slice(PREFIX.length + 1);
  THROTTLED_KEY = (await createApiKey(ada.ctx, { name: 'busy', scopes: ['read'] })).secret;
  teamId = (await createTeam(ada.ctx, { name: 'Vision' })).id;
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
});
beforeEach(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'gantry-cli-e2e-'));
  configFile = path.join(tmp, 'conf', 'gantry', 'config.json');
  server.seen.length = 0;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function loggedIn() {
  const r = await gantry(['login', '--url', server.url, '--key', VALID_KEY]);
  expect(r.code, r.stderr).toBe(0);
}

describe('login', () => {
  it('verifies the key, then stores it in a 0600 file', async () => {
    const r = await gantry(['login', '--url', server.url, '--key', VALID_KEY]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Logged in to ${server.url}`);
    expect(r.stdout).toContain(ada.actor.email);
    expect(r.stdout).toContain('Acme ML (acme-ml)');
    expect(r.stdout).toContain(PREFIX);
    expectNoSecret(r);

    const req = lastRequest();
    expect(req).toMatchObject({ method: 'POST', url: '/api/graphql', body: { query: VIEWER_QUERY } });
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.authorization).toBe(`Bearer ${VALID_KEY}`);

    expect(mode(configFile)).toBe(0o600);
    expect(mode(path.dirname(configFile))).toBe(0o700);
    expect(JSON.parse(readFileSync(configFile, 'utf8'))).toEqual({ url: server.url, apiKey: VALID_KEY });
  });

  it('prints the identity as JSON with --json', async () => {
    const r = await gantry(['login', '--url', server.url, '--key', VALID_KEY, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      url: server.url,
      user: { email: ada.actor.email },
      organization: { name: 'Acme ML', slug: 'acme-ml' },
      role: 'owner',
      authMethod: 'API_KEY',
      apiKeyPrefix: PREFIX,
      configFile,
    });
    expect(r.stderr).toBe('');
  });

  it('reads the key from GANTRY_API_KEY or from stdin with --key -', async () => {
    expect((await gantry(['login', '--url', server.url], { env: { GANTRY_API_KEY: VALID_KEY } })).code).toBe(0);
    rmSync(configFile);
    const r = await gantry(['login', '--url', server.url, '--key', '-'], { stdin: `${VALID_KEY}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(configFile, 'utf8')).apiKey).toBe(VALID_KEY);
  });

  it('rejects a bad key with exit 3 and keeps the stored one', async () => {
    await loggedIn();
    // Well formed, the same key ID, another secret.
    const bad = withChecksum(`${VALID_KEY.slice(0, -10)}zzzz`);
    const r = await gantry(['login', '--url', server.url, '--key', bad]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/The API key is not valid \[UNAUTHENTICATED\]/);
    expect(r.stderr).not.toContain(bad.slice(17));
    expect(JSON.parse(readFileSync(configFile, 'utf8')).apiKey).toBe(VALID_KEY);
  });

  it('does not create a config file when the key is rejected', async () => {
    const r = await gantry(['login', '--url', server.url, '--key', 'gty_nonsense', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'The API key is malformed' } });
    expect(existsSync(configFile)).toBe(false);
  });

  it('narrows an existing world-readable config file', async () => {
    await loggedIn();
    chmodSync(configFile, 0o644);
    const r = await gantry(['whoami']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .*readable by other users \(mode 0644\); changed it to 0600/);
    expect(mode(configFile)).toBe(0o600);
  });
});

describe('whoami', () => {
  it('prints user, organization, role and key prefix', async () => {
    await loggedIn();
    const r = await gantry(['whoami']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        `Logged in to ${server.url}`,
        `  User:          ${ada.actor.email}`,
        '  Organization:  Acme ML (acme-ml)',
        '  Role:          owner',
        `  API key:       ${PREFIX}`,
        '',
      ].join('\n'),
    );
    expectNoSecret(r);
  });

  it('prints a JSON object with --json', async () => {
    await loggedIn();
    const r = await gantry(['whoami', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ user: { email: ada.actor.email }, role: 'owner', apiKeyPrefix: PREFIX, apiKeySource: 'config' });
  });

  it('prefers GANTRY_API_KEY over the stored key', async () => {
    await loggedIn();
    const r = await gantry(['whoami'], { env: { GANTRY_API_KEY: 'gty_wrongwrongwr_x' } });
    expect(r.code).toBe(3);
    expect(lastRequest().headers.authorization).toBe('Bearer gty_wrongwrongwr_x');
  });

  it('exits 3 without a key, sending nothing', async () => {
    const r = await gantry(['whoami', '--url', server.url]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`Not logged in to ${server.url}.`);
    expect(server.seen).toEqual([]);
  });

  it('does not send the stored key to a different URL', async () => {
    await loggedIn();
    server.seen.length = 0;
    const other = server.url.replace('127.0.0.1', 'localhost');
    const r = await gantry(['whoami', '--url', other]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`the stored API key is for ${server.url}`);
    expect(server.seen).toEqual([]);
  });
});

describe('graphql', () => {
  const TEAMS = '{ teams { edges { node { name } } } }';

  it('prints the data, pretty for people and {data} with --json', async () => {
    await loggedIn();
    const human = await gantry(['graphql', TEAMS]);
    expect(human.code).toBe(0);
    expect(JSON.parse(human.stdout)).toEqual({ teams: { edges: [{ node: { name: 'Vision' } }] } });
    expect(human.stdout).toContain('\n  "teams"');
    const machine = await gantry(['graphql', TEAMS, '--json']);
    expect(machine.code).toBe(0);
    expect(JSON.parse(machine.stdout)).toEqual({ data: { teams: { edges: [{ node: { name: 'Vision' } }] } } });
    expect(machine.stderr).toBe('');
  });

  it('sends variables with their declared types', async () => {
    await loggedIn();
    const r = await gantry(['graphql', 'query ($n: Int, $id: ID!) { teams(first: $n) { pageInfo { hasNextPage } } team(id: $id) { name } }', '--var', 'n=2', '--var', `id=${teamId}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(lastRequest().body?.variables).toEqual({ n: 2, id: teamId });
  });

  it('reads the document from stdin with -', async () => {
    await loggedIn();
    const r = await gantry(['graphql', '-', '--json'], { stdin: TEAMS });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).data.teams.edges).toHaveLength(1);
  });

  it('exits 5 for BAD_USER_INPUT, with the code on stderr', async () => {
    await loggedIn();
    const r = await gantry(['graphql', 'mutation { createTeam(input:{name:""}) { id } }']);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('gantry: Team name is required (at createTeam) [BAD_USER_INPUT]\n');
    const json = await gantry(['graphql', 'mutation { createTeam(input:{name:""}) { id } }', '--json']);
    expect(JSON.parse(json.stderr)).toEqual({
      error: { code: 'BAD_USER_INPUT', message: 'Team name is required (at createTeam)', path: ['createTeam'], fields: [{ path: 'name', message: 'Team name is required' }] },
    });
  });

  it('exits 5 for a query the schema rejects (HTTP 400)', async () => {
    await loggedIn();
    const r = await gantry(['graphql', '{ teams { nope } }', '--json']);
    expect(r.code).toBe(5);
    expect(JSON.parse(r.stderr).error).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', message: expect.stringContaining('nope') });
    expect((await gantry(['graphql', '{ teams {'])).code).toBe(5);
  });

  it('exits 4 for NOT_FOUND', async () => {
    await loggedIn();
    const r = await gantry(['graphql', '{ team(id: "team_other") { name } }', '--json']);
    expect(r.code).toBe(4);
    // team is non-null in the schema, so the error nulls the whole result: nothing on stdout.
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'NOT_FOUND', message: 'Team not found (at team)', path: ['team'] } });
  });

  it('sends no Authorization header without a key, and exits 3 on UNAUTHENTICATED', async () => {
    const r = await gantry(['graphql', '--url', server.url, TEAMS]);
    expect(r.code).toBe(3);
    expect(lastRequest().headers.authorization).toBeUndefined();
    expect(r.stderr).toMatch(/Sign in or provide a valid API key \(at teams\) \[UNAUTHENTICATED\]\nRun 'gantry login'/);
  });

  it('gets the same HTTP answer over the wire without a key as with a bad one: 401, the Bearer challenge, a GraphQL body', async () => {
    const ask = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: TEAMS }) });
    for (const res of [await ask({}), await ask({ authorization: 'Bearer gty_bad' })]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('exits 3 for HTTP 401 from a bad key', async () => {
    const r = await gantry(['graphql', '--url', server.url, TEAMS], { env: { GANTRY_API_KEY: 'gty_bad' } });
    expect(r.code).toBe(3);
  });
});

describe('transport failures', () => {
  it('exits 6 on 429 and prints Retry-After', async () => {
    await throttle(THROTTLED_KEY);
    const r = await gantry(['whoami', '--url', server.url], { env: { GANTRY_API_KEY: THROTTLED_KEY } });
    expect(r.code).toBe(6);
    const seconds = Number(/Too many requests; try again in (\d+) s \[RATE_LIMITED\]/.exec(r.stderr)?.[1]);
    expect(seconds, r.stderr).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(60);
    // The header and the message come from the same window: they name the same wait.
    expect(r.stderr).toContain(`Retry after ${seconds} seconds.`);
    const json = await gantry(['graphql', '{ viewer { role } }', '--url', server.url, '--json'], { env: { GANTRY_API_KEY: THROTTLED_KEY } });
    expect(json.code).toBe(6);
    const error = (JSON.parse(json.stderr) as { error: { retryAfterSeconds: number } }).error;
    expect(error).toEqual({ code: 'RATE_LIMITED', message: `Too many requests; try again in ${error.retryAfterSeconds} s`, retryAfterSeconds: expect.any(Number) });
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(seconds);
    expect(json.stderr).not.toContain(THROTTLED_KEY.slice(17));
  });

  it('exits 6 when nothing listens at the URL', async () => {
    const port = await closedPort();
    const r = await gantry(['graphql', '{ viewer { role } }', '--url', `http://127.0.0.1:${port}`, '--json']);
    expect(r.code).toBe(6);
    expect(JSON.parse(r.stderr).error).toEqual({ code: 'UNREACHABLE', message: `Could not reach Gantry at http://127.0.0.1:${port} (connection refused).` });
  });

  it('exits 6 on a 5xx that is not GraphQL (a proxy)', async () => {
    // A reverse proxy whose upstream is down answers as proxies do: 502 and an HTML page.
    const upstream = await closedPort();
    const proxy = http.createServer((req, res) => {
      const forward = http.request({ host: '127.0.0.1', port: upstream, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      forward.on('error', () => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body>502 Bad Gateway</body></html>');
      });
      req.pipe(forward);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const r = await gantry(['graphql', '{ viewer { role } }', '--url', `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`]);
      expect(r.code).toBe(6);
      expect(r.stderr).toMatch(/failed to answer \(HTTP 502 Bad Gateway\)/);
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it('exits 1 when the URL is not a Gantry server', async () => {
    const r = await gantry(['graphql', '{ viewer { role } }', '--url', `${server.url}/some-site`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/answered HTTP 404 Not Found \(text\/html\), which is not a GraphQL response/);
  });
});

describe('logout', () => {
  it('removes the key, keeps the URL, and leaves later commands unauthenticated', async () => {
    await loggedIn();
    const r = await gantry(['logout']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`removed the API key ${PREFIX}`);
    expectNoSecret(r);
    expect(JSON.parse(readFileSync(configFile, 'utf8'))).toEqual({ url: server.url });
    expect(mode(configFile)).toBe(0o600);
    const after = await gantry(['whoami']);
    expect(after.code).toBe(3);
    expect(after.stderr).toContain(`Not logged in to ${server.url}.`);
    expect((await gantry(['logout', '--json'])).stdout).toBe(`${JSON.stringify({ loggedOut: false, apiKeyPrefix: null, configFile })}\n`);
  });

  it('uses $XDG_CONFIG_HOME when GANTRY_CONFIG is not set', async () => {
    const xdg = path.join(tmp, 'xdg');
    const env = { GANTRY_CONFIG: '', XDG_CONFIG_HOME: xdg };
    expect((await gantry(['login', '--url', server.url, '--key', VALID_KEY], { env })).code).toBe(0);
    expect(mode(path.join(xdg, 'gantry', 'config.json'))).toBe(0o600);
    expect((await gantry(['whoami'], { env })).code).toBe(0);
    writeFileSync(path.join(xdg, 'gantry', 'config.json'), '{oops');
    const broken = await gantry(['whoami'], { env });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('is not valid JSON');
  });
});

import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { runCommand } from './helpers';

/**
 * As an ML practitioner I create an API key in my new organization, log the `gantry`
 * CLI in with it, and drive the GraphQL API from my terminal and scripts, relying on
 * exit codes to tell a rejected key from a rejected input.
 */

const BIN = fileURLToPath(new URL('../cli/bin.mjs', import.meta.url));

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  // Only what the CLI needs: the tester's own GANTRY_* settings must not leak in.
  return runCommand(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: os.tmpdir(), ...env } });
}

async function graphql(request: APIRequestContext, query: string) {
  const res = await request.post('/api/graphql', { headers: { 'content-type': 'application/json' }, data: { query } });
  expect(res.status(), await res.text()).toBe(200);
  const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data!;
}

test.describe('gantry CLI', () => {
  let tmp: string;

  test.beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'gantry-cli-e2e-'));
  });
  test.afterEach(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  test('logs in with an API key and queries the API, with meaningful exit codes', async ({ request, baseURL }) => {
    expect(baseURL, 'use.baseURL must point at the running platform').toBeTruthy();
    const suffix = `${Date.now()}-${randomBytes(4).toString('hex')}`;
    const email = `cli-${suffix}@example.com`;
    const password = `cli-pass-${suffix}`;

    await test.step('sign up and sign in through next-auth', async () => {
      const signup = await request.post('/api/auth/signup', {
        data: { email, name: 'CLI Tester', password, organizationName: `CLI Org ${suffix}` },
      });
      expect(signup.status(), await signup.text()).toBe(201);

      const csrf = await request.get('/api/auth/csrf');
      expect(csrf.ok()).toBe(true);
      const { csrfToken } = (await csrf.json()) as { csrfToken: string };
      // json=true: next-auth answers {url} instead of redirecting; the session cookie is kept by `request`.
      const signin = await request.post('/api/auth/callback/credentials', {
        form: { csrfToken, email, password, json: 'true', callbackUrl: baseURL! },
      });
      expect(signin.status(), await signin.text()).toBe(200);
      expect(((await signin.json()) as { url: string }).url).not.toContain('error=');

      const session = await request.get('/api/auth/session');
      expect(((await session.json()) as { user?: { email?: string } }).user?.email).toBe(email);
    });

    const secret = await test.step('create an API key with read and write scopes', async () => {
      const data = await graphql(request, 'mutation { createApiKey(input: { name: "cli", scopes: [read, write] }) { secret } }');
      const key = (data.createApiKey as { secret: string }).secret;
      expect(key).toMatch(/^gty_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$/);
      return key;
    });
    const secretPart = secret.slice(17);
    const configFile = path.join(tmp, 'config', 'gantry', 'config.json');
    const env = { HOME: tmp, GANTRY_CONFIG: configFile };
    const cli = async (args: string[], extraEnv: Record<string, string> = {}) => {
      const r = await runCli([...args, '--url', baseURL!], { ...env, ...extraEnv });
      // Whatever happens, the secret never reaches the terminal.
      expect(r.stdout).not.toContain(secretPart);
      expect(r.stderr).not.toContain(secretPart);
      return r;
    };

    await test.step('gantry login stores the key in a file only the user can read', async () => {
      const r = await cli(['login', '--key', secret]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(email);
      expect(r.stdout).toContain(secret.slice(0, 16));
      expect(statSync(configFile).mode & 0o777).toBe(0o600);
      expect((JSON.parse(readFileSync(configFile, 'utf8')) as { apiKey: string }).apiKey).toBe(secret);
    });

    await test.step('gantry whoami --json names the user', async () => {
      const r = await cli(['whoami', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const me = JSON.parse(r.stdout) as { user: { email: string }; role: string; authMethod: string; apiKeyPrefix: string };
      expect(me.user.email).toBe(email);
      expect(me.role).toBe('owner');
      expect(me.authMethod).toBe('API_KEY');
      expect(me.apiKeyPrefix).toBe(secret.slice(0, 16));
    });

    await test.step('gantry graphql writes and reads data with the key', async () => {
      const created = await cli(['graphql', 'mutation { createTeam(input: { name: "Vision" }) { name } }', '--json']);
      expect(created.code, created.stderr).toBe(0);
      expect(JSON.parse(created.stdout)).toEqual({ data: { createTeam: { name: 'Vision' } } });

      const r = await cli(['graphql', '{ teams { edges { node { name } } } }', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const { data } = JSON.parse(r.stdout) as { data: { teams: { edges: { node: { name: string } }[] } } };
      expect(data.teams.edges.map((e) => e.node.name)).toContain('Vision');
    });

    await test.step('a bad key exits 3, and login keeps the stored key', async () => {
      // Same shape as the real key, wrong secret.
      const last = secret.at(-1) === 'A' ? 'B' : 'A';
      const bad = `${secret.slice(0, -1)}${last}`;
      const whoami = await cli(['whoami'], { GANTRY_API_KEY: bad });
      expect(whoami.code, whoami.stderr).toBe(3);
      expect(whoami.stderr).toContain('UNAUTHENTICATED');

      const login = await cli(['login', '--key', bad, '--json']);
      expect(login.code, login.stderr).toBe(3);
      expect((JSON.parse(login.stderr) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
      expect((JSON.parse(readFileSync(configFile, 'utf8')) as { apiKey: string }).apiKey).toBe(secret);
    });

    await test.step('invalid input exits 5 with the server’s code', async () => {
      const r = await cli(['graphql', 'mutation { createTeam(input:{name:""}) { id } }']);
      expect(r.code, r.stderr).toBe(5);
      expect(r.stderr).toContain('[BAD_USER_INPUT]');
      expect(r.stdout).toBe('');
    });

    await test.step('gantry logout forgets the key', async () => {
      expect((await cli(['logout'])).code).toBe(0);
      if (existsSync(configFile)) expect(readFileSync(configFile, 'utf8')).not.toContain(secretPart);
      expect((await cli(['whoami'])).code).toBe(3);
    });
  });
});

import { randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';

/**
 * Runs in order: the API key story signs in first, then the sign-in story uses up the allowance.
 *
 * As an operator I want brute force against sign-in and runaway scripts with one API key to be slowed
 * down with 429 and a Retry-After, not served. Runs after every other spec (its own Playwright
 * project), since it uses up this client's sign-in allowance for the current minute.
 */

test('requests with one API key are limited with 429 and Retry-After', async ({ request }) => {
  // The e2e platform allows 3000 requests per key per minute, so reaching the limit takes a while.
  test.setTimeout(240_000);
  const suffix = randomBytes(4).toString('hex');
  const email = `limits-${suffix}@example.com`;
  const password = `limits-pass-${suffix}`;
  expect((await request.post('/api/auth/signup', { data: { email, name: 'Limits', password } })).status()).toBe(201);
  const { csrfToken } = (await (await request.get('/api/auth/csrf')).json()) as { csrfToken: string };
  const signin = await request.post('/api/auth/callback/credentials', { form: { csrfToken, email, password, json: 'true' } });
  expect(signin.status()).toBe(200);
  const created = await request.post('/api/graphql', {
    headers: { 'content-type': 'application/json' },
    data: { query: 'mutation { createApiKey(input: { name: "busy", scopes: [read] }) { secret } }' },
  });
  const key = ((await created.json()) as { data: { createApiKey: { secret: string } } }).data.createApiKey.secret;

  // Requests go out 32 at a time so a full allowance fits in one fixed one-minute window even on a slow machine.
  const call = async () => {
    const res = await request.post('/api/graphql', {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      data: { query: '{ viewer { role } }' },
    });
    const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
    return { status: res.status(), retryAfter: res.headers()['retry-after'], code: body.errors?.[0]?.extensions?.code };
  };
  let last: Awaited<ReturnType<typeof call>> = { status: 0, retryAfter: undefined, code: undefined };
  for (let sent = 0; sent < 12_000 && last.status !== 429; sent += 32) {
    const answers = await Promise.all(Array.from({ length: 32 }, call));
    last = answers.find((a) => a.status === 429) ?? answers.at(-1)!;
  }
  expect(last.status).toBe(429);
  expect(last.code).toBe('RATE_LIMITED');
  expect(Number(last.retryAfter)).toBeGreaterThan(0);
});

test('sign-in attempts from one address are limited with 429 and Retry-After', async ({ request }) => {
  let limited: { status: number; retryAfter: string | undefined; body: string } | undefined;
  for (let i = 0; i < 400 && !limited; i++) {
    const csrf = (await (await request.get('/api/auth/csrf')).json()) as { csrfToken: string };
    const res = await request.post('/api/auth/callback/credentials', {
      form: { csrfToken: csrf.csrfToken, email: 'nobody@example.com', password: 'wrong-password-123', json: 'true' },
      maxRedirects: 0,
    });
    if (res.status() === 429) limited = { status: 429, retryAfter: res.headers()['retry-after'], body: await res.text() };
  }
  expect(limited, 'no 429 within 400 attempts').toBeDefined();
  expect(Number(limited!.retryAfter)).toBeGreaterThan(0);
  expect(JSON.parse(limited!.body).error.code).toBe('RATE_LIMITED');
});

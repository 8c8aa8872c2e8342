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

  let last: { status: number; retryAfter?: string; code?: string } = { status: 0 };
  for (let i = 0; i < 1000 && last.status !== 429; i++) {
    const res = await request.post('/api/graphql', {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      data: { query: '{ viewer { role } }' },
    });
    const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
    last = { status: res.status(), retryAfter: res.headers()['retry-after'], code: body.errors?.[0]?.extensions?.code };
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

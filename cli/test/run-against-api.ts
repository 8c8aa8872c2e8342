import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { ApolloServer } from '@apollo/server';
import { authenticateApiKey } from '../../core/auth/authenticate-api-key';
import { testMeta } from '../../testing/fixtures';
import { createGraphQLContext, type GraphQLContext } from '../../graphql/context';
import type { Stdin } from '../command';
import { run } from '../main';

export interface ApiRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The GraphQL operations the command sent, in order. */
  sent: { query: string; variables: Record<string, unknown> }[];
  json: () => Record<string, unknown>;
}

/**
 * Runs a command line in this process against the real GraphQL server (no HTTP between):
 * the request's bearer key is authenticated as the web route does, and the operation runs
 * through Apollo with a fresh context. Config lives in a throwaway home, removed afterwards.
 */
export async function runAgainstApi(server: ApolloServer<GraphQLContext>, argv: string[], key: string): Promise<ApiRun> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'gantry-cli-api-'));
  let stdout = '';
  let stderr = '';
  const sent: ApiRun['sent'] = [];
  const stdin = new PassThrough() as PassThrough & Stdin;
  stdin.end('');
  const fetch: typeof globalThis.fetch = async (_input, init) => {
    const auth = new Headers(init?.headers).get('authorization') ?? '';
    const actor = await authenticateApiKey(auth.replace(/^Bearer\s+/i, ''), testMeta());
    const body = JSON.parse(String(init?.body)) as { query: string; variables?: Record<string, unknown> };
    sent.push({ query: body.query, variables: body.variables ?? {} });
    const contextValue = createGraphQLContext({ meta: testMeta(), actor, requestedOrgId: null });
    const res = await server.executeOperation({ query: body.query, variables: body.variables }, { contextValue });
    if (res.body.kind !== 'single') throw new Error('expected a single result');
    return new Response(JSON.stringify(res.body.singleResult), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  try {
    const code = await run([...argv, '--url', 'http://gantry.test'], {
      env: { GANTRY_CONFIG: path.join(home, 'config.json'), GANTRY_API_KEY: key },
      home,
      stdin,
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      fetch,
    });
    return { code, stdout, stderr, sent, json: () => JSON.parse(stdout) as Record<string, unknown> };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

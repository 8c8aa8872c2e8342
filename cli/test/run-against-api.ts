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
import type { ServedApi } from '../../testing/serve-api';

export interface ApiRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The GraphQL operations the command sent, in order. */
  sent: { query: string; variables: Record<string, unknown> }[];
  json: () => Record<string, unknown>;
}

/**
 * Runs a command line in this process against the real GraphQL server. Given the Apollo
 * server, there is no HTTP between: the request's bearer key is authenticated as the web
 * route does, and the operation runs through Apollo with a fresh context. Given a served
 * API (serve-api.ts), the command's requests go over HTTP to the web route itself, so
 * outages and HTTP statuses are real too. Config lives in a throwaway home, removed afterwards.
 */
export async function runAgainstApi(target: ApolloServer<GraphQLContext> | ServedApi, argv: string[], key: string, opts: { stdin?: string } = {}): Promise<ApiRun> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'gantry-cli-api-'));
  let stdout = '';
  let stderr = '';
  const sent: ApiRun['sent'] = [];
  const stdin = new PassThrough() as PassThrough & Stdin;
  stdin.end(opts.stdin ?? '');
  const record = (init: RequestInit | undefined) => {
    const body = JSON.parse(String(init?.body)) as { query: string; variables?: Record<string, unknown> };
    sent.push({ query: body.query, variables: body.variables ?? {} });
    return body;
  };
  const served = 'url' in target ? target : null;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    if (served) {
      record(init);
      return globalThis.fetch(input, init);
    }
    const server = target as ApolloServer<GraphQLContext>;
    const auth = new Headers(init?.headers).get('authorization') ?? '';
    const actor = await authenticateApiKey(auth.replace(/^Bearer\s+/i, ''), testMeta());
    const body = record(init);
    const contextValue = createGraphQLContext({ meta: testMeta(), actor, requestedOrgId: null });
    const res = await server.executeOperation({ query: body.query, variables: body.variables }, { contextValue });
    if (res.body.kind !== 'single') throw new Error('expected a single result');
    return new Response(JSON.stringify(res.body.singleResult), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  try {
    const code = await run([...argv, '--url', served?.url ?? 'http://gantry.test'], {
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

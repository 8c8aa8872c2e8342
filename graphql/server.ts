import { ApolloServer, type GraphQLRequestContext } from '@apollo/server';
import { GraphQLError, NoSchemaIntrospectionCustomRule, validate, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { env } from '../config/env';
import { AppError, HTTP_STATUS, isAppError } from '../core/errors';
import { createLogger } from '../core/observability/logger';
import type { GraphQLContext } from './context';
import { complexityRule } from './limits';
import { schema } from './schema';

const log = createLogger('graphql');

/** Which codes pass through from graphql-js / Apollo as they are. */
const PROTOCOL_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE', 'QUERY_TOO_COMPLEX']);

function findAppError(e: unknown): AppError | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    if (isAppError(cur)) return cur;
    cur = (cur as { originalError?: unknown; cause?: unknown }).originalError ?? (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Clients see a message and a code, never stack traces, SQL or internal messages.
 * Unknown errors are logged with the request ID and answered as INTERNAL.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const app = findAppError(error);
  if (app) {
    return {
      message: app.message,
      path: formatted.path,
      extensions: {
        code: app.code,
        ...(app.fields.length ? { fields: app.fields } : {}),
        ...(app.retryAfterSeconds ? { retryAfterSeconds: app.retryAfterSeconds } : {}),
      },
    };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PROTOCOL_CODES.has(code)) {
    return { message: formatted.message, locations: formatted.locations, extensions: { code } };
  }
  if (code === 'BAD_USER_INPUT') return { message: formatted.message, path: formatted.path, extensions: { code } };
  log.error('unhandled error in resolver', { error: error instanceof Error ? { message: error.message, stack: error.stack } : String(error), path: formatted.path });
  return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL' } };
}

const g = globalThis as unknown as { __gantryApollo?: { schema: GraphQLSchema; server: ApolloServer<GraphQLContext> } };

export function createApolloServer({ production }: { production: boolean }): ApolloServer<GraphQLContext> {
  return new ApolloServer<GraphQLContext>({
    schema,
    introspection: !production,
    hideSchemaDetailsFromClientErrors: production,
    includeStacktraceInErrorResponses: false,
    validationRules: production ? [NoSchemaIntrospectionCustomRule] : [],
    formatError,
    plugins: [
      {
        // Complexity depends on variables (page sizes), so it runs once they are known.
        async requestDidStart() {
          return {
            async didResolveOperation(rc: GraphQLRequestContext<GraphQLContext>) {
              const errors = validate(rc.schema, rc.document!, [complexityRule(rc.request.variables ?? {})]);
              if (errors.length > 0) {
                throw new GraphQLError(errors[0]!.message, { extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } } });
              }
            },
            // Missing credentials answer as a rejected key does (before GraphQL runs): HTTP 401 with the
            // challenge, so HTTP clients and proxies see the same status either way; the body stays GraphQL's.
            async willSendResponse({ response }) {
              if (response.body.kind !== 'single') return;
              if (!response.body.singleResult.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) return;
              response.http.status = HTTP_STATUS.UNAUTHENTICATED;
              response.http.headers.set('www-authenticate', 'Bearer');
            },
          };
        },
      },
    ],
  });
}

/**
 * The process's server, kept on globalThis so a dev reload of an unrelated module
 * does not build a second one; a reload that rebuilt the schema gets a server for it.
 */
export function apolloServer(): ApolloServer<GraphQLContext> {
  if (g.__gantryApollo?.schema !== schema) {
    g.__gantryApollo = { schema, server: createApolloServer({ production: env().NODE_ENV === 'production' }) };
  }
  return g.__gantryApollo.server;
}

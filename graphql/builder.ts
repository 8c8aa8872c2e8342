import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { AppError } from '../core/errors';
import { microsToText, parseMicros } from '../rules/money';
import type { Permission } from '../core/tenancy/permissions';
import type { GraphQLContext } from './context';

export interface GantrySchemaTypes {
  Context: GraphQLContext;
  AuthScopes: { authenticated: boolean; permission: Permission };
  Scalars: { DateTime: { Input: Date; Output: Date }; Double: { Input: number; Output: number }; Micros: { Input: number; Output: number } };
  DefaultFieldNullability: false;
}

/**
 * A new, empty builder with the plugins, the DateTime and Micros scalars and the root types.
 * The schema is built from a fresh one each time (`buildSchema`): a builder keeps
 * every type it has seen, so one that outlived a dev reload of a type file would
 * refuse the reloaded types as duplicates.
 */
export function createBuilder() {
  const builder = new SchemaBuilder<GantrySchemaTypes>({
    plugins: [ScopeAuthPlugin, RelayPlugin],
    defaultFieldNullability: false,
    scopeAuth: {
      authScopes: (ctx) => ({
        authenticated: ctx.actor !== null,
        permission: async (p) => {
          if (!ctx.actor) return false;
          return (await ctx.tenant()).permissions.has(p);
        },
      }),
      unauthorizedError: (_parent, ctx) =>
        ctx.actor ? new AppError('FORBIDDEN', 'You do not have permission to do this') : new AppError('UNAUTHENTICATED', 'Sign in or provide a valid API key'),
    },
    relay: {
      cursorType: 'String',
      nodeQueryOptions: false,
      nodesQueryOptions: false,
      clientMutationId: 'omit',
    },
  });

  builder.scalarType('DateTime', {
    description: 'An instant in UTC, ISO 8601',
    serialize: (d) => (d instanceof Date ? d.toISOString() : new Date(String(d)).toISOString()),
    parseValue: (v) => {
      const d = new Date(String(v));
      if (Number.isNaN(d.getTime())) throw new AppError('BAD_USER_INPUT', 'Invalid DateTime');
      return d;
    },
  });

  builder.scalarType('Micros', {
    description:
      'Money: a whole number of micro-dollars (1 USD = 1,000,000) written as a string of decimal digits, "-" first when negative, ' +
      'e.g. "2500000" for $2.50. A string, because JSON numbers lose digits in many clients; within ±9007199254740991. ' +
      'Input must be such a string: numbers, decimals and exponents are refused (BAD_USER_INPUT).',
    serialize: (v) => microsToText(v as number | bigint) as unknown as number,
    parseValue: (v) => {
      const parsed = parseMicros(v);
      if ('error' in parsed) throw new AppError('BAD_USER_INPUT', parsed.error);
      return parsed.micros;
    },
  });

  builder.queryType({});
  builder.mutationType({});
  return builder;
}

export type Builder = ReturnType<typeof createBuilder>;

/**
 * A type that other type files refer to, made once per builder: `UserRef(builder)`
 * gives every caller the same ref for one schema build and a new one for the next.
 * Refs carry the fields registered on them, so they cannot be module singletons.
 */
export function sharedRef<T>(make: (builder: Builder) => T): (builder: Builder) => T {
  const made = new WeakMap<Builder, T>();
  return (builder) => {
    if (!made.has(builder)) made.set(builder, make(builder));
    return made.get(builder)!;
  };
}

import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { AppError } from '../core/errors';
import type { Permission } from '../core/tenancy/permissions';
import type { GraphQLContext } from './context';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: { authenticated: boolean; permission: Permission };
  Scalars: { DateTime: { Input: Date; Output: Date }; Double: { Input: number; Output: number } };
  DefaultFieldNullability: false;
}>({
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

builder.queryType({});
builder.mutationType({});

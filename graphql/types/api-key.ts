import { createApiKey } from '../../core/auth/create-api-key';
import { listApiKeys } from '../../core/auth/list-api-keys';
import { revokeApiKey } from '../../core/auth/revoke-api-key';
import type { ApiKey } from '../../db/schema';
import type { Builder } from '../builder';
import { pageArgs, toConnection } from '../pagination';
import { ApiKeyScopeEnum } from './enums';
import type { ApiKeyScope } from '../../core/tenancy/permissions';

type ApiKeyShape = ApiKey & { ownerEmail?: string };

export function register(builder: Builder) {
  const ApiKeyStatus = builder.enumType('ApiKeyStatus', { values: ['ACTIVE', 'REVOKED', 'EXPIRED'] as const });

  const ApiKeyRef = builder.objectRef<ApiKeyShape>('ApiKey').implement({
    description: 'An API key. The secret is only ever returned by createApiKey.',
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      prefix: t.exposeString('prefix', { description: 'The public start of the key, e.g. gty_ab12…' }),
      scopes: t.field({ type: [ApiKeyScopeEnum(builder)], resolve: (k) => k.scopes as ApiKeyScope[] }),
      status: t.field({
        type: ApiKeyStatus,
        resolve: (k) => (k.revokedAt ? 'REVOKED' : k.expiresAt && k.expiresAt.getTime() <= Date.now() ? 'EXPIRED' : 'ACTIVE'),
      }),
      ownerEmail: t.string({ nullable: true, resolve: (k) => k.ownerEmail ?? null }),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
      expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
      revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
      lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    }),
  });

  const CreateApiKeyPayload = builder.objectRef<{ apiKey: ApiKey; secret: string }>('CreateApiKeyPayload').implement({
    fields: (t) => ({
      apiKey: t.field({ type: ApiKeyRef, resolve: (p) => p.apiKey }),
      secret: t.exposeString('secret', { description: 'The whole key. Shown once: store it now.' }),
    }),
  });

  builder.queryFields((t) => ({
    apiKeys: t.connection({
      type: ApiKeyRef,
      description: 'Your keys; admins see every key in the organization',
      authScopes: { permission: 'apikey:read' },
      resolve: async (_r, args, ctx) => {
        const page = pageArgs(args);
        return toConnection(await listApiKeys(await ctx.tenant(), page), page.first, (k) => k.id);
      },
    }),
  }));

  const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
    fields: (t) => ({
      name: t.string({ required: true }),
      scopes: t.field({ type: [ApiKeyScopeEnum(builder)], required: true }),
      expiresInDays: t.int({ description: 'Days until the key expires; null for never. Default 90.' }),
    }),
  });

  builder.mutationFields((t) => ({
    createApiKey: t.field({
      type: CreateApiKeyPayload,
      authScopes: { permission: 'apikey:create' },
      args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
      resolve: async (_r, { input }, ctx) => {
        // Absent → default expiry; explicit null → never expires.
        const expiresInDays = input.expiresInDays === undefined ? undefined : input.expiresInDays;
        return createApiKey(await ctx.tenant(), { name: input.name, scopes: input.scopes, expiresInDays });
      },
    }),
    revokeApiKey: t.field({
      type: ApiKeyRef,
      authScopes: { permission: 'apikey:revoke-own' },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_r, { id }, ctx) => revokeApiKey(await ctx.tenant(), { id: String(id) }),
    }),
  }));
}

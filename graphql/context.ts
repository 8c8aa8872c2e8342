import { resolveTenantContext } from '../core/tenancy/resolve-context';
import type { Actor, RequestMeta, TenantContext } from '../core/tenancy/context';
import { unauthenticated } from '../core/errors';
import { createBatch, type Batch } from './batch';

/** Per-request state every resolver sees. The tenant is resolved once, on first use. */
export interface GraphQLContext {
  meta: RequestMeta;
  actor: Actor | null;
  /** The org the client asked for (`x-gantry-org` header); API keys are bound to their own. */
  requestedOrgId: string | null;
  tenant(): Promise<TenantContext>;
  requireActor(): Actor;
  /** Loads the keys list items ask for under one name together (graphql/batch.ts). */
  batch: Batch;
}

export function createGraphQLContext(args: { meta: RequestMeta; actor: Actor | null; requestedOrgId: string | null }): GraphQLContext {
  let tenant: Promise<TenantContext> | undefined;
  const requireActor = () => {
    if (!args.actor) throw unauthenticated();
    return args.actor;
  };
  return {
    ...args,
    requireActor,
    batch: createBatch(),
    tenant: () => {
      tenant ??= Promise.resolve().then(() => resolveTenantContext(requireActor(), args.requestedOrgId, args.meta));
      return tenant;
    },
  };
}

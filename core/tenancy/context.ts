import type { OrgRole } from '../../db/schema';
import { AppError, forbidden } from '../errors';
import type { ApiKeyScope, Permission } from './permissions';

/** Who is acting: a signed-in user, or an API key acting for its user. */
export type Actor =
  | { kind: 'user'; userId: string; email: string }
  | {
      kind: 'api_key';
      userId: string;
      email: string;
      apiKeyId: string;
      orgId: string;
      prefix: string;
      scopes: ApiKeyScope[];
      /** The user's role, read while authenticating this request. */
      role: OrgRole;
      /** Set for a job's key: it writes to this run only (see assertRunWritable). */
      runId?: string | null;
    };

/** Where the request came from, for audit and logs. */
export interface RequestMeta {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
}

/** An actor inside one organization, with the permissions they hold there. */
export interface TenantContext {
  actor: Actor;
  orgId: string;
  role: OrgRole;
  permissions: ReadonlySet<Permission>;
  meta: RequestMeta;
}

/**
 * What background work acts as when no user is behind the step: a workflow's activity reading and
 * updating its own rows, a sweep. Named, so the audit log and the logs say which process acted.
 */
export type SystemProcess = 'training-job' | 'evaluation' | 'retraining' | 'artifact-retention' | 'api-key-sweep' | 'gateway' | 'monitoring' | 'rollout' | 'deployment-serving' | 'costs' | 'billing';

/** An organization's rows as a system process sees them: no user, no permissions, audited as the system. */
export interface SystemContext {
  kind: 'system';
  process: SystemProcess;
  orgId: string;
  meta: RequestMeta;
}

/** Either context a tenant transaction can run in. */
export type ActingContext = TenantContext | SystemContext;

/** The system context for `process` acting on `orgId`; `key` (a job or policy ID) names the work in logs. */
export function systemContext(orgId: string, process: SystemProcess, key: string): SystemContext {
  return { kind: 'system', process, orgId, meta: systemMeta(`${process}/${key}`) };
}

export const isSystemContext = (ctx: ActingContext): ctx is SystemContext => 'kind' in ctx && ctx.kind === 'system';

export function can(ctx: TenantContext, permission: Permission): boolean {
  return ctx.permissions.has(permission);
}

export function assertCan(ctx: TenantContext, permission: Permission): void {
  if (!ctx.permissions.has(permission)) {
    throw forbidden(`Your role (${ctx.role}${ctx.actor.kind === 'api_key' ? ', via API key' : ''}) does not allow ${permission}`);
  }
}

export function actorLabel(actor: Actor): string {
  return actor.kind === 'api_key' ? `${actor.email} (key ${actor.prefix})` : actor.email;
}

export const systemMeta = (requestId = 'system'): RequestMeta => ({ requestId, ip: null, userAgent: null });

export function assertNever(x: never): never {
  throw new AppError('INTERNAL', `unexpected ${String(x)}`);
}

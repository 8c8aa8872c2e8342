import { teamRole, type OrgRole } from '../../db/schema';

/** Every action a use case can assert. Closed list: add here, then grant below. */
export const PERMISSIONS = [
  'org:read',
  'org:update',
  'member:read',
  'member:invite',
  'member:update-role',
  'member:remove',
  'team:read',
  'team:create',
  'team:update',
  'team:manage-members',
  'project:read',
  'project:create',
  'project:update',
  'apikey:read',
  'apikey:create',
  'apikey:revoke-own',
  'apikey:revoke-any',
  'audit:read',
  'experiment:read',
  'experiment:write',
  'run:read',
  'run:write',
  'model:read',
  'model:write',
  /** Move an alias that is protected (subject also to the alias's minimum role). */
  'model:alias-move-protected',
  /** Protect or unprotect an alias. */
  'model:alias-protect',
  'cluster:read',
  /** Connect, re-check and remove clusters; edit price catalogs. */
  'cluster:manage',
  'job:read',
  'job:submit',
  'job:cancel',
  /** Run evaluations and edit evaluation policies. */
  'evaluation:write',
  'retraining:manage',
  'deployment:read',
  /** Create, change and delete deployments and their traffic policies. */
  'deployment:write',
  /** Call a deployment's endpoint on the inference gateway. */
  'deployment:predict',
  /** See what the organization's teams, projects, jobs, models and deployments cost. */
  'cost:read',
  /** Set and remove budgets. */
  'budget:manage',
  /** See the organization's plan, its limits and usage, and its subscription's state. */
  'billing:read',
  /** Subscribe through Stripe Checkout and open the Stripe customer portal. */
  'billing:manage',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ORG_ROLES = ['owner', 'admin', 'member', 'viewer'] as const satisfies readonly OrgRole[];

/** Team roles, from the database enum: transports read them here, since graphql/ may not import db/ values. */
export const TEAM_ROLES = teamRole.enumValues;

const VIEWER: Permission[] = [
  'org:read',
  'member:read',
  'team:read',
  'project:read',
  'apikey:read',
  'apikey:create',
  'apikey:revoke-own',
  'experiment:read',
  'run:read',
  'model:read',
  'cluster:read',
  'job:read',
  'deployment:read',
  'cost:read',
  // The plan and its limits are what refusals name, so everyone can look them up.
  'billing:read',
];
// Members do the ML work: they create and edit experiments and log runs.
const MEMBER: Permission[] = [
  ...VIEWER,
  'project:create',
  'project:update',
  'experiment:write',
  'run:write',
  'model:write',
  // Each protected alias still names its own minimum role; this only opens the door to checking it.
  'model:alias-move-protected',
  'job:submit',
  'job:cancel',
  'evaluation:write',
  'retraining:manage',
  'deployment:write',
  'deployment:predict',
];
const ADMIN: Permission[] = [
  ...MEMBER,
  'org:update',
  'member:invite',
  'member:update-role',
  'member:remove',
  'team:create',
  'team:update',
  'team:manage-members',
  'apikey:revoke-any',
  'audit:read',
  'model:alias-protect',
  'cluster:manage',
  'budget:manage',
  'billing:manage',
];
const OWNER: Permission[] = [...ADMIN];

export const ROLE_PERMISSIONS: Record<OrgRole, ReadonlySet<Permission>> = {
  owner: new Set(OWNER),
  admin: new Set(ADMIN),
  member: new Set(MEMBER),
  viewer: new Set(VIEWER),
};

/**
 * API key scopes narrow what a key may do; a key never exceeds its user's role.
 * `read` = every read permission; `write` = read + what training code and pipelines do: log runs and
 * create experiments, register models and move unprotected aliases, submit and cancel jobs, run evaluations,
 * create and edit projects (and teams, where the role allows); `admin` = everything the user's role allows.
 * Moving a protected alias needs `admin`: a leaked training key must not promote a model.
 */
export const API_KEY_SCOPES = ['read', 'write', 'admin', 'inference'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

const READ = PERMISSIONS.filter((p) => p.endsWith(':read'));
const SCOPE_PERMISSIONS: Record<ApiKeyScope, ReadonlySet<Permission>> = {
  read: new Set(READ),
  write: new Set<Permission>([...READ, 'project:create', 'project:update', 'team:create', 'team:update', 'experiment:write', 'run:write', 'model:write', 'job:submit', 'job:cancel', 'evaluation:write', 'deployment:write']),
  admin: new Set(PERMISSIONS),
  // What a service calling a model needs, and nothing else: a leaked inference key reads no run and changes nothing.
  inference: new Set<Permission>(['deployment:predict']),
};

/**
 * What a key bound to one run (a job's key) may do beyond reading: write that run (params, metrics,
 * tags, artifacts, its logged models). It creates no projects, teams, experiments, jobs or keys.
 */
const RUN_BOUND: ReadonlySet<Permission> = new Set<Permission>([...READ, 'run:write', 'model:write']);

export function permissionsFor(role: OrgRole, scopes?: readonly ApiKeyScope[], opts: { runBound?: boolean } = {}): Set<Permission> {
  const base = ROLE_PERMISSIONS[role];
  if (!scopes) return new Set(base);
  const allowed = new Set<Permission>();
  for (const s of scopes) for (const p of SCOPE_PERMISSIONS[s]) if (base.has(p) && (!opts.runBound || RUN_BOUND.has(p))) allowed.add(p);
  return allowed;
}

/** Role rank for "may not grant above yourself" checks. */
export const ROLE_RANK: Record<OrgRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

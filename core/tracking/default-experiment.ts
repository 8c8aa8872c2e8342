import { and, asc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { experiments, projects, teamMemberships, teams, type Experiment } from '../../db/schema';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { can, type TenantContext } from '../tenancy/context';

const DEFAULT_NAME = 'Default';

/**
 * The project that MLflow-created experiments land in: the organization's oldest
 * project, or a "Default" project in a "Default" team made on first use, so that
 * `mlflow.set_experiment("x")` works in an organization that has no projects yet.
 */
export async function ensureDefaultProject(tx: Tx, ctx: TenantContext): Promise<string> {
  const [first] = await tx.select({ id: projects.id }).from(projects).where(eq(projects.orgId, ctx.orgId)).orderBy(asc(projects.id)).limit(1);
  if (first) return first.id;
  await tx.insert(teams).values({ id: newId('team'), orgId: ctx.orgId, name: DEFAULT_NAME, slug: 'default' }).onConflictDoNothing();
  const [team] = await tx.select().from(teams).where(and(eq(teams.orgId, ctx.orgId), eq(teams.slug, 'default')));
  if (!team) throw new AppError('INTERNAL', 'default team missing after insert');
  await tx
    .insert(teamMemberships)
    .values({ id: newId('teamMembership'), orgId: ctx.orgId, teamId: team.id, userId: ctx.actor.userId, role: 'maintainer' })
    .onConflictDoNothing();
  const id = newId('project');
  const inserted = await tx
    .insert(projects)
    .values({ id, orgId: ctx.orgId, teamId: team.id, name: DEFAULT_NAME, slug: 'default', createdBy: ctx.actor.userId })
    .onConflictDoNothing()
    .returning({ id: projects.id });
  if (inserted[0]) {
    await recordAudit(tx, ctx, { action: 'project.create', targetType: 'project', targetId: id, data: { name: DEFAULT_NAME, teamId: team.id, reason: 'default experiment' } });
    return id;
  }
  const [existing] = await tx.select({ id: projects.id }).from(projects).where(and(eq(projects.orgId, ctx.orgId), eq(projects.slug, 'default')));
  if (!existing) throw new AppError('INTERNAL', 'default project missing after insert');
  return existing.id;
}

/**
 * The organization's default experiment (MLflow's "0"). Created on demand when the
 * caller may write; a read-only caller in an organization without one gets null.
 */
export async function ensureDefaultExperiment(tx: Tx, ctx: TenantContext): Promise<Experiment | null> {
  const find = async () => (await tx.select().from(experiments).where(and(eq(experiments.orgId, ctx.orgId), eq(experiments.isDefault, true))))[0] ?? null;
  const existing = await find();
  if (existing || !can(ctx, 'experiment:write')) return existing;
  const projectId = await ensureDefaultProject(tx, ctx);
  const now = Date.now();
  const id = newId('experiment');
  const inserted = await tx
    .insert(experiments)
    .values({ id, orgId: ctx.orgId, projectId, name: DEFAULT_NAME, isDefault: true, createdBy: ctx.actor.userId, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning();
  if (inserted[0]) {
    await recordAudit(tx, ctx, { action: 'experiment.create', targetType: 'experiment', targetId: id, data: { name: DEFAULT_NAME, projectId, default: true } });
    return inserted[0];
  }
  // Either a concurrent request made it, or the name "Default" is taken by an ordinary experiment.
  const raced = await find();
  if (raced) return raced;
  throw new AppError('CONFLICT', `An experiment named "${DEFAULT_NAME}" already exists; rename it to let the default experiment be created`);
}

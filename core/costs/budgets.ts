import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client';
import { budgetAction, budgetReservations, budgets, projects, teams, type Budget } from '../../db/schema';
import { DEFAULT_THRESHOLDS, fits, MAX_BUDGET_MICROS, monthOf, refusalMessage, remainingMicros, thresholdsProblem, type BudgetStanding } from '../../rules/budgets';
import { formatMicros } from '../../rules/money';
import { AppError, notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { assertCan, type TenantContext } from '../tenancy/context';
import { findTeam } from '../tenancy/team-access';
import { withTenant } from '../tenancy/with-tenant';
import { idSchema, parseInput } from '../validation';

export const setBudgetInput = z.object({
  teamId: idSchema('Team ID'),
  projectId: idSchema('Project ID').nullish(),
  amountMicros: z
    .number()
    .int('A budget is whole micro-dollars')
    .positive('A budget is more than $0')
    .max(MAX_BUDGET_MICROS, `A monthly budget is at most ${formatMicros(MAX_BUDGET_MICROS)}`),
  thresholds: z
    .array(z.number())
    .optional()
    .superRefine((t, c) => {
      const problem = t && thresholdsProblem(t);
      if (problem) c.addIssue({ code: 'custom', message: problem });
    }),
  action: z.enum(budgetAction.enumValues).default('block'),
});

export const deleteBudgetInput = z.object({ budgetId: idSchema('Budget ID') });

export interface BudgetView extends Budget, BudgetStanding {
  teamName: string;
  projectName: string | null;
  /** The calendar month the figures are for, e.g. "December 2026". */
  month: string;
  remainingMicros: number;
}

/**
 * What the budget's scope has spent this month (its ledger lines) and what its unfinished jobs
 * hold (their reservations), read in one statement, so one snapshot: a job settling meanwhile is
 * counted once, as a reservation or as a line, never as neither.
 */
async function standing(tx: Tx, b: Pick<Budget, 'orgId' | 'teamId' | 'projectId' | 'amountMicros'>, at: Date): Promise<BudgetStanding> {
  const { start, end } = monthOf(at);
  const project = b.projectId ? sql`and project_id = ${b.projectId}` : sql``;
  const [row] = await tx.execute<{ spent: string; reserved: string }>(sql`
    select
      (select coalesce(sum(amount_micros), 0) from cost_lines
        where org_id = ${b.orgId} and team_id = ${b.teamId} ${project} and occurred_at >= ${start.toISOString()} and occurred_at < ${end.toISOString()}) as spent,
      (select coalesce(sum(amount_micros), 0) from budget_reservations
        where org_id = ${b.orgId} and team_id = ${b.teamId} ${project}) as reserved`);
  return { amountMicros: b.amountMicros, spentMicros: Number(row!.spent), reservedMicros: Number(row!.reserved) };
}

async function view(tx: Tx, b: Budget, at: Date): Promise<BudgetView> {
  const [names] = await tx
    .select({ teamName: teams.name, projectName: projects.name })
    .from(teams)
    .leftJoin(projects, and(eq(projects.id, sql`${b.projectId}`), eq(projects.orgId, b.orgId)))
    .where(and(eq(teams.orgId, b.orgId), eq(teams.id, b.teamId)));
  const s = await standing(tx, b, at);
  return { ...b, ...s, teamName: names?.teamName ?? '', projectName: names?.projectName ?? null, month: monthOf(at).label, remainingMicros: remainingMicros(s) };
}

export interface JobReservation {
  orgId: string;
  teamId: string;
  projectId: string;
  jobId: string;
  estimateMicros: number;
}

/**
 * Holds a job's worst-case cost against its team's and project's budgets, in the transaction that
 * records the job: the budgets that refuse jobs (`block`, `block_and_stop`) are locked, team first,
 * so concurrent submissions to one team check one after another, each seeing the others'
 * reservations; then the standing is read and the job refused (`BUDGET_EXCEEDED`, with the
 * numbers) if it does not fit, or its reservation written. Budgets that only alert never refuse.
 * Reserving the same job twice holds it once.
 */
export async function reserveJobBudget(tx: Tx, req: JobReservation, at = new Date()): Promise<void> {
  const held = await tx
    .select()
    .from(budgets)
    .where(
      and(
        eq(budgets.orgId, req.orgId),
        eq(budgets.teamId, req.teamId),
        or(isNull(budgets.projectId), eq(budgets.projectId, req.projectId)),
        sql`${budgets.action} <> 'alert'`,
      ),
    )
    .orderBy(sql`${budgets.projectId} nulls first`, asc(budgets.id))
    .for('update');
  for (const b of held) {
    const s = await standing(tx, b, at);
    if (!fits(s, req.estimateMicros)) {
      const names = await view(tx, b, at);
      const scope = b.projectId ? `project ${names.projectName ?? b.projectId}` : `team ${names.teamName}`;
      throw new AppError('BUDGET_EXCEEDED', refusalMessage({ ...s, scope, month: monthOf(at).label }, req.estimateMicros));
    }
  }
  await tx
    .insert(budgetReservations)
    .values({ jobId: req.jobId, orgId: req.orgId, teamId: req.teamId, projectId: req.projectId, amountMicros: req.estimateMicros })
    .onConflictDoNothing();
}

/** Sets the monthly budget of a team, or of one of its projects (admins and owners); replaces the one there is. */
export async function setBudget(ctx: TenantContext, input: unknown): Promise<BudgetView> {
  assertCan(ctx, 'budget:manage');
  const data = parseInput(setBudgetInput, input);
  return withTenant(ctx, async (tx) => {
    const team = await findTeam(tx, ctx, data.teamId);
    if (data.projectId) {
      const [p] = await tx.select().from(projects).where(and(eq(projects.orgId, ctx.orgId), eq(projects.id, data.projectId)));
      if (!p) throw notFound(`Project '${data.projectId.slice(0, 64)}'`);
      if (p.teamId !== team.id) throw new AppError('BAD_USER_INPUT', `Project ${p.name} belongs to another team`, { fields: [{ path: 'projectId', message: 'Not a project of this team' }] });
    }
    const values = { amountMicros: data.amountMicros, thresholds: data.thresholds ?? [...DEFAULT_THRESHOLDS], action: data.action };
    const [before] = await tx
      .select()
      .from(budgets)
      .where(and(eq(budgets.orgId, ctx.orgId), eq(budgets.teamId, team.id), data.projectId ? eq(budgets.projectId, data.projectId) : isNull(budgets.projectId)))
      .for('update');
    const [row] = before
      ? await tx.update(budgets).set({ ...values, updatedAt: new Date() }).where(eq(budgets.id, before.id)).returning()
      : await tx
          .insert(budgets)
          .values({ id: newId('budget'), orgId: ctx.orgId, teamId: team.id, projectId: data.projectId ?? null, createdBy: ctx.actor.userId, ...values })
          .returning();
    await recordAudit(tx, ctx, {
      action: 'budget.set',
      targetType: 'budget',
      targetId: row!.id,
      data: {
        teamId: team.id,
        projectId: data.projectId ?? null,
        before: before ? { amountMicros: before.amountMicros, thresholds: before.thresholds, action: before.action } : null,
        after: values,
      },
    });
    return view(tx, row!, new Date());
  });
}

/** Removes a budget: its team (or project) is no longer capped. */
export async function deleteBudget(ctx: TenantContext, input: unknown): Promise<{ id: string }> {
  assertCan(ctx, 'budget:manage');
  const { budgetId } = parseInput(deleteBudgetInput, input);
  return withTenant(ctx, async (tx) => {
    const [gone] = await tx.delete(budgets).where(and(eq(budgets.orgId, ctx.orgId), eq(budgets.id, budgetId))).returning();
    if (!gone) throw notFound('Budget');
    await recordAudit(tx, ctx, { action: 'budget.delete', targetType: 'budget', targetId: gone.id, data: { teamId: gone.teamId, projectId: gone.projectId, amountMicros: gone.amountMicros } });
    return { id: gone.id };
  });
}

/** The organization's budgets (or one team's) with this month's spend, reservations and what is left. */
export async function listBudgets(ctx: TenantContext, input: { teamId?: string | null } = {}, at = new Date()): Promise<BudgetView[]> {
  assertCan(ctx, 'cost:read');
  return withTenant(ctx, async (tx) => {
    const rows = await tx
      .select()
      .from(budgets)
      .where(and(eq(budgets.orgId, ctx.orgId), input.teamId ? eq(budgets.teamId, input.teamId) : undefined))
      .orderBy(asc(budgets.teamId), sql`${budgets.projectId} nulls first`);
    const out: BudgetView[] = [];
    for (const b of rows) out.push(await view(tx, b, at));
    return out;
  });
}

import { and, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { appDb } from '../../db/client';
import { budgets, clusters, memberships, notifications, teamMemberships, trainingJobs, webhookDeliveries, webhookEndpoints, type Budget } from '../../db/schema';
import { monthOf } from '../../rules/budgets';
import { formatMicros, jobCostMicros } from '../../rules/money';
import { loadPrices } from '../compute/access';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { systemContext, type SystemContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';

/** The organizations with a budget or a deployment: those the platform's cost watch visits. */
export async function orgsWithCosts(): Promise<string[]> {
  const rows = await appDb().execute<{ org_id: string }>(sql`select org_id from gantry_orgs_with_costs()`);
  return rows.map((r) => r.org_id);
}

export const costsContext = (orgId: string): SystemContext => systemContext(orgId, 'costs', orgId);

export interface BudgetCheck {
  budgetId: string;
  /** This month's ledger lines plus what running jobs have cost so far. */
  spendMicros: number;
  amountMicros: number;
  /** Thresholds alerted by this check (each once a month). */
  alerted: number[];
  /** Jobs this check asked to stop (`block_and_stop` at the limit). */
  stopped: string[];
  /** Webhook messages queued by this check, for the workflow to deliver. */
  deliveryIds: string[];
}

/**
 * What the budget's scope has spent this month as of `at`: its ledger lines, plus what its running
 * jobs have cost so far (their runtime since they started × their resources × their cluster's
 * prices), so that an alert or a stop does not wait for a long job to end.
 */
async function spendNow(tx: Tx, b: Budget, at: Date): Promise<{ spend: number; running: { id: string; name: string; stopping: boolean }[] }> {
  const { start, end } = monthOf(at);
  const project = b.projectId ? sql`and project_id = ${b.projectId}` : sql``;
  const [row] = await tx.execute<{ spent: string }>(sql`
    select coalesce(sum(amount_micros), 0) as spent from cost_lines
    where org_id = ${b.orgId} and team_id = ${b.teamId} ${project} and occurred_at >= ${start.toISOString()} and occurred_at < ${end.toISOString()}`);
  const running = await tx
    .select()
    .from(trainingJobs)
    .where(
      and(
        eq(trainingJobs.orgId, b.orgId),
        eq(trainingJobs.teamId, b.teamId),
        b.projectId ? eq(trainingJobs.projectId, b.projectId) : undefined,
        inArray(trainingJobs.status, ['pending', 'running']),
        isNull(trainingJobs.finishedAt),
      ),
    );
  let accrued = 0;
  const pricesOf = new Map<string, Awaited<ReturnType<typeof loadPrices>>>();
  for (const j of running) {
    if (!j.startedAt) continue;
    let prices = pricesOf.get(j.clusterId);
    if (!prices) {
      const [c] = await tx.select().from(clusters).where(eq(clusters.id, j.clusterId));
      pricesOf.set(j.clusterId, (prices = await loadPrices(tx, c!)));
    }
    const spec = j.spec as { resources: { cpu: number; memoryMiB: number } };
    accrued += jobCostMicros(Math.max(0, (at.getTime() - j.startedAt.getTime()) / 1000), { cpu: spec.resources.cpu, memoryMiB: spec.resources.memoryMiB, gpuCount: j.gpuCount, gpuType: j.gpuType }, prices);
  }
  return { spend: Number(row!.spent) + accrued, running: running.map((j) => ({ id: j.id, name: j.name, stopping: j.cancelRequestedAt !== null })) };
}

/**
 * Checks one budget as of `at`: alerts each threshold the month's spend has reached and that has
 * not been alerted this month (an in-app notification to the organization's owners and admins and
 * the team's maintainers, and a signed webhook message `budget.threshold` to every endpoint), and,
 * for `block_and_stop` at 100%, asks the scope's running jobs to stop. The budget row is locked and
 * the alerted month and percentage written in the same transaction as the messages: each threshold
 * is alerted once a month, however often or concurrently the check runs.
 */
export async function checkBudget(ctx: SystemContext, budgetId: string, at: Date): Promise<BudgetCheck | null> {
  const month = monthOf(at);
  const monthKey = month.start.toISOString().slice(0, 7);
  return withTenant(ctx, async (tx) => {
    const [b] = await tx.select().from(budgets).where(and(eq(budgets.orgId, ctx.orgId), eq(budgets.id, budgetId))).for('update');
    if (!b) return null;
    const { spend, running } = await spendNow(tx, b, at);
    const pct = (spend * 100) / b.amountMicros;
    const already = b.alertedMonth === monthKey ? b.alertedPercent : 0;
    const crossed = b.thresholds.filter((t) => t <= pct && t > already);
    const check: BudgetCheck = { budgetId: b.id, spendMicros: spend, amountMicros: b.amountMicros, alerted: crossed, stopped: [], deliveryIds: [] };
    const [names] = await tx.execute<{ team: string; project: string | null }>(sql`
      select t.name as team, p.name as project from teams t left join projects p on p.id = ${b.projectId} where t.id = ${b.teamId}`);
    const scope = b.projectId ? `project ${names?.project}` : `team ${names?.team}`;
    if (crossed.length) {
      await tx.update(budgets).set({ alertedMonth: monthKey, alertedPercent: Math.max(...crossed) }).where(eq(budgets.id, b.id));
      const recipients = await tx
        .selectDistinct({ userId: memberships.userId })
        .from(memberships)
        .leftJoin(teamMemberships, and(eq(teamMemberships.userId, memberships.userId), eq(teamMemberships.teamId, b.teamId), eq(teamMemberships.role, 'maintainer')))
        .where(and(eq(memberships.orgId, ctx.orgId), or(inArray(memberships.role, ['owner', 'admin']), sql`${teamMemberships.id} is not null`)));
      const endpoints = await tx.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(and(eq(webhookEndpoints.orgId, ctx.orgId), eq(webhookEndpoints.enabled, true), isNull(webhookEndpoints.deletedAt)));
      for (const t of crossed) {
        const eventKey = `budget/${b.id}/${monthKey}/${t}`;
        const title = `${scope} reached ${t}% of its ${month.label} budget`;
        const body = `Spent ${formatMicros(spend)} of ${formatMicros(b.amountMicros)} (${Math.floor(pct)}%) including running jobs. ${t >= 100 ? (b.action === 'alert' ? 'The budget only alerts: jobs still start.' : b.action === 'block' ? 'New jobs are refused until next month or a larger budget.' : 'New jobs are refused and running jobs are being stopped.') : ''}`.trim();
        if (recipients.length) {
          await tx
            .insert(notifications)
            .values(recipients.map((r) => ({ id: newId('notification'), orgId: ctx.orgId, userId: r.userId, kind: 'budget', title, body, link: '/costs', eventKey })))
            .onConflictDoNothing();
        }
        for (const e of endpoints) {
          const payload = {
            type: 'budget.threshold',
            timestamp: at.toISOString(),
            data: { budgetId: b.id, teamId: b.teamId, projectId: b.projectId, month: monthKey, threshold: t, spendMicros: String(spend), amountMicros: String(b.amountMicros), action: b.action, summary: title },
          };
          const [d] = await tx
            .insert(webhookDeliveries)
            .values({ id: newId('webhookMessage'), orgId: ctx.orgId, endpointId: e.id, eventType: 'budget.threshold', eventKey, payload })
            .onConflictDoNothing()
            .returning({ id: webhookDeliveries.id });
          if (d) check.deliveryIds.push(d.id);
        }
        await recordAudit(tx, ctx, { action: 'budget.threshold', targetType: 'budget', targetId: b.id, data: { threshold: t, month: monthKey, spendMicros: spend, amountMicros: b.amountMicros } });
      }
    }
    if (b.action === 'block_and_stop' && spend >= b.amountMicros && running.length) {
      // Every running job is signalled (a stop asked before and not yet acted on is asked again); the new ones are recorded.
      const fresh = running.filter((j) => !j.stopping).map((j) => j.id);
      check.stopped = running.map((j) => j.id);
      if (fresh.length) await tx
        .update(trainingJobs)
        .set({ cancelRequestedAt: at })
        .where(
          and(
            eq(trainingJobs.orgId, ctx.orgId),
            inArray(trainingJobs.id, fresh),
            isNull(trainingJobs.cancelRequestedAt),
          ),
        );
      if (fresh.length) await recordAudit(tx, ctx, { action: 'budget.stop-jobs', targetType: 'budget', targetId: b.id, data: { jobs: fresh, spendMicros: spend, amountMicros: b.amountMicros } });
    }
    return check;
  });
}

/** The organization's budgets' IDs, for the cost watch to check one by one. */
export async function budgetIds(ctx: SystemContext): Promise<string[]> {
  return withTenant(ctx, async (tx) => (await tx.select({ id: budgets.id }).from(budgets).where(eq(budgets.orgId, ctx.orgId))).map((r) => r.id));
}

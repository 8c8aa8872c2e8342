import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { alertRules, driftMonitors, retrainingPolicies, type AlertRule, type Deployment } from '../../db/schema';
import { AppError, fromPgError, notFound } from '../errors';
import { newId } from '../ids';
import type { ActingContext } from '../tenancy/context';

export async function findAlertRule(tx: Tx, ctx: ActingContext, id: string, opts: { forUpdate?: boolean } = {}): Promise<AlertRule> {
  const q = tx.select().from(alertRules).where(and(eq(alertRules.orgId, ctx.orgId), eq(alertRules.id, id)));
  const [r] = opts.forUpdate ? await q.for('update') : await q;
  if (!r) throw notFound(`Alert rule '${id.slice(0, 64)}'`);
  return r;
}

/** A retraining policy a rule may run: a live one of the deployment's own model. */
export async function assertRetrainingPolicyOf(tx: Tx, dep: Deployment, policyId: string | null | undefined): Promise<void> {
  if (!policyId) return;
  const [p] = await tx.select({ modelId: retrainingPolicies.modelId, deletedAt: retrainingPolicies.deletedAt }).from(retrainingPolicies).where(eq(retrainingPolicies.id, policyId));
  if (!p || p.deletedAt) throw notFound(`Retraining policy '${policyId.slice(0, 64)}'`);
  if (p.modelId !== dep.modelId) throw new AppError('BAD_USER_INPUT', "The retraining policy belongs to another model than the deployment's", { fields: [{ path: 'retrainingPolicyId', message: 'Not a policy of this model' }] });
}

export async function hasMonitor(tx: Tx, deploymentId: string): Promise<boolean> {
  const [m] = await tx.select({ id: driftMonitors.deploymentId }).from(driftMonitors).where(eq(driftMonitors.deploymentId, deploymentId));
  return !!m;
}

export const newRuleId = () => newId('alertRule');

/** Runs an insert or update of a rule, turning a duplicate name into CONFLICT. */
export async function uniqueRuleName<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    fromPgError(e, `The deployment already has an alert rule named '${name}'`);
  }
}

import { budgetIds, checkBudget, costsContext, orgsWithCosts, type BudgetCheck } from '../../core/costs/watch';
import { signalWorkflow } from '../../core/orchestration/temporal';
import { signals } from '../../core/orchestration/workflows';
import { chargeDeployments } from '../../core/serving/deployment-charges';
import { jobWorkflowId } from '../../core/training/access';
import { formatMicros } from '../../rules/money';

export interface OrgCostWatch {
  orgId: string;
  chargedMicros: number;
  checks: BudgetCheck[];
}

/** The platform's cost watch (workflows/cost-watch.ts): the organizations to visit, and one organization's turn. */
export function createCostActivities() {
  return {
    async orgsWithCosts(): Promise<string[]> {
      return orgsWithCosts();
    },

    /**
     * One organization's turn as of `at`: its deployments charged to the ledger up to the last whole
     * hour, each budget checked (alerts, stops), and the jobs a budget stops signalled. Idempotent:
     * lines, alerts and stop requests are keyed, and a job signalled twice stops once.
     */
    async watchOrgCosts(input: { orgId: string; at: string }): Promise<OrgCostWatch> {
      const ctx = costsContext(input.orgId);
      const at = new Date(input.at);
      const chargedMicros = await chargeDeployments(ctx, at);
      const checks: BudgetCheck[] = [];
      for (const id of await budgetIds(ctx)) {
        const c = await checkBudget(ctx, id, at);
        if (!c) continue;
        checks.push(c);
        const reason = `Stopped at the limit of its budget: ${formatMicros(c.spendMicros)} of ${formatMicros(c.amountMicros)} spent this month`;
        for (const jobId of c.stopped) await signalWorkflow(jobWorkflowId(jobId), signals.cancelJob, { reason });
      }
      return { orgId: input.orgId, chargedMicros, checks };
    },
  };
}

import type { AuditInput } from '../governance/audit';
import { recordThenStart, startCall } from '../orchestration/record-then-start';
import { workflowStart } from '../orchestration/workflows';
import { assertCan, type SystemContext, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findLivePolicy, retrainingScheduleId } from './retraining-schedule';
import { policyIdInput } from './retraining.schemas';

/**
 * Runs the policy now, outside its schedule and whether or not it is paused (also the entry point
 * for retraining on other signals, such as drift). Each call is a new run
 * (`retraining/<policyId>-manual-<time>`), started and audited as one unit.
 */
export async function triggerRetraining(ctx: TenantContext, input: unknown): Promise<void> {
  assertCan(ctx, 'retraining:manage');
  const data = parseInput(policyIdInput, input);
  await startRetrainingRun(ctx, data.policyId, { suffix: `manual-${new Date().toISOString()}`, trigger: 'manual', summary: 'run now' });
}

/**
 * The same, started by a system process on a signal (a drift alert): `suffix` is the signal's business
 * key, so the same signal delivered twice starts one run. Audited as the process, with `why`.
 */
export async function triggerRetrainingOnSignal(ctx: SystemContext, input: { policyId: string; suffix: string; trigger: string; why: Record<string, unknown> }): Promise<{ workflowId: string }> {
  return startRetrainingRun(ctx, input.policyId, { suffix: input.suffix, trigger: input.trigger, summary: input.trigger, auditData: input.why });
}

async function startRetrainingRun(
  ctx: TenantContext | SystemContext,
  policyId: string,
  opts: { suffix: string; trigger: string; summary: string; auditData?: Record<string, unknown> },
): Promise<{ workflowId: string }> {
  return recordThenStart(ctx, {
    async record(tx) {
      const policy = await findLivePolicy(tx, ctx, policyId);
      const workflowId = `${retrainingScheduleId(policy.id)}-${opts.suffix}`;
      const start = workflowStart('retrainingWorkflow', workflowId, [{ policyId: policy.id, orgId: ctx.orgId, trigger: opts.trigger }], { staticSummary: `Retraining ${policy.name} (${opts.summary})` });
      const audit: AuditInput = { action: 'retraining_policy.trigger', targetType: 'registered_model', targetId: policy.modelId, data: { policyId: policy.id, workflowId, trigger: opts.trigger, ...opts.auditData } };
      return { row: { workflowId }, call: startCall(start), audits: [audit] };
    },
  });
}

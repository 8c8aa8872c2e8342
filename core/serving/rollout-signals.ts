import { eq } from 'drizzle-orm';
import { rollouts } from '../../db/schema';
import { isRolloutEnded, type RolloutState } from '../../rules/serving/rollout-plan';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { signalWorkflow } from '../orchestration/temporal';
import { signals } from '../orchestration/workflows';
import { actorLabel, assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { findRollout, loadRolloutViews, rolloutWorkflowId, type RolloutView } from './rollout-access';
import { rolloutActionInput } from './rollouts.schemas';

type Action = 'approve' | 'pause' | 'resume' | 'abort' | 'skip_analysis';

/** The states in which each action means something; anything else is a CONFLICT saying why. */
const ALLOWED: Record<Action, (s: RolloutState) => string | null> = {
  approve: () => null,
  pause: (s) => (s === 'paused' ? 'is already paused' : null),
  resume: (s) => (s === 'paused' ? null : 'is not paused'),
  abort: () => null,
  skip_analysis: (s) => (s === 'stepping' || s === 'analysing' || s === 'paused' ? null : 'has no step waiting for its analysis'),
};

/**
 * A person's hand on a running rollout: the signal goes to its workflow, then the audit event is
 * written (after the call, so the audit chain is never held across Temporal, and a signal Temporal
 * refused is not recorded as given). The workflow records the state change it makes.
 */
async function act(ctx: TenantContext, action: Action, input: unknown): Promise<RolloutView> {
  assertCan(ctx, 'deployment:write');
  const data = parseInput(rolloutActionInput, input);
  const r = await withTenant(ctx, (tx) => findRollout(tx, ctx, data.rolloutId));
  if (isRolloutEnded(r.state)) throw new AppError('CONFLICT', `Rollout #${r.n} has already ended (${r.state.replace('_', ' ')})`);
  const problem = ALLOWED[action](r.state);
  if (problem) throw new AppError('CONFLICT', `Rollout #${r.n} ${problem}`);
  const by = actorLabel(ctx.actor);
  const workflowId = rolloutWorkflowId(r.deploymentId, r.n);
  const reason = data.reason ?? null;
  switch (action) {
    case 'approve':
      await signalWorkflow(workflowId, signals.approveRollout, { by });
      break;
    case 'pause':
      await signalWorkflow(workflowId, signals.pauseRollout, { by });
      break;
    case 'resume':
      await signalWorkflow(workflowId, signals.resumeRollout, { by });
      break;
    case 'abort':
      await signalWorkflow(workflowId, signals.abortRollout, { by, reason });
      break;
    case 'skip_analysis':
      await signalWorkflow(workflowId, signals.skipRolloutAnalysis, { by });
      break;
  }
  return withTenant(ctx, async (tx) => {
    if (action === 'approve') await tx.update(rollouts).set({ approvedBy: by, updatedAt: new Date() }).where(eq(rollouts.id, r.id));
    await recordAudit(tx, ctx, { action: `rollout.${action}`, targetType: 'deployment', targetId: r.deploymentId, data: { rolloutId: r.id, n: r.n, to: r.toVersion, stateWhenAsked: r.state, reason } });
    return (await loadRolloutViews(tx, [await findRollout(tx, ctx, r.id)]))[0]!;
  });
}

/** Lets the canary take all the traffic once its last analysis passes (the plan's approval gate). */
export const approveRollout = (ctx: TenantContext, input: unknown) => act(ctx, 'approve', input);
/** Holds the canary at its current weight: no next step, no analysis, until resumed. */
export const pauseRollout = (ctx: TenantContext, input: unknown) => act(ctx, 'pause', input);
export const resumeRollout = (ctx: TenantContext, input: unknown) => act(ctx, 'resume', input);
/** Ends the rollout now: all traffic back on the stable version. */
export const abortRollout = (ctx: TenantContext, input: unknown) => act(ctx, 'abort', input);
/** Ends the current step's wait and passes it without judging it (its numbers are still recorded). */
export const skipRolloutAnalysis = (ctx: TenantContext, input: unknown) => act(ctx, 'skip_analysis', input);

import { and, eq, max } from 'drizzle-orm';
import { registeredModels, rollouts } from '../../db/schema';
import { presetPlan, rolloutPlanSchema, type RolloutPlan } from '../../rules/serving/rollout-plan';
import { newId } from '../ids';
import { AppError } from '../errors';
import { recordThenStart, startCall } from '../orchestration/record-then-start';
import { workflowStart } from '../orchestration/workflows';
import { findVersion } from '../registry/access';
import { assertAliasMovePermitted } from '../registry/alias-policy';
import { actorLabel, assertCan, isSystemContext, type ActingContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { findDeployment, parseTraffic } from './access';
import { assertServable } from './create-deployment';
import { loadRolloutViews, rolloutWorkflowId, unfinishedRollout, type RolloutView } from './rollout-access';
import { startRolloutInput } from './rollouts.schemas';

/**
 * Starts a canary rollout of a version on a deployment: the rollout row and its workflow
 * (`rollout/<deploymentId>/<n>`) as one unit. One rollout per deployment at a time: while one is
 * unfinished, another is a CONFLICT naming it. A person needs `deployment:write`, and when the
 * deployment follows an alias, the right to move that alias now, since promotion moves it. A system
 * context is an alias move starting the rollout by itself (see auto-rollout.ts).
 */
export async function startRollout(ctx: ActingContext, input: unknown): Promise<RolloutView> {
  if (!isSystemContext(ctx)) assertCan(ctx, 'deployment:write');
  const data = parseInput(startRolloutInput, input);
  // The business key is the deployment's ID, whichever way the caller named it.
  const { id: deploymentId } = await withTenant(ctx, (tx) => findDeployment(tx, ctx, data.deployment));
  return recordThenStart(ctx, {
    key: `rollout/${deploymentId}`,
    async record(tx) {
      const dep = await findDeployment(tx, ctx, { deploymentId }, { forUpdate: true });
      const running = await unfinishedRollout(tx, dep.id);
      if (running) {
        throw new AppError('CONFLICT', `Rollout #${running.n} (${running.id}) of version ${running.toVersion} is still ${running.state.replace('_', ' ')} on '${dep.name}': abort it or let it finish first`);
      }
      const [model] = await tx.select().from(registeredModels).where(eq(registeredModels.id, dep.modelId));
      const target = await findVersion(tx, model!, data.version);
      await assertServable(target, 'version');
      const stable = parseTraffic(dep).arms.find((a) => a.role === 'stable');
      if (!stable) throw new AppError('BAD_USER_INPUT', `'${dep.name}' has no stable version to compare a canary with: set its traffic to one stable version first`);
      if (stable.versionId === target.id) throw new AppError('BAD_USER_INPUT', `Version ${target.version} is already the stable version of '${dep.name}'`, { fields: [{ path: 'version', message: 'Already stable' }] });
      if (dep.followAlias) await assertAliasMovePermitted(tx, ctx, { model: model!, alias: dep.followAlias, toVersion: target });

      const base: RolloutPlan = data.plan ? rolloutPlanSchema.parse(data.plan) : presetPlan(data.preset ?? 'standard');
      const plan = data.requireApproval == null ? base : { ...base, requireApproval: data.requireApproval };
      const [{ last }] = (await tx.select({ last: max(rollouts.n) }).from(rollouts).where(and(eq(rollouts.orgId, ctx.orgId), eq(rollouts.deploymentId, dep.id)))) as [{ last: number | null }];
      const n = (last ?? 0) + 1;
      const system = isSystemContext(ctx);
      const [row] = await tx
        .insert(rollouts)
        .values({
          id: newId('rollout'),
          orgId: ctx.orgId,
          deploymentId: dep.id,
          n,
          fromVersionId: stable.versionId,
          fromVersion: stable.version,
          toVersionId: target.id,
          toVersion: target.version,
          plan,
          startedBy: system ? null : ctx.actor.userId,
          startedByApiKey: !system && ctx.actor.kind === 'api_key' ? ctx.actor.apiKeyId : null,
          startedByLabel: system ? `system (${ctx.process})` : actorLabel(ctx.actor),
          reason: data.reason ?? null,
        })
        .returning();
      const workflowId = rolloutWorkflowId(dep.id, n);
      const start = workflowStart('canaryRolloutWorkflow', workflowId, [{ rolloutId: row!.id, orgId: ctx.orgId }], {
        staticSummary: `Canary of ${model!.name} v${target.version} on ${dep.name} (from v${stable.version})`,
      });
      return {
        row: (await loadRolloutViews(tx, [row!]))[0]!,
        call: startCall(start),
        audits: [
          {
            action: 'rollout.start',
            targetType: 'deployment',
            targetId: dep.id,
            data: { rolloutId: row!.id, n, deployment: dep.name, from: stable.version, to: target.version, steps: plan.steps.map((s) => s.weight), requireApproval: plan.requireApproval, reason: data.reason ?? null },
          },
        ],
      };
    },
  });
}

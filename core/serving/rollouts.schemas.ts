import { z } from 'zod';
import { ROLLOUT_PRESETS, rolloutPlanSchema } from '../../rules/serving/rollout-plan';
import { versionNumberSchema } from '../registry/registry.schemas';
import { idSchema } from '../validation';
import { deploymentRefSchema } from './serving.schemas';

export const startRolloutInput = z
  .object({
    deployment: deploymentRefSchema,
    /** The version of the deployment's model to roll out as the canary. */
    version: versionNumberSchema,
    /** A plan by name... */
    preset: z.enum(ROLLOUT_PRESETS, { message: `The plan preset is one of ${ROLLOUT_PRESETS.join(', ')}` }).nullish(),
    /** ...or written out; `standard` when neither is given. */
    plan: rolloutPlanSchema.nullish(),
    /** Overrides the plan's own setting. */
    requireApproval: z.boolean().nullish(),
    reason: z.string().trim().max(500, 'The reason is at most 500 characters').nullish(),
  })
  .refine((d) => d.preset == null || d.plan == null, { message: 'Give a plan preset or a plan, not both', path: ['plan'] });

export const rolloutRefSchema = z.object({ rolloutId: idSchema('Rollout ID') });

export const rolloutActionInput = rolloutRefSchema.extend({
  reason: z.string().trim().max(500, 'The reason is at most 500 characters').nullish(),
});

export const listRolloutsInput = z.object({ deployment: deploymentRefSchema, limit: z.number().int().min(1).max(100).default(20) });

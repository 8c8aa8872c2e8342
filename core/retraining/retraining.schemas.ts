import { z } from 'zod';
import { jobTemplateSchema } from '../evaluation/evaluation.schemas';
import { modelRefSchema } from '../registry/registry.schemas';
import { idSchema, nameSchema } from '../validation';

/** Five-field cron (minute hour day-of-month month day-of-week), or an `@every`/`@daily`-style macro Temporal reads. */
const cronSchema = z
  .string()
  .trim()
  .max(100)
  .refine(
    (c) => /^@(yearly|annually|monthly|weekly|daily|hourly|every\s+\d+[smhd])$/.test(c) || /^(\S+\s+){4}\S+$/.test(c),
    'Write the schedule as cron with five fields (e.g. "0 3 * * 1" = Mondays 03:00) or a macro like @daily',
  );

export const createRetrainingPolicyInput = z.object({
  model: modelRefSchema,
  name: nameSchema('Policy name', 100).default('scheduled retraining'),
  jobTemplate: jobTemplateSchema,
  /** The artifact path the training job saves its model under (registered as a new version). */
  artifactPath: z.string().trim().min(1).max(500).default('model'),
  cron: cronSchema,
  timezone: z.string().trim().max(64).default('UTC'),
  evaluate: z.boolean().default(true),
  autoPromote: z.boolean().default(false),
});

export const policyIdInput = z.object({ policyId: idSchema('Retraining policy ID') });

export const setRetrainingPausedInput = policyIdInput.extend({ paused: z.boolean() });

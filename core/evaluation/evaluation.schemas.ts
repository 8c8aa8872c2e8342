import { z } from 'zod';
import { jobSpecSchema } from '../../rules/job-spec';
import { modelRefSchema } from '../registry/registry.schemas';
import { idSchema } from '../validation';

/**
 * The job a policy runs (an evaluation policy's metrics job, a retraining policy's training job):
 * a job spec without model registration, whose project defaults to the model's.
 */
export const jobTemplateSchema = jobSpecSchema.omit({ registerModel: true }).extend({ project: jobSpecSchema.shape.project.optional() });

export const setEvaluationPolicyInput = z.object({
  model: modelRefSchema,
  checks: z.array(z.string().max(500)).max(50),
  jobTemplate: jobTemplateSchema,
});

export const evaluationInput = z.object({ modelVersionId: idSchema('Model version ID') });

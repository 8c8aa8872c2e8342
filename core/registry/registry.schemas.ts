import { z } from 'zod';
import { ALIAS_MAX_LENGTH, MODEL_NAME_MAX_LENGTH } from '../../rules/model-names';
import { modelNameSchema } from '../../rules/model-names.schema';
import { AppError } from '../errors';
import { keySchema } from '../tracking/tracking.schemas';
import { idSchema } from '../validation';

export const REGISTRY_LIMITS = {
  nameLength: MODEL_NAME_MAX_LENGTH,
  aliasLength: ALIAS_MAX_LENGTH,
  tagValueLength: 5000,
  descriptionLength: 5000,
  sourceLength: 2048,
  tagsPerCall: 100,
  maxResults: 1000,
} as const;

// The name and alias rules are rules/model-names.ts, shared with the UI's forms.
export { aliasSchema, modelNameSchema } from '../../rules/model-names.schema';

export const versionNumberSchema = z
  .union([z.number(), z.string()])
  .transform((v, c) => {
    const n = typeof v === 'number' ? v : /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1) {
      c.addIssue({ code: 'custom', message: `Model version must be a positive integer, got '${String(v).slice(0, 40)}'` });
      return z.NEVER;
    }
    return n;
  });

export const registryTagSchema = z.object({
  key: keySchema('Tag'),
  value: z.string().max(REGISTRY_LIMITS.tagValueLength, `Tag value must be at most ${REGISTRY_LIMITS.tagValueLength} characters`),
});

export const registryDescriptionSchema = z
  .string()
  .max(REGISTRY_LIMITS.descriptionLength, `Description must be at most ${REGISTRY_LIMITS.descriptionLength} characters`);

export const tagsInput = z.array(registryTagSchema).max(REGISTRY_LIMITS.tagsPerCall, `At most ${REGISTRY_LIMITS.tagsPerCall} tags`).default([]);

/** A registered model is addressed by its Gantry ID or, as MLflow does, by its name. */
export const modelRefSchema = z.union([z.object({ modelId: idSchema('Registered model ID') }), z.object({ name: modelNameSchema })]);
export type ModelRef = z.infer<typeof modelRefSchema>;

export const MODEL_VERSION_STATUSES = ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'] as const;
export const MODEL_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;

export const pageTokenSchema = z.string().max(200).nullish();

export function decodeOffset(token: string | null | undefined): number {
  if (!token) return 0;
  const n = Number.parseInt(Buffer.from(token, 'base64url').toString('utf8'), 10);
  if (!Number.isSafeInteger(n) || n < 0) throw new AppError('BAD_USER_INPUT', 'Invalid page token');
  return n;
}

export const encodeOffset = (n: number) => Buffer.from(String(n)).toString('base64url');

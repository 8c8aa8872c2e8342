import { posix } from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors';
import { idSchema } from '../validation';

/** MLflow's server-side limits, so a client that works against MLflow works here and vice versa. */
export const LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  experimentNameLength: 500,
  runNameLength: 250,
  datasetsPerCall: 100,
} as const;

export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;
export type ViewType = (typeof VIEW_TYPES)[number];

const KEY_CHARS = /^[A-Za-z0-9_\-. /:]+$/;

/** MLflow rejects keys that a file store could not use as a path: `a/../b`, `/a`, `a//b`, `.`. */
function pathNotUnique(key: string): boolean {
  const norm = posix.normalize(key);
  return norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/');
}

export const keySchema = (what: string) =>
  z
    .string({ message: `${what} key is required` })
    .min(1, `${what} key is required`)
    .max(LIMITS.keyLength, `${what} key must be at most ${LIMITS.keyLength} characters`)
    .refine((k) => KEY_CHARS.test(k), {
      message: `${what} key may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/)`,
    })
    .refine((k) => !pathNotUnique(k), { message: `${what} key must be a normalized path (no "..", leading "/" or "//")` });

/** Tag keys follow the same character rules; MLflow's own `mlflow.*` tags fit them. */
export const paramSchema = z.object({
  key: keySchema('Param'),
  value: z.string().max(LIMITS.paramValueLength, `Param value must be at most ${LIMITS.paramValueLength} characters`),
});
export const tagSchema = z.object({
  key: keySchema('Tag'),
  value: z.string().max(LIMITS.tagValueLength, `Tag value must be at most ${LIMITS.tagValueLength} characters`),
});

/**
 * A metric value: a finite number, or NaN/±Infinity given as a number or as the
 * strings protobuf JSON uses ("NaN", "Infinity", "-Infinity"). Anything else is rejected
 * rather than coerced, so `"0.9x"` never becomes 0.9.
 */
export const metricValueSchema = z.unknown().transform((v, c) => {
  // z.number() refuses NaN and ±Infinity, which are legitimate metric values here.
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') {
    c.addIssue({ code: 'custom', message: `Metric value must be a number, got ${v === null || v === undefined ? 'nothing' : typeof v}` });
    return z.NEVER;
  }
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity' || v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity' || v === '-inf') return Number.NEGATIVE_INFINITY;
  const n = Number(v);
  if (v.trim() === '' || Number.isNaN(n)) {
    c.addIssue({ code: 'custom', message: `Metric value must be a number, got "${v.slice(0, 40)}"` });
    return z.NEVER;
  }
  return n;
});

/** int64 fields arrive as JSON numbers or, from protobuf JSON, as decimal strings. */
export const int64Schema = (what: string) =>
  z.union([z.number(), z.string()]).transform((v, c) => {
    const n = typeof v === 'number' ? v : /^-?\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n)) {
      c.addIssue({ code: 'custom', message: `${what} must be an integer` });
      return z.NEVER;
    }
    return n;
  });

export const metricSchema = z.object({
  key: keySchema('Metric'),
  value: metricValueSchema,
  timestamp: int64Schema('Metric timestamp'),
  step: int64Schema('Metric step').default(0),
});

export const runIdSchema = idSchema('Run ID');
export const experimentIdSchema = idSchema('Experiment ID');

export const experimentNameSchema = z
  .string({ message: 'Experiment name is required' })
  .trim()
  .min(1, 'Experiment name is required')
  .max(LIMITS.experimentNameLength, `Experiment name must be at most ${LIMITS.experimentNameLength} characters`)
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'Experiment name must not contain control characters');

export const runNameSchema = z
  .string()
  .trim()
  .max(LIMITS.runNameLength, `Run name must be at most ${LIMITS.runNameLength} characters`)
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'Run name must not contain control characters');

/** MLflow answers a param re-logged with a different value with INVALID_PARAMETER_VALUE. */
export const paramChanged = (key: string, oldValue: string, newValue: string) =>
  new AppError(
    'BAD_USER_INPUT',
    `Changing param values is not allowed. Param with key='${key}' was already logged with value='${oldValue.slice(0, 200)}' for this run. Attempted logging new value '${newValue.slice(0, 200)}'.`,
    { fields: [{ path: `params.${key}`, message: 'Params are immutable once logged' }] },
  );

import { z } from 'zod';

/**
 * Zod pieces the rules' schemas share. A rule the browser also checks is a plain
 * function in its own module (no zod in the UI bundle); its schema applies it with
 * {@link checkedBy}, so the server and the form give the same message.
 */

/** A refinement that reports what `problem` finds, as the value's one issue. */
export const checkedBy =
  (problem: (value: string) => string | undefined) =>
  (value: string, ctx: z.RefinementCtx): void => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  };

/** A display name: trimmed, required, at most `max` characters, no control characters. */
export const nameSchema = (what: string, max = 100) =>
  z
    .string()
    .trim()
    .min(1, `${what} is required`)
    .max(max, `${what} must be at most ${max} characters`)
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), `${what} must not contain control characters`);

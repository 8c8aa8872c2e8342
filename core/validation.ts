import { z } from 'zod';
import { AppError } from './errors';

/** Parses input with a zod schema; failures become BAD_USER_INPUT with per-field messages. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const fields = r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  // The message is for people; `fields` carries the paths for forms and tools.
  const message = fields[0]?.message ?? 'Invalid input';
  throw new AppError('BAD_USER_INPUT', message, { fields });
}

export const emailSchema = z
  .string()
  .trim()
  .max(254, 'Email is too long')
  .pipe(z.email({ message: 'Enter a valid email address' }))
  .transform((e) => e.toLowerCase());

export { nameSchema } from '../rules/schema';

export const descriptionSchema = z.string().trim().max(2000, 'Description must be at most 2000 characters').default('');

export const idSchema = (what: string) => z.string().min(1, `${what} is required`).max(64, `${what} is not a valid ID`);

/** URL-safe slug from a display name; `suffix` disambiguates. */
export function slugify(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return s || 'item';
}

import { z } from 'zod';
import { jobFileSchema } from '../../../rules/job-spec';

/** What a field holds: text, a number, a list, a map of names to values, an object of known keys, a list of such objects. */
export type Field = 'text' | 'number' | 'list' | 'map' | { object: Record<string, Field> } | { listOf: Record<string, Field> };

/** The parts of a JSON Schema the job spec's translation uses. */
interface JsonSchema {
  type?: string;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
}

/** A field as a file writes it: an optional or nullable field has the shape of its value. */
function fieldOf(s: JsonSchema, at: string): Field {
  const values = s.anyOf?.filter((x) => x.type !== 'null');
  if (values?.length === 1) return fieldOf(values[0]!, at);
  switch (s.type) {
    case 'string':
      return 'text';
    case 'number':
    case 'integer':
      return 'number';
    case 'array':
      return s.items?.type === 'object' && s.items.properties ? { listOf: fieldsOf(s.items, at) } : 'list';
    case 'object':
      return s.properties ? { object: fieldsOf(s, at) } : 'map';
    default:
      throw new Error(`The job spec's field ${at} has a shape the CLI cannot check: ${JSON.stringify(s)}`);
  }
}

const fieldsOf = (s: JsonSchema, at: string): Record<string, Field> =>
  Object.fromEntries(Object.entries(s.properties ?? {}).map(([key, value]) => [key, fieldOf(value, at ? `${at}.${key}` : key)]));

/**
 * The keys of a job file and the shape of each, read from the platform's schema
 * (rules/job-spec.ts: the job spec, plus `python.requirementsFile`). The CLI checks a file's keys and structure, which it needs to
 * build the GraphQL input; the values are the server's to judge.
 */
export const JOB_SPEC_FIELDS: Record<string, Field> = fieldsOf(z.toJSONSchema(jobFileSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema, '');

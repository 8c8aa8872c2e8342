import { readFileSync } from 'node:fs';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema, schema } from './schema';

describe('printed schema', () => {
  it('matches the committed graphql/schema.graphql (run `npm run schema:print` after changing types)', () => {
    const committed = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');
    expect(printSchema(lexicographicSortSchema(schema)) + '\n').toBe(committed);
  });

  it('builds again from a fresh builder, as a dev reload of a type file does, with the same result', () => {
    const again = buildSchema();
    expect(again).not.toBe(schema);
    expect(printSchema(again)).toBe(printSchema(schema));
    expect(again.getType('Run')).not.toBe(schema.getType('Run'));
  });
});

// Prints the GraphQL SDL to graphql/schema.graphql; `--check` fails when the committed file differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from '../graphql/schema';

const file = new URL('../graphql/schema.graphql', import.meta.url);
const sdl = printSchema(lexicographicSortSchema(schema)) + '\n';
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    /* missing file counts as drift */
  }
  if (current !== sdl) {
    console.error('graphql/schema.graphql is out of date: run `npm run schema:print` and commit the result.');
    process.exit(1);
  }
  console.log('graphql/schema.graphql is up to date');
} else {
  writeFileSync(file, sdl);
  console.log('wrote graphql/schema.graphql');
}

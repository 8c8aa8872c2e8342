import { randomInt } from 'node:crypto';

const ADJECTIVES = ['amber', 'bold', 'brisk', 'calm', 'clever', 'crisp', 'daring', 'eager', 'fleet', 'gentle', 'glad', 'keen', 'lively', 'lucid', 'merry', 'nimble', 'quiet', 'rapid', 'sly', 'steady', 'sunny', 'swift', 'tidy', 'vivid', 'witty'];
const NOUNS = ['badger', 'comet', 'crane', 'falcon', 'fern', 'finch', 'fox', 'gecko', 'heron', 'lark', 'lynx', 'maple', 'moth', 'orca', 'otter', 'owl', 'panda', 'quail', 'raven', 'robin', 'seal', 'sparrow', 'tern', 'wren', 'yak'];

/** A readable name for a run the client did not name, like MLflow's `bright-owl-123`. */
export function generateRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}

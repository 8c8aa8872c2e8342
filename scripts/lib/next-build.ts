import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Folders that `next build` does not read (the web app imports app/, graphql/, core/ and db/). */
const BUILD_INPUT_SKIP = new Set([
  'node_modules', '.next', '.gantry', '.git', '.ci', 'test-results', 'playwright-report', 'e2e', 'scripts',
  'workers', 'workflows', 'bench', 'docs', 'cli', 'examples',
]);

/** Top-level files that do not change what `next build` produces (some are written by tools). */
const NOT_BUILD_INPUT = /\.(md|tsbuildinfo)$|^next-env\.d\.ts$|^\.gitignore$|^(eslint|vitest|playwright|drizzle)\.config\./;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') && entry.isDirectory()) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.isFile() && !/\.(test|spec)\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** Why `next build` must run first in `root`, or undefined when the existing production build is current. */
export function buildNeeded(root: string): string | undefined {
  const buildId = path.join(root, '.next', 'BUILD_ID');
  if (!existsSync(buildId)) return 'no production build yet';
  const built = statSync(buildId).mtimeMs;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (BUILD_INPUT_SKIP.has(entry.name) || NOT_BUILD_INPUT.test(entry.name)) continue;
    const full = path.join(root, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(full) : entry.isFile() ? statSync(full).mtimeMs : 0;
    if (mtime > built) return `sources changed since the last build (${entry.name})`;
  }
  return undefined;
}

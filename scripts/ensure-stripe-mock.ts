/**
 * Makes sure a stripe-mock binary is available (building the pinned one with Go when needed) and
 * prints its absolute path as the last line, for CI and shell scripts.
 */
import { findOrBuildStripeMock } from './lib/stripe-mock-binary';

const found = await findOrBuildStripeMock({ log: (line) => console.error(line) });
if (found.binary === null) {
  console.error(found.reason);
  process.exit(1);
}
console.log(found.binary);

/**
 * Makes sure a Temporal CLI is available (building the pinned one with Go when needed)
 * and prints its absolute path as the last line, for CI and shell scripts.
 */
import { findOrBuildTemporal } from './lib/temporal-binary';

try {
  const binary = await findOrBuildTemporal({ log: (line) => console.error(line) });
  console.log(binary);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

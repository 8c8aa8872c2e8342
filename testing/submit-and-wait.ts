/**
 * Stands in for a worker in local-backend.test.ts: submits one job to the local backend,
 * prints `submitted`, and then idles until the test kills it.
 * Usage: node --import tsx submit-and-wait.ts <jobsDir> <spec JSON>
 */
import { LocalBackend } from '../core/compute/local-backend';

const [jobsDir, specJson] = process.argv.slice(2);
if (!jobsDir || !specJson) throw new Error('usage: submit-and-wait.ts <jobsDir> <spec JSON>');
const backend = new LocalBackend({ jobsDir, sampleIntervalMs: 200 });
await backend.submit(JSON.parse(specJson));
process.stdout.write('submitted\n');
setInterval(() => undefined, 60_000);

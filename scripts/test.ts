/**
 * `npm test`: vitest (unit and integration, on real PostgreSQL and Temporal), then the
 * Playwright suite against the whole platform. Reports land in test-results/.
 *
 *   npm test                     everything
 *   npm test -- --only unit      vitest only (extra arguments filter test files)
 *   npm test -- --only e2e       Playwright only (extra arguments go to Playwright)
 *
 * The last line printed is always `N passed, N failed[, N skipped]`; the exit code is
 * non-zero when anything failed or a runner crashed. The pytest cases the Playwright suite
 * runs (e2e/mlflow.spec.ts) count one by one, from the JUnit report they leave; a skipped
 * case counts as failed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseJUnit } from './lib/junit';
import { findOrBuildKubernetes } from './lib/kubernetes-binaries';
import { findOrBuildMinio } from './lib/minio-binary';
import { findOrBuildStripeMock } from './lib/stripe-mock-binary';
import { findOrBuildTemporal } from './lib/temporal-binary';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'test-results');
const VITEST_JSON = path.join(RESULTS, 'vitest.json');
const PLAYWRIGHT_JSON = path.join(RESULTS, 'playwright.json');
/** Written by e2e/mlflow.spec.ts, which runs the real mlflow client's pytest suite. */
const PYTEST_XML = path.join(RESULTS, 'pytest.xml');

interface Tally {
  runner: string;
  passed: number;
  failed: number;
  skipped: number;
  /** Why the runner's own result cannot be trusted (crash, errors outside tests). */
  problems: string[];
  /** The failed tests, `file › title: first line of the error`, so the end of a long log names them. */
  failures: string[];
}

/** The first non-empty line of an error message, without terminal colours, kept short. */
function firstLine(message: string | undefined): string {
  const line = (message ?? '').replace(/\u001b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function runInherit(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit', env: process.env });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.once('error', () => resolve(127));
  });
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { status: string; fullName?: string; title: string; failureMessages?: string[] }[];
  }[];
}

async function runVitest(filters: string[]): Promise<Tally> {
  rmSync(VITEST_JSON, { force: true });
  const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const code = await runInherit([vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${VITEST_JSON}`, ...filters]);
  const tally: Tally = { runner: 'vitest', passed: 0, failed: 0, skipped: 0, problems: [], failures: [] };
  const report = readJson<VitestReport>(VITEST_JSON);
  if (!report) {
    tally.problems.push(`vitest wrote no report (exit code ${code})`);
    return tally;
  }
  tally.passed = report.numPassedTests;
  tally.failed = report.numFailedTests;
  tally.skipped = report.numPendingTests + report.numTodoTests;
  for (const file of report.testResults) {
    for (const a of file.assertionResults.filter((x) => x.status === 'failed')) {
      tally.failures.push(`${path.relative(ROOT, file.name)} › ${a.fullName ?? a.title}: ${firstLine(a.failureMessages?.[0])}`);
    }
    // A file that fails to load or whose hooks throw has no failed test to count.
    if (file.status === 'failed' && !file.assertionResults.some((a) => a.status === 'failed')) {
      tally.problems.push(`${path.relative(ROOT, file.name)} failed outside its tests${file.message ? `: ${file.message.split('\n')[0]}` : ''}`);
    }
  }
  if (code !== 0 && tally.failed === 0 && tally.problems.length === 0) {
    tally.problems.push(`vitest exited with code ${code} although no test failed (unhandled errors?)`);
  }
  return tally;
}

function specFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return specFiles(full);
    return e.isFile() && e.name.endsWith('.spec.ts') ? [full] : [];
  });
}

interface PlaywrightSuite {
  title: string;
  file?: string;
  suites?: PlaywrightSuite[];
  specs?: { title: string; ok: boolean; file: string; line: number; tests: { status: string; results: { error?: { message?: string } }[] }[] }[];
}

interface PlaywrightReport {
  stats?: { expected: number; unexpected: number; flaky: number; skipped: number };
  errors?: { message?: string }[];
  suites?: PlaywrightSuite[];
}

/** `file:line › title: error` for each spec that failed (a flaky one passed on a retry and is not listed). */
function playwrightFailures(suites: PlaywrightSuite[] = []): string[] {
  return suites.flatMap((suite) => [
    ...(suite.specs ?? [])
      .filter((spec) => spec.tests.some((t) => t.status === 'unexpected'))
      .map((spec) => {
        const error = spec.tests.flatMap((t) => t.results).find((r) => r.error)?.error?.message;
        return `e2e/${spec.file}:${spec.line} › ${spec.title}: ${firstLine(error)}`;
      }),
    ...playwrightFailures(suite.suites),
  ]);
}

/**
 * The pytest cases of the last Playwright run, each its own result; undefined when no
 * spec ran pytest. A skipped case is a failure: it would otherwise pass unseen.
 */
function pytestTally(): Tally | undefined {
  if (!existsSync(PYTEST_XML)) return undefined;
  const tally: Tally = { runner: 'pytest', passed: 0, failed: 0, skipped: 0, problems: [], failures: [] };
  const cases = parseJUnit(readFileSync(PYTEST_XML, 'utf8'));
  if (cases.length === 0) tally.problems.push(`${path.relative(ROOT, PYTEST_XML)} holds no test cases`);
  for (const c of cases) {
    if (c.outcome === 'passed') {
      tally.passed++;
      continue;
    }
    tally.failed++;
    const file = `${c.classname.replace(/\./g, '/')}.py`;
    tally.failures.push(`${file} › ${c.name}: ${c.outcome === 'failed' ? '' : `${c.outcome}: `}${firstLine(c.message)}`);
  }
  return tally;
}

async function runPlaywright(args: string[]): Promise<Tally | undefined> {
  if (specFiles(path.join(ROOT, 'e2e')).length === 0) {
    console.log('No Playwright specs (e2e/**/*.spec.ts) yet; skipping the e2e suite.');
    return undefined;
  }
  rmSync(PLAYWRIGHT_JSON, { force: true });
  rmSync(PYTEST_XML, { force: true });
  const cli = path.join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js');
  const code = await runInherit([cli, 'test', '--config', path.join(ROOT, 'playwright.config.ts'), ...args]);
  const tally: Tally = { runner: 'playwright', passed: 0, failed: 0, skipped: 0, problems: [], failures: [] };
  const report = readJson<PlaywrightReport>(PLAYWRIGHT_JSON);
  if (!report?.stats) {
    tally.problems.push(`Playwright wrote no report (exit code ${code})`);
    return tally;
  }
  // Flaky tests passed on a retry.
  tally.passed = report.stats.expected + report.stats.flaky;
  tally.failed = report.stats.unexpected;
  tally.skipped = report.stats.skipped;
  tally.failures = playwrightFailures(report.suites);
  for (const e of report.errors ?? []) tally.problems.push(`Playwright: ${(e.message ?? 'error').split('\n')[0]}`);
  if (code !== 0 && tally.failed === 0 && tally.problems.length === 0) {
    tally.problems.push(`Playwright exited with code ${code} although no test failed`);
  }
  return tally;
}

function line(t: { passed: number; failed: number; skipped: number }): string {
  return `${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ''}`;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: { only: { type: 'string' } }, allowPositionals: true });
  const only = values.only;
  if (only !== undefined && only !== 'unit' && only !== 'e2e') {
    console.error(`--only must be "unit" or "e2e", not "${only}"`);
    console.log('0 passed, 1 failed');
    return 2;
  }
  const runUnit = only !== 'e2e';
  const runE2e = only !== 'unit';
  process.chdir(ROOT);
  mkdirSync(RESULTS, { recursive: true });

  const tallies: Tally[] = [];
  // The workflow tests always start a local Temporal; the platform under e2e does unless TEMPORAL_ADDRESS is set.
  if (runUnit || !process.env.TEMPORAL_ADDRESS) {
    try {
      process.env.TEMPORAL_CLI_PATH = await findOrBuildTemporal();
    } catch (err) {
      console.error((err as Error).message);
      console.log('0 passed, 1 failed');
      return 1;
    }
  }

  // The S3 artifact store is tested against a real MinIO; building it takes minutes once, so not inside a test hook.
  if (runUnit) {
    const minio = await findOrBuildMinio({ log: (l) => console.error(l) });
    if (minio.binary !== null) process.env.MINIO_PATH = minio.binary;
    else console.error(`MinIO is not available (${minio.reason}); the S3 store tests will fail.`);
  }

  // Billing talks to stripe-mock with the real stripe client, in the vitest suite and under the Playwright stories' platform.
  {
    const stripeMock = await findOrBuildStripeMock({ log: (l) => console.error(l) });
    if (stripeMock.binary !== null) process.env.STRIPE_MOCK_PATH = stripeMock.binary;
    else console.error(`stripe-mock is not available (${stripeMock.reason}); the billing tests will fail.`);
  }

  // The Kubernetes backend is tested against a real control plane; its first build takes 10 to 25 minutes, once.
  if (runUnit) {
    const kubernetes = await findOrBuildKubernetes({ log: (l) => console.error(l) });
    if (kubernetes.binaries !== null) process.env.GANTRY_KUBERNETES_BIN_DIR = kubernetes.binaries.dir;
    else console.error(`The Kubernetes control plane is not available (${kubernetes.reason}); the Kubernetes tests will fail.`);
  }

  if (runUnit) tallies.push(await runVitest(only === 'unit' ? positionals : []));
  if (runE2e) {
    const t = await runPlaywright(only === 'e2e' ? positionals : []);
    if (t) tallies.push(t);
    const pytest = t && pytestTally();
    if (pytest) tallies.push(pytest);
  }

  console.log('');
  for (const t of tallies) {
    console.log(`${t.runner}: ${line(t)}`);
    for (const f of t.failures) console.log(`  ✗ ${f}`);
    for (const p of t.problems) console.log(`  ! ${p}`);
  }
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const t of tallies) {
    total.passed += t.passed;
    // A crashed runner or an error outside any test counts as one failure, so the total never hides it.
    total.failed += t.failed + (t.problems.length > 0 ? 1 : 0);
    total.skipped += t.skipped;
  }
  console.log(line(total));
  return total.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);

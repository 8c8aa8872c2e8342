import { execFile, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { formatElapsed } from '../../rules/elapsed';
import { canConnect, sleep } from './net';
import { describeExit, forEachLine, spawnManaged, stopProcessGroup } from './processes';
import { isExecutableFile, onPath, withToolLock } from './tool-files';

/** The Temporal CLI Gantry builds when none is installed; its dev server runs workflows locally. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
/** `go install` of the CLI needs this Go or newer (older ones cannot fetch a newer toolchain). */
const MIN_GO = [1, 21] as const;

export interface FindTemporalOptions {
  /** Where a built binary lives; default `$GANTRY_TOOLS_DIR` or `~/.gantry-tools/bin`. */
  toolsDir?: string;
  log?: (line: string) => void;
  /** Default true. */
  allowBuild?: boolean;
  /** Default true: use the SDK's download when the internet is reachable. */
  allowDownload?: boolean;
  /**
   * Stops the search: a running build's whole `go` process group is killed, a wait for another
   * process's build ends, and the call rejects with an `AbortError`.
   */
  signal?: AbortSignal;
  /**
   * Told when a build begins: `pid` is our `go` process (its own process group), or, with
   * `ours: false`, the other process whose build this call waits for.
   */
  onBuildStart?: (build: { pid: number; ours: boolean }) => void;
  /** How often a build in progress prints a progress line; default 15 s. */
  progressEveryMs?: number;
}

function abortError(): Error {
  const err = new Error('Stopped while looking for the Temporal CLI');
  err.name = 'AbortError';
  return err;
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/** Sleeps, but wakes (and throws) as soon as `signal` aborts. */
async function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) throw abortError();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
  if (signal?.aborted) throw abortError();
}

export function defaultToolsDir(): string {
  return path.resolve(process.env.GANTRY_TOOLS_DIR || path.join(os.homedir(), '.gantry-tools', 'bin'));
}

function run(file: string, args: string[], timeoutMs = 20_000): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ ok: !err, out: `${stdout}${stderr}`.trim() });
    });
  });
}

/** True when `file` runs and reports itself as the Temporal CLI. */
async function isTemporalCli(file: string): Promise<boolean> {
  if (!isExecutableFile(file)) return false;
  const { ok, out } = await run(file, ['--version']);
  return ok && /^temporal version/m.test(out);
}

async function findGo(): Promise<{ go?: string; reason?: string }> {
  const candidates = [onPath('go'), '/usr/local/go/bin/go', path.join(os.homedir(), '.gantry-tools', 'go', 'bin', 'go')];
  let tooOld: string | undefined;
  for (const go of candidates) {
    if (!go || !isExecutableFile(go)) continue;
    const { ok, out } = await run(go, ['env', 'GOVERSION']);
    const m = /go(\d+)\.(\d+)/.exec(out);
    if (!ok || !m) continue;
    const [major, minor] = [Number(m[1]), Number(m[2])];
    if (major > MIN_GO[0] || (major === MIN_GO[0] && minor >= MIN_GO[1])) return { go };
    tooOld = `${go} is ${out}, older than go${MIN_GO.join('.')}`;
  }
  return { reason: tooOld ?? 'Go is not installed' };
}

/**
 * Serialises builds between processes that start at the same moment (e.g. `npm test` and
 * `npm run dev` on a fresh machine): one builds, the others wait and reuse its binary.
 */
async function withBuildLock<T>(toolsDir: string, opts: BuildOptions, fn: () => Promise<T>): Promise<T> {
  if (opts.signal?.aborted) throw abortError();
  let lastReport = -1;
  return withToolLock(toolsDir, 'temporal', fn, {
    onWaiting(holder, waitedMs) {
      if (lastReport < 0) {
        lastReport = waitedMs;
        opts.log(`Another process (pid ${holder}) is building the Temporal CLI; waiting for it…`);
        opts.onBuildStart?.({ pid: holder, ours: false });
      } else if (waitedMs - lastReport >= opts.progressEveryMs) {
        lastReport = waitedMs;
        opts.log(`Waiting for pid ${holder} to build the Temporal CLI… ${formatElapsed(waitedMs)}`);
      }
    },
    pause: () => abortableSleep(1000, opts.signal),
  });
}

interface BuildOptions {
  log: (line: string) => void;
  signal?: AbortSignal;
  onBuildStart?: FindTemporalOptions['onBuildStart'];
  progressEveryMs: number;
}

/** A line `go install -v` prints as it compiles a package: an import path and nothing else. */
const PACKAGE_LINE = /^[\w.~-]+(\/[\w.~+-]+)*$/;

/** What `go install -v` is doing, from its output: downloading modules, then compiling packages, then linking. */
class GoProgress {
  downloads = 0;
  compiled = 0;
  current = '';

  see(line: string): void {
    if (line.startsWith('go: downloading ')) this.downloads++;
    else if (PACKAGE_LINE.test(line)) {
      this.compiled++;
      this.current = line;
    }
  }

  describe(): string {
    if (this.current === TEMPORAL_CLI_MODULE) return `linking the temporal binary (${this.compiled} packages compiled)`;
    if (this.compiled > 0) return `compiling: ${this.compiled} packages so far, now ${this.current}`;
    if (this.downloads > 0) return `downloading modules: ${this.downloads} so far`;
    return 'resolving modules, reusing its build cache or linking: go says nothing meanwhile';
  }
}

async function buildWithGo(go: string, toolsDir: string, opts: BuildOptions): Promise<string> {
  const { log, signal } = opts;
  const target = path.join(toolsDir, 'temporal');
  const logFile = path.join(toolsDir, 'temporal-build.log');
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${toolsDir} (first run only; this takes a few minutes)…`);
  const started = Date.now();
  const out = createWriteStream(logFile);
  const recent: string[] = [];
  const progress = new GoProgress();
  // Its own process group, so that stopping it also stops the compilers and linker it runs.
  const child = spawn(go, ['install', '-v', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
    env: { ...process.env, GOBIN: toolsDir, CGO_ENABLED: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const onLine = (line: string) => {
    out.write(`${line}\n`);
    progress.see(line);
    if (line.trim()) recent.push(line);
    recent.splice(0, Math.max(0, recent.length - 40));
  };
  forEachLine(child.stdout, onLine);
  forEachLine(child.stderr, onLine);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (c) => resolve(c));
    child.once('error', () => resolve(127));
  });
  if (child.pid) {
    // The build may take every core for minutes; at a lower priority it leaves them to the web app
    // (compiling pages on first request in development) whenever that needs them. Its compilers inherit it.
    try {
      os.setPriority(child.pid, Math.min(19, os.getPriority(process.pid) + 10));
    } catch {
      // Not permitted here: the build runs at our priority.
    }
    opts.onBuildStart?.({ pid: child.pid, ours: true });
  }
  const timer = setInterval(() => {
    log(`Building the Temporal CLI… ${formatElapsed(Date.now() - started)} (${progress.describe()})`);
  }, opts.progressEveryMs);
  const stop = () => void (child.pid ? stopProcessGroup(child.pid, 'SIGTERM', 5_000) : undefined);
  signal?.addEventListener('abort', stop, { once: true });
  let code: number | null;
  try {
    code = await exited;
  } finally {
    clearInterval(timer);
    signal?.removeEventListener('abort', stop);
    await new Promise<void>((resolve) => out.end(resolve));
  }
  if (signal?.aborted) {
    // The group may still hold a compiler that outlived `go` itself.
    if (child.pid) await stopProcessGroup(child.pid, 'SIGKILL', 5_000);
    log(`Stopped building the Temporal CLI after ${formatElapsed(Date.now() - started)}.`);
    throw abortError();
  }
  if (code !== 0 || !(await isTemporalCli(target))) {
    throw new Error(
      `Building the Temporal CLI failed (go install exited with ${code}). Last output:\n${recent.join('\n')}\nFull log: ${logFile}`,
    );
  }
  log(`Built ${target} in ${formatElapsed(Date.now() - started)}.`);
  return target;
}

async function internetReachable(): Promise<boolean> {
  try {
    await fetch('https://temporal.download/', { method: 'HEAD', signal: AbortSignal.timeout(5000) });
    return true;
  } catch {
    return false;
  }
}

function newestExecutable(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir)
    .map((name) => path.join(dir, name))
    .filter(isExecutableFile)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/** Lets the Temporal TS SDK download its default CLI build into `dir` and returns that file. */
async function downloadWithSdk(dir: string, log: (l: string) => void): Promise<string> {
  let testing: typeof import('@temporalio/testing');
  try {
    testing = await import('@temporalio/testing');
  } catch {
    throw new Error('@temporalio/testing is not installed (it is a dev dependency)');
  }
  mkdirSync(dir, { recursive: true });
  log(`Downloading the Temporal CLI through the Temporal SDK into ${dir}…`);
  const testEnv = await testing.TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'cached-download', downloadDir: dir } },
  });
  await testEnv.teardown();
  const file = newestExecutable(dir);
  if (!file || !(await isTemporalCli(file))) throw new Error(`the SDK download left no Temporal CLI in ${dir}`);
  return file;
}

/**
 * Returns the absolute path of a Temporal CLI, in this order: `TEMPORAL_CLI_PATH`;
 * `temporal` on PATH; one built earlier into the tools dir; a fresh `go install` of the
 * pinned version; the SDK's own download when the internet is reachable. Otherwise
 * throws an error that says what to do.
 */
export async function findOrBuildTemporal(opts: FindTemporalOptions = {}): Promise<string> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const toolsDir = path.resolve(opts.toolsDir ?? defaultToolsDir());
  const tried: string[] = [];
  const build: BuildOptions = { log, signal: opts.signal, onBuildStart: opts.onBuildStart, progressEveryMs: opts.progressEveryMs ?? 15_000 };

  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    const file = path.resolve(explicit);
    if (await isTemporalCli(file)) return file;
    throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not a working Temporal CLI (\`${file} --version\` failed).`);
  }

  const fromPath = onPath('temporal');
  if (fromPath && (await isTemporalCli(fromPath))) return fromPath;
  tried.push(fromPath ? `${fromPath} (on PATH) is not the Temporal CLI` : 'no `temporal` on PATH');

  const built = path.join(toolsDir, 'temporal');
  if (await isTemporalCli(built)) return built;
  tried.push(`nothing built yet at ${built}`);

  const downloadDir = path.join(toolsDir, 'sdk-download');
  const downloaded = newestExecutable(downloadDir);
  if (downloaded && (await isTemporalCli(downloaded))) return downloaded;

  if (opts.allowBuild !== false) {
    const { go, reason } = await findGo();
    if (go) {
      mkdirSync(toolsDir, { recursive: true });
      try {
        return await withBuildLock(toolsDir, build, async () =>
          (await isTemporalCli(built)) ? built : buildWithGo(go, toolsDir, build),
        );
      } catch (err) {
        if (isAbortError(err)) throw err;
        tried.push(`building with ${go} failed: ${(err as Error).message}`);
        log((err as Error).message);
      }
    } else {
      tried.push(`cannot build: ${reason}`);
    }
  }

  if (opts.signal?.aborted) throw abortError();
  if (opts.allowDownload !== false) {
    if (await internetReachable()) {
      try {
        return await downloadWithSdk(downloadDir, log);
      } catch (err) {
        tried.push(`SDK download failed: ${(err as Error).message}`);
      }
    } else {
      tried.push('cannot download: https://temporal.download is unreachable');
    }
  }

  throw new Error(
    [
      'Gantry needs the Temporal CLI to run its local Temporal dev server, and none is available.',
      'Do one of these, then run the command again:',
      `  - install Go ${MIN_GO.join('.')}+ (https://go.dev/dl/); Gantry then builds temporal ${TEMPORAL_CLI_VERSION} into ${toolsDir}`,
      '  - or set TEMPORAL_CLI_PATH to a `temporal` binary (https://github.com/temporalio/cli/releases)',
      '  - or set TEMPORAL_ADDRESS=host:port to use an existing Temporal server instead of a local one',
      'What was tried:',
      ...tried.map((t) => `  - ${t}`),
    ].join('\n'),
  );
}

export interface TemporalDevServer {
  /** host:port of the frontend gRPC service. */
  address: string;
  /** The Web UI, when started with a `uiPort`. */
  uiUrl?: string;
  pid: number;
  /** Resolves when the server process exits, for whatever reason. */
  exited: Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` and resolves once its frontend answers gRPC and
 * the namespace exists. Without `dbFile` the state lives in memory; without `uiPort`
 * the Web UI is off.
 */
export async function startTemporalDevServer(opts: {
  binary: string;
  dbFile?: string;
  port: number;
  uiPort?: number;
  namespace?: string;
  ip?: string;
  log?: (line: string) => void;
  timeoutMs?: number;
}): Promise<TemporalDevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const namespace = opts.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(opts.port), '--log-level', 'warn', '--color', 'never'];
  if (opts.dbFile) {
    mkdirSync(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
    args.push('--db-filename', path.resolve(opts.dbFile));
  }
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  // "default" always exists; asking for it again is redundant.
  if (namespace !== 'default') args.push('--namespace', namespace);

  let stopping = false;
  const child = spawnManaged('temporal', opts.binary, args, {
    // Internal pollers complain about closed connections while the server winds down.
    onLine: (line) => {
      if (!stopping || /level=(ERROR|FATAL)/.test(line)) opts.log?.(line);
    },
  });
  const address = `${ip}:${opts.port}`;
  const stop = async () => {
    stopping = true;
    await child.stop({ signal: 'SIGTERM', timeoutMs: 15_000 });
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const failIfExited = () => {
    if (child.hasExited()) {
      throw new Error(`temporal server start-dev exited during startup. Output:\n${child.tail()}`);
    }
  };
  try {
    while (!(await canConnect(opts.port, ip, 500))) {
      failIfExited();
      if (Date.now() > deadline) throw new Error(`Temporal did not open ${address} in time. Output:\n${child.tail()}`);
      await sleep(200);
    }
    for (;;) {
      failIfExited();
      let connection: Connection | undefined;
      try {
        connection = await Connection.connect({ address, connectTimeout: 2000 });
        await connection.workflowService.describeNamespace({ namespace });
        break;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(`Temporal at ${address} did not become ready: ${(err as Error).message}\n${child.tail()}`);
        }
        await sleep(300);
      } finally {
        await connection?.close().catch(() => undefined);
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }

  void child.exited.then((info) => {
    if (info.signal !== 'SIGTERM' && info.code !== 0) opts.log?.(`temporal exited with ${describeExit(info)}`);
  });
  return {
    address,
    uiUrl: opts.uiPort ? `http://${ip}:${opts.uiPort}` : undefined,
    pid: child.pid,
    exited: child.exited,
    stop,
  };
}

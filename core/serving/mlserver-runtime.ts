/**
 * The `mlserver` runtime: any MLflow model with a `python_function` flavor (what
 * `mlflow.sklearn.log_model(...)` and its siblings write), served by MLServer's MLflow runtime
 * in a process of its own per model version on this host. The process runs in a virtual
 * environment built from the model's own requirements plus MLServer (mlserver-environment.ts),
 * built once by the same code that builds local jobs' environments and shared by every version
 * with the same requirements. It listens on loopback only; Gantry forwards Open Inference
 * Protocol requests to it over HTTP with kept-alive connections.
 *
 * A server that dies is started again, after a growing pause and a bounded number of times in a
 * row; until then the model is not ready and requests fail as unavailable. `close` stops the
 * server's whole process group. A server whose parent dies is stopped by the kernel (Linux's
 * parent-death signal), so a crashed gateway leaves no model server behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { env } from '../../config/env';
import type { JobEnvironmentStatus } from '../compute/compute-backend';
import { signalGroup } from '../compute/local-job-files';
import { PIP_PASS_ENV, preparePythonEnvironment } from '../compute/local-python-env';
import { AppError } from '../errors';
import { createLogger, type Logger } from '../observability/logger';
import { freePort } from '../platform/net';
import { modelServerRequirements } from './mlserver-environment';
import {
  ModelInputError,
  ModelUnavailableError,
  OIP_DATATYPES,
  type InferInput,
  type LoadedModel,
  type LoadSpec,
  type ModelRuntime,
  type OipDatatype,
  type Tensor,
  type TensorMeta,
} from './model-runtime';

const log = createLogger('mlserver-runtime');

/** What `load` reports while it works: the environment's build (the long part, the first time), then the server's start. */
export type MlserverLoadProgress =
  | { stage: 'environment'; environment: JobEnvironmentStatus }
  /** A line pip printed while building the environment. */
  | { stage: 'environment-output'; line: string }
  | { stage: 'starting'; pid: number; port: number }
  | { stage: 'ready'; pid: number; port: number };

export interface MlserverLoadOptions {
  onProgress?: (progress: MlserverLoadProgress) => void;
  /** Stops the environment's build or the server's start; `load` then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface MlserverRuntimeOptions {
  /** Where the model servers' Python environments are built and kept; default the local jobs' (`GANTRY_ENVS_DIR`, `$GANTRY_HOME/envs`). */
  envsDir?: string;
  /** Where each server gets its working directory (settings, log); default the system's temporary directory. */
  workDir?: string;
  /** Decides which `python3` builds environments; default this process's PATH. */
  path?: string;
  /** From a server's start to its model being ready (mlflow and the model load in this time). */
  startTimeoutMs?: number;
  /** One inference request, unless the caller's signal ends it sooner. */
  requestTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL when a server is stopped. */
  killGraceMs?: number;
  /** Starts after a death before the model is given up as failed. */
  maxRestarts?: number;
  /** The pause before the first restart; each next one doubles, up to `restartMaxDelayMs`. */
  restartDelayMs?: number;
  restartMaxDelayMs?: number;
  /** A server that stayed up this long has its restart count cleared. */
  restartResetMs?: number;
  buildTimeoutMs?: number;
}

type Settings = Required<Omit<MlserverRuntimeOptions, 'buildTimeoutMs'>> & { buildTimeoutMs: number | undefined };

/**
 * MLServer's MLflow runtime (loads any pyfunc model and derives its tensors from the MLflow
 * signature), with one change: what the model refuses comes back as a 400 with the model's
 * message. As it is, mlflow's schema check (`Shape of input (1, 3) does not match expected shape
 * (-1, 4)`) and scikit-learn's feature checks escape as a bare 500, which would read as the
 * server failing rather than the request being wrong.
 */
const RUNTIME_MODULE = 'gantry_mlflow_runtime';
const RUNTIME_SOURCE = `from mlflow.exceptions import MlflowException
from mlserver.errors import InferenceError, MLServerError
from mlserver_mlflow import MLflowRuntime


class GantryMLflowRuntime(MLflowRuntime):
    async def predict(self, payload):
        try:
            return await super().predict(payload)
        except MLServerError:
            raise
        except MlflowException as e:
            raise InferenceError(e.message)
        except (ValueError, TypeError, KeyError, IndexError) as e:
            raise InferenceError("The model could not take the input: %s" % e)
`;
const IMPLEMENTATION = `${RUNTIME_MODULE}.GantryMLflowRuntime`;
const PYFUNC = 'python_function';
const LOG_FILE = 'mlserver.log';
const BUILD_LOG_FILE = 'environment.log';
/** How much of a server's log an error message quotes. */
const LOG_TAIL_LINES = 12;
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Runs MLServer with the kernel's parent-death signal set, so the server goes when the process
 * that started it goes however it ends; then becomes MLServer itself (exec keeps the PID and the
 * signal). A parent that died before the signal was set is caught by the PID check.
 */
const LAUNCH = `import ctypes, os, signal, sys
if sys.platform.startswith("linux"):
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    if os.getppid() != int(sys.argv[1]):
        sys.exit(1)
os.execv(sys.argv[2], sys.argv[2:])
`;

function readMlModelFlavors(text: string): string[] | null {
  try {
    const doc = parse(text) as unknown;
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return null;
    const flavors = (doc as Record<string, unknown>).flavors;
    return flavors && typeof flavors === 'object' && !Array.isArray(flavors) ? Object.keys(flavors) : null;
  } catch {
    return null;
  }
}

/** The last lines of a log file, for an error message; empty when there is none. */
async function logTail(file: string, lines = LOG_TAIL_LINES): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 16 * 1024);
      const buf = Buffer.alloc(length);
      await handle.read(buf, 0, length, size - length);
      return buf.toString('utf8').split('\n').map((l) => l.trimEnd()).filter(Boolean).slice(-lines).join('\n');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** A model name MLServer takes in its URL paths. */
const serverModelName = (versionId: string) => `v-${versionId.replace(/[^A-Za-z0-9_.-]/g, '-')}`.slice(0, 120);

function toTensorMeta(t: unknown): TensorMeta | null {
  if (!t || typeof t !== 'object') return null;
  const { name, datatype, shape } = t as Record<string, unknown>;
  if (typeof name !== 'string' || !OIP_DATATYPES.includes(datatype as OipDatatype) || !Array.isArray(shape)) return null;
  return { name, datatype: datatype as OipDatatype, shape: shape.map((d) => (typeof d === 'number' ? d : -1)) };
}

/**
 * Outputs as the model's metadata describes them. MLServer names outputs by its codec's default
 * (`output-1`) and gives a one-dimensional prediction as a column ([n, 1]), while the metadata it
 * derives from the MLflow signature says `output-0` of shape [-1]. An output is matched by name,
 * else by position when the counts agree, and trailing dimensions of size 1 beyond the declared
 * rank are dropped; so `outputs` tells callers what `infer` returns.
 */
function asDeclaredOutputs(got: Tensor[], declared: TensorMeta[]): Tensor[] {
  return got.map((t, i) => {
    const d = declared.find((x) => x.name === t.name) ?? (got.length === declared.length ? declared[i] : undefined);
    if (!d) return t;
    const extra = t.shape.slice(d.shape.length);
    const shape = t.shape.length > d.shape.length && extra.every((n) => n === 1) ? t.shape.slice(0, d.shape.length) : t.shape;
    return { ...t, name: d.name, shape };
  });
}

/** The message of an OIP error body (`{"error": "..."}`), or the body itself. */
function errorMessage(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; detail?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (parsed.detail !== undefined) return typeof parsed.detail === 'string' ? parsed.detail : JSON.stringify(parsed.detail);
  } catch {
    // Not JSON: the text as it came.
  }
  return body.trim().slice(0, 500) || `HTTP ${status}`;
}

export class MlserverRuntime implements ModelRuntime {
  readonly kind = 'mlserver' as const;
  private readonly settings: Settings;

  constructor(options: MlserverRuntimeOptions = {}) {
    const e = env();
    this.settings = {
      envsDir: path.resolve(options.envsDir ?? e.GANTRY_ENVS_DIR ?? path.join(e.GANTRY_HOME, 'envs')),
      workDir: path.resolve(options.workDir ?? os.tmpdir()),
      // The host's PATH decides which python3 builds environments, as it does for local jobs.
      path: options.path ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      startTimeoutMs: options.startTimeoutMs ?? 180_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
      killGraceMs: options.killGraceMs ?? 5_000,
      maxRestarts: options.maxRestarts ?? 5,
      restartDelayMs: options.restartDelayMs ?? 1_000,
      restartMaxDelayMs: options.restartMaxDelayMs ?? 30_000,
      restartResetMs: options.restartResetMs ?? 60_000,
      buildTimeoutMs: options.buildTimeoutMs,
    };
  }

  async accepts(spec: LoadSpec): Promise<{ ok: true } | { ok: false; reason: string }> {
    let text: string;
    try {
      text = await readFile(path.join(spec.modelDir, 'MLmodel'), 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, reason: 'The model version has no MLmodel file: it is not an MLflow model' };
      throw e;
    }
    const flavors = readMlModelFlavors(text);
    if (!flavors) return { ok: false, reason: 'The MLmodel file of the model version cannot be read as an MLflow model' };
    if (!flavors.includes(PYFUNC)) {
      return { ok: false, reason: `The model has no python_function flavor (it has ${flavors.join(', ') || 'none'}), so the MLflow model server cannot load it` };
    }
    const requirements = await modelServerRequirements(spec.modelDir);
    if (!requirements.ok) return { ok: false, reason: `The model's Python requirements cannot be installed: ${requirements.reason}` };
    return { ok: true };
  }

  /** Builds (or finds) the model's environment, starts its server and waits until the model answers. */
  async load(spec: LoadSpec, opts: MlserverLoadOptions = {}): Promise<MlserverModel> {
    const accepted = await this.accepts(spec);
    if (!accepted.ok) throw new AppError('BAD_USER_INPUT', accepted.reason);
    const requirements = await modelServerRequirements(spec.modelDir);
    if (!requirements.ok) throw new AppError('BAD_USER_INPUT', requirements.reason);
    opts.signal?.throwIfAborted();

    await mkdir(this.settings.workDir, { recursive: true });
    const dir = await mkdtemp(path.join(this.settings.workDir, 'gantry-mlserver-'));
    const vlog = log.child({ versionId: spec.versionId });
    try {
      for (const note of requirements.notes) vlog.info(`model server environment: ${note}`);
      const envDir = await this.prepareEnvironment(requirements.requirements, dir, spec.versionId, opts);
      const model = new MlserverModel(spec, path.resolve(spec.modelDir), envDir, dir, this.settings, vlog);
      try {
        await model.start(opts);
      } catch (e) {
        await model.close();
        throw e;
      }
      return model;
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  private async prepareEnvironment(requirements: string[], dir: string, versionId: string, opts: MlserverLoadOptions): Promise<string> {
    const buildLog = path.join(dir, BUILD_LOG_FILE);
    const fd = openSync(buildLog, 'a', 0o600);
    const pipEnv: Record<string, string> = {};
    // The host's pip settings (index, certificates, proxies), as local jobs' builds get them.
    for (const [k, v] of Object.entries(process.env)) if (PIP_PASS_ENV.test(k) && v !== undefined) pipEnv[k] = v;
    pipEnv.PIP_CACHE_DIR ??= path.join(this.settings.envsDir, '.pip-cache');
    let stop: (() => void) | null = null;
    const onAbort = () => stop?.();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const follower = opts.onProgress ? followLog(buildLog, (line) => opts.onProgress!({ stage: 'environment-output', line })) : null;
    try {
      const prepared = await preparePythonEnvironment({
        requirements,
        envsDir: this.settings.envsDir,
        path: this.settings.path,
        buildEnv: { ...pipEnv, HOME: dir, TMPDIR: dir, LANG: 'C.UTF-8', PYTHONUNBUFFERED: '1', PIP_NO_INPUT: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' },
        logFd: fd,
        jobName: `model server for ${versionId}`,
        killGraceMs: this.settings.killGraceMs,
        timeoutMs: this.settings.buildTimeoutMs,
        onState: (environment) => opts.onProgress?.({ stage: 'environment', environment }),
        onStop: (s) => {
          stop = s;
          if (s && opts.signal?.aborted) s();
        },
      });
      opts.signal?.throwIfAborted();
      if (!prepared.ok) {
        const tail = await logTail(buildLog);
        throw new ModelUnavailableError(`${prepared.message}${tail ? `:\n${tail}` : ''}`);
      }
      return prepared.dir;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      await follower?.stop();
      closeSync(fd);
    }
  }
}

/** Calls `onLine` with each line appended to `file` (checked twice a second) until stopped. */
function followLog(file: string, onLine: (line: string) => void): { stop(): Promise<void> } {
  let offset = 0;
  let partial = '';
  let reading: Promise<void> = Promise.resolve();
  const read = async () => {
    try {
      const handle = await open(file, 'r');
      try {
        for (;;) {
          const buf = Buffer.alloc(64 * 1024);
          const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
          if (!bytesRead) break;
          offset += bytesRead;
          const lines = (partial + buf.subarray(0, bytesRead).toString('utf8')).split(/\r?\n|\r/);
          partial = lines.pop() ?? '';
          for (const l of lines) if (l.trim()) onLine(l.trimEnd());
        }
      } finally {
        await handle.close();
      }
    } catch {
      // The file is read again on the next tick.
    }
  };
  const timer = setInterval(() => (reading = reading.then(read)), 500);
  return {
    async stop() {
      clearInterval(timer);
      await (reading = reading.then(read));
      if (partial.trim()) onLine(partial.trimEnd());
    },
  };
}

interface Server {
  child: ChildProcess;
  pid: number;
  port: number;
  baseUrl: string;
  startedAt: number;
  exited: Promise<void>;
  alive: boolean;
}

/** One model version's MLServer process, kept running until closed. */
export class MlserverModel implements LoadedModel {
  inputs: TensorMeta[] = [];
  outputs: TensorMeta[] = [];
  private server: Server | null = null;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private restartAbort = new AbortController();
  private failed: string | null = null;
  private started = false;
  private closing: Promise<void> | null = null;
  private readonly name: string;

  constructor(
    readonly spec: LoadSpec,
    private readonly modelDir: string,
    private readonly envDir: string,
    private readonly dir: string,
    private readonly settings: Settings,
    private readonly log: Logger,
  ) {
    this.name = serverModelName(spec.versionId);
  }

  /** The server's PID (the leader of its process group), or null between a death and its restart. */
  get pid(): number | null {
    return this.server?.alive ? this.server.pid : null;
  }

  /** Where the server listens, while it runs. */
  get url(): string | null {
    return this.server?.alive ? this.server.baseUrl : null;
  }

  /** Starts the server the first time and reads what tensors the model takes and gives. */
  async start(opts: MlserverLoadOptions): Promise<void> {
    let server: Server;
    try {
      server = await this.launch(opts);
    } catch (e) {
      // Ports are picked free a moment before the server binds them; one taken meanwhile is picked again once.
      if (!(e instanceof ModelUnavailableError && /address already in use|Errno 98/i.test(e.message))) throw e;
      this.log.warn('model server port was taken; starting it on other ports', { error: e.message });
      server = await this.launch(opts);
    }
    const meta = await this.get(server, `/v2/models/${this.name}`);
    if (!meta.ok) throw new ModelUnavailableError(`The model server did not describe the model: ${errorMessage(meta.status, meta.body)}`);
    const body = JSON.parse(meta.body) as { inputs?: unknown[]; outputs?: unknown[] };
    this.inputs = (body.inputs ?? []).map(toTensorMeta).filter((t): t is TensorMeta => t !== null);
    this.outputs = (body.outputs ?? []).map(toTensorMeta).filter((t): t is TensorMeta => t !== null);
    this.started = true;
    opts.onProgress?.({ stage: 'ready', pid: server.pid, port: server.port });
  }

  /** Writes the server's settings, starts it on fresh loopback ports and waits until the model is ready. */
  private async launch(opts: MlserverLoadOptions): Promise<Server> {
    const [httpPort, grpcPort] = [await freePort(), await freePort()];
    const repo = path.join(this.dir, 'models');
    await mkdir(path.join(repo, this.name), { recursive: true });
    await mkdir(path.join(this.dir, 'tmp'), { recursive: true });
    await mkdir(path.join(this.dir, 'python'), { recursive: true });
    await writeFile(path.join(this.dir, 'python', `${RUNTIME_MODULE}.py`), RUNTIME_SOURCE);
    // Only what Gantry uses: HTTP on loopback, no metrics server, no inference worker pool
    // (requests run in the server's own process), gRPC on a loopback port nobody calls (MLServer
    // always starts it), no compression of answers that never leave the host.
    const settings = {
      debug: false,
      gzip_enabled: false,
      host: '127.0.0.1',
      http_port: httpPort,
      grpc_port: grpcPort,
      metrics_endpoint: null,
      parallel_workers: 0,
      model_repository_root: repo,
      load_models_at_startup: true,
    };
    const modelSettings = { name: this.name, implementation: IMPLEMENTATION, parameters: { uri: this.modelDir, version: this.spec.versionId } };
    await writeFile(path.join(this.dir, 'settings.json'), JSON.stringify(settings, null, 2));
    await writeFile(path.join(repo, this.name, 'model-settings.json'), JSON.stringify(modelSettings, null, 2));

    // Nothing of Gantry's own environment: the server needs its venv, a home and a temporary directory.
    const serverEnv: Record<string, string> = {
      PATH: `${path.join(this.envDir, 'bin')}:/usr/local/bin:/usr/bin:/bin`,
      VIRTUAL_ENV: this.envDir,
      HOME: this.dir,
      TMPDIR: path.join(this.dir, 'tmp'),
      LANG: 'C.UTF-8',
      PYTHONUNBUFFERED: '1',
      PYTHONPATH: path.join(this.dir, 'python'),
      // A model server reports usage to nobody: the host may have no way out, and no business sending one.
      MLFLOW_DISABLE_TELEMETRY: 'true',
      DO_NOT_TRACK: 'true',
    };
    const logFd = openSync(path.join(this.dir, LOG_FILE), 'a', 0o600);
    let child: ChildProcess;
    try {
      child = spawn(path.join(this.envDir, 'bin', 'python'), ['-c', LAUNCH, String(process.pid), path.join(this.envDir, 'bin', 'mlserver'), 'start', this.dir], {
        cwd: this.dir,
        env: serverEnv as NodeJS.ProcessEnv,
        stdio: ['ignore', logFd, logFd],
        // Its own process group, so stopping it reaches whatever it started.
        detached: true,
      });
    } finally {
      closeSync(logFd);
    }
    const pid = child.pid;
    if (pid === undefined) {
      await new Promise((r) => child.once('error', r));
      throw new ModelUnavailableError(`Could not start the model server from ${this.envDir}`);
    }
    let markExited!: () => void;
    const server: Server = {
      child,
      pid,
      port: httpPort,
      baseUrl: `http://127.0.0.1:${httpPort}`,
      startedAt: Date.now(),
      exited: new Promise<void>((r) => (markExited = r)),
      alive: true,
    };
    child.once('exit', (code, signal) => {
      server.alive = false;
      markExited();
      this.onExit(server, code, signal);
    });
    this.server = server;
    opts.onProgress?.({ stage: 'starting', pid, port: httpPort });
    this.log.info('model server starting', { pid, port: httpPort, envDir: this.envDir });

    const deadline = Date.now() + this.settings.startTimeoutMs;
    for (;;) {
      if (opts.signal?.aborted) {
        this.stopServer(server);
        await server.exited;
        throw opts.signal.reason;
      }
      if (!server.alive) {
        const tail = await logTail(path.join(this.dir, LOG_FILE));
        throw new ModelUnavailableError(`The model server exited while loading the model (exit code ${server.child.exitCode ?? server.child.signalCode})${tail ? `:\n${tail}` : ''}`);
      }
      if (Date.now() > deadline) {
        this.stopServer(server);
        await server.exited;
        const tail = await logTail(path.join(this.dir, LOG_FILE));
        throw new ModelUnavailableError(`The model server did not become ready in ${Math.round(this.settings.startTimeoutMs / 1000)}s${tail ? `:\n${tail}` : ''}`);
      }
      const [server_, model] = await Promise.all([this.get(server, '/v2/health/ready'), this.get(server, `/v2/models/${this.name}/ready`)]);
      if (server_.ok && model.ok) return server;
      await sleep(250, opts.signal);
    }
  }

  private async get(server: Server, urlPath: string): Promise<{ ok: boolean; status: number; body: string }> {
    try {
      const res = await fetch(`${server.baseUrl}${urlPath}`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      return { ok: res.ok, status: res.status, body: await res.text() };
    } catch {
      return { ok: false, status: 0, body: '' };
    }
  }

  private stopServer(server: Server): void {
    if (!server.alive) return;
    signalGroup(server.pid, 'SIGTERM');
    const kill = setTimeout(() => signalGroup(server.pid, 'SIGKILL'), this.settings.killGraceMs);
    void server.exited.then(() => {
      clearTimeout(kill);
      // Whatever the server left in its group goes with it.
      signalGroup(server.pid, 'SIGKILL');
    });
  }

  private onExit(server: Server, code: number | null, signal: NodeJS.Signals | null): void {
    // A death during `load` fails the load instead; one during a restart's start is counted like any other.
    if (this.closing || !this.started || this.server !== server) return;
    // A server that ran a while died of something new: its count starts over.
    if (Date.now() - server.startedAt >= this.settings.restartResetMs) this.restarts = 0;
    signalGroup(server.pid, 'SIGKILL');
    this.scheduleRestart(signal ?? `exit code ${code}`, { pid: server.pid, code, signal });
  }

  /** Starts the server again after a pause that doubles with each attempt in a row, or gives up after the last. */
  private scheduleRestart(why: string, fields: Record<string, unknown>): void {
    if (this.restarts >= this.settings.maxRestarts) {
      const times = this.restarts === 0 ? 'and was' : `${this.restarts + 1} times in a row and is`;
      this.failed = `The model server died (${why}) ${times} not started again`;
      this.log.error('model server died; giving up', { ...fields, restarts: this.restarts });
      return;
    }
    const delay = Math.min(this.settings.restartDelayMs * 2 ** this.restarts, this.settings.restartMaxDelayMs);
    this.restarts += 1;
    this.log.warn('model server died; restarting', { ...fields, attempt: this.restarts, delayMs: delay });
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    this.restartTimer = null;
    if (this.closing) return;
    const dead = this.server;
    try {
      const server = await this.launch({ signal: this.restartAbort.signal });
      this.log.info('model server restarted', { pid: server.pid, port: server.port, attempt: this.restarts });
    } catch (e) {
      if (this.closing) return;
      this.log.warn('model server restart failed', { error: e instanceof Error ? e.message : String(e) });
      // A start whose process ran has already scheduled the next attempt by exiting; one that never
      // got a process (its files could not be written) is counted as a death of the old one.
      if (this.server === dead) this.scheduleRestart(e instanceof Error ? e.message : String(e), { pid: dead?.pid });
    }
  }

  async infer(input: InferInput, opts: { signal?: AbortSignal } = {}): Promise<Tensor[]> {
    const server = this.server;
    if (this.closing) throw new ModelUnavailableError('The model server was stopped');
    if (this.failed) throw new ModelUnavailableError(this.failed);
    if (!server?.alive) throw new ModelUnavailableError('The model server is restarting');
    const body = {
      ...(input.id !== undefined && { id: input.id }),
      inputs: input.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: t.data, ...(t.parameters && { parameters: t.parameters }) })),
      ...(input.parameters && { parameters: input.parameters }),
    };
    const timeout = AbortSignal.timeout(this.settings.requestTimeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${server.baseUrl}/v2/models/${this.name}/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout,
      });
      text = await res.text();
    } catch (e) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const why = timeout.aborted ? `did not answer in ${Math.round(this.settings.requestTimeoutMs / 1000)}s` : `could not be reached (${(e as Error).message})`;
      throw new ModelUnavailableError(`The model server ${why}`);
    }
    if (res.status >= 400 && res.status < 500) throw new ModelInputError(errorMessage(res.status, text));
    if (!res.ok) throw new ModelUnavailableError(`The model server failed (HTTP ${res.status}): ${errorMessage(res.status, text)}`);
    let parsed: { outputs?: Tensor[] };
    try {
      parsed = JSON.parse(text) as { outputs?: Tensor[] };
    } catch {
      throw new ModelUnavailableError(`The model server answered with something other than JSON: ${text.slice(0, 200)}`);
    }
    const outputs = asDeclaredOutputs(
      (parsed.outputs ?? []).map((o) => ({ name: o.name, datatype: o.datatype, shape: o.shape, data: o.data, ...(o.parameters && { parameters: o.parameters }) })),
      this.outputs,
    );
    if (!input.outputs) return outputs;
    // MLServer's MLflow runtime computes every output whatever is asked; the choice is made here.
    const missing = input.outputs.filter((name) => !outputs.some((o) => o.name === name));
    if (missing.length) throw new ModelInputError(`The model has no output named ${missing.join(', ')} (it has ${outputs.map((o) => o.name).join(', ') || 'none'})`);
    return outputs.filter((o) => input.outputs!.includes(o.name));
  }

  async ready(): Promise<boolean> {
    const server = this.server;
    if (this.closing || this.failed || !server?.alive) return false;
    return (await this.get(server, `/v2/models/${this.name}/ready`)).ok && server.alive;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.restartAbort.abort(new ModelUnavailableError('The model server was stopped'));
      const server = this.server;
      if (server) {
        this.stopServer(server);
        await server.exited;
        signalGroup(server.pid, 'SIGKILL');
        this.log.info('model server stopped', { pid: server.pid });
      }
      await rm(this.dir, { recursive: true, force: true });
    })();
    return this.closing;
  }
}

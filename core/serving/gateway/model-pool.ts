import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactStore } from '../../artifacts/artifact-store';
import { createLogger } from '../../observability/logger';
import type { LoadedModel, ModelRuntime } from '../model-runtime';
import { ModelUnavailableError } from '../model-runtime';
import { downloadModelDir, servingPlan } from '../servable';
import type { Route, RouteVersion } from './routing-table';

const log = createLogger('gateway.models');

export interface PooledModel {
  versionId: string;
  runtime: ModelRuntime['kind'];
  model: LoadedModel;
}

/**
 * A loaded model's key: the version, shared by every deployment that serves it here; on a
 * Kubernetes cluster each deployment runs its own model servers, so the deployment and the version.
 */
export function poolKey(route: Pick<Route, 'deploymentId' | 'placement'>, versionId: string): string {
  return route.placement.kind === 'kubernetes' ? `${route.deploymentId}/${versionId}` : versionId;
}

export interface ModelPoolOptions {
  store: ArtifactStore;
  runtimes: Partial<Record<ModelRuntime['kind'], ModelRuntime>>;
  /** Where versions' files are copied to (one directory per version). */
  cacheDir: string;
  /** A version no request has used for this long is closed. */
  idleMs?: number;
  /**
   * How long a request waits for a version that is still loading before it is answered 503 with the
   * load's progress (the load goes on: a model server's first environment build takes minutes).
   */
  loadWaitMs?: number;
}

type Slot = { pending: Promise<PooledModel>; lastUsed: number; loaded?: PooledModel; progress: string; version: number };

/**
 * The gateway's loaded models, one per version, shared by every deployment that routes to it:
 * loaded on first use (files copied from the artifact store, then the runtime the files call for),
 * kept warm while used, closed when idle or when no route names the version any more.
 * A load that failed is forgotten, so the next request tries again.
 */
export class ModelPool {
  private readonly slots = new Map<string, Slot>();
  private readonly idleMs: number;
  private readonly loadWaitMs: number;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly opts: ModelPoolOptions) {
    this.idleMs = opts.idleMs ?? 15 * 60_000;
    this.loadWaitMs = opts.loadWaitMs ?? 30_000;
    this.sweeper = setInterval(() => void this.sweep(), Math.min(60_000, this.idleMs)).unref();
  }

  get size(): number {
    return this.slots.size;
  }

  /** Loaded models by runtime, for the gateway's metrics. */
  countByRuntime(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.slots.values()) if (s.loaded) out[s.loaded.runtime] = (out[s.loaded.runtime] ?? 0) + 1;
    return out;
  }

  /** Whether the version is loaded now (without loading it). */
  isLoaded(versionId: string): boolean {
    return !!this.slots.get(versionId)?.loaded;
  }

  /** The loaded version, waiting at most `loadWaitMs` for a load in progress (then ModelUnavailableError with its progress). */
  async get(version: RouteVersion, route: Pick<Route, 'deploymentId' | 'placement'>): Promise<PooledModel> {
    const slot = this.slot(version, route);
    if (slot.loaded) return slot.loaded;
    let timer: NodeJS.Timeout | undefined;
    const wait = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ModelUnavailableError(`Version ${version.version} is still loading (${slot.progress}); retry shortly`)), this.loadWaitMs);
      timer.unref();
    });
    try {
      return await Promise.race([slot.pending, wait]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts loading the version if it is not loaded or loading (a deployment's versions are warmed when it is created or changed). */
  warm(version: RouteVersion, route: Pick<Route, 'deploymentId' | 'placement'>): void {
    this.slot(version, route).pending.catch(() => undefined);
  }

  private slot(version: RouteVersion, route: Pick<Route, 'deploymentId' | 'placement'>): Slot {
    const key = poolKey(route, version.id);
    const slot = this.slots.get(key);
    if (slot) {
      slot.lastUsed = Date.now();
      return slot;
    }
    const fresh = { lastUsed: Date.now(), progress: 'starting', version: version.version } as Slot;
    const loading = route.placement.kind === 'kubernetes' ? this.loadRemote(version, route.deploymentId, route.placement.namespace) : this.load(version, (p) => (fresh.progress = p));
    fresh.pending = loading.catch((e: unknown) => {
      // However a load fails, the caller sees a model that is not available, with the reason.
      if (e instanceof ModelUnavailableError) throw e;
      throw new ModelUnavailableError(`Version ${version.version} could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
    });
    this.slots.set(key, fresh);
    fresh.pending.then(
      (m) => {
        fresh.loaded = m;
      },
      () => {
        if (this.slots.get(key) === fresh) this.slots.delete(key);
      },
    );
    return fresh;
  }

  /** A version whose model servers run on a tenant's cluster: no files come to the gateway. */
  private async loadRemote(version: RouteVersion, deploymentId: string, namespace: string): Promise<PooledModel> {
    const runtime = this.opts.runtimes.kubernetes;
    if (!runtime) throw new ModelUnavailableError(`Version ${version.version} runs on a Kubernetes cluster, which this gateway does not reach`);
    const model = await runtime.load({ versionId: version.id, modelDir: '', framework: version.framework, cluster: { deploymentId, namespace, version: version.version, signature: version.signature } });
    return { versionId: version.id, runtime: 'kubernetes', model };
  }

  private async load(version: RouteVersion, progress: (line: string) => void): Promise<PooledModel> {
    const began = Date.now();
    const plan = await servingPlan(this.opts.store, version);
    if (!plan.ok) throw new ModelUnavailableError(`Version ${version.version} cannot be served: ${plan.reason}`);
    const runtime = this.opts.runtimes[plan.runtime];
    if (!runtime) throw new ModelUnavailableError(`Version ${version.version} needs the ${plan.runtime} runtime, which this gateway does not run`);
    const dir = path.join(this.opts.cacheDir, version.id);
    progress('copying the model files');
    if (!existsSync(path.join(dir, '.gantry-model-key'))) await downloadModelDir(this.opts.store, plan.modelKey, dir);
    const spec = { versionId: version.id, modelDir: dir, framework: version.framework };
    const accepted = await runtime.accepts(spec);
    if (!accepted.ok) throw new ModelUnavailableError(`Version ${version.version} cannot be served: ${accepted.reason}`);
    progress(`loading with the ${plan.runtime} runtime`);
    const model = await runtime.load(spec, { onProgress: (p) => progress(describeProgress(p)) });
    log.info('model loaded', { versionId: version.id, version: version.version, runtime: plan.runtime, ms: Date.now() - began });
    return { versionId: version.id, runtime: plan.runtime, model };
  }

  /** Closes every loaded model whose {@link poolKey} is not in `wanted`. */
  async retain(wanted: ReadonlySet<string>): Promise<void> {
    await Promise.all([...this.slots.keys()].filter((id) => !wanted.has(id)).map((id) => this.release(id)));
  }

  async release(versionId: string): Promise<void> {
    const slot = this.slots.get(versionId);
    if (!slot) return;
    this.slots.delete(versionId);
    try {
      const m = await slot.pending;
      await m.model.close();
      log.info('model closed', { versionId });
    } catch {
      // A load that failed holds nothing to close.
    }
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    await Promise.all([...this.slots].filter(([, s]) => s.loaded && now - s.lastUsed > this.idleMs).map(([id]) => this.release(id)));
  }

  async close(opts: { removeFiles?: boolean } = {}): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    await Promise.all([...this.slots.keys()].map((id) => this.release(id)));
    if (opts.removeFiles) await rm(this.opts.cacheDir, { recursive: true, force: true });
  }
}

/** A runtime's progress as a few words for a 503 while it loads. */
function describeProgress(p: { stage: string } & Record<string, unknown>): string {
  if (p.stage === 'environment') {
    const env = p.environment as { state?: string } | undefined;
    return env?.state === 'building' ? "building the model server's Python environment (minutes the first time)" : `model server environment ${env?.state ?? ''}`.trim();
  }
  if (p.stage === 'environment-output') return "building the model server's Python environment (minutes the first time)";
  if (p.stage === 'starting') return 'starting the model server';
  if (p.stage === 'ready') return 'ready';
  return p.stage;
}

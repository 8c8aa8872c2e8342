import { and, eq, inArray } from 'drizzle-orm';
import type postgres from 'postgres';
import { appSql } from '../../../db/client';
import { clusters, deployments, modelVersions, registeredModels, type Deployment } from '../../../db/schema';
import { policyVersions, type TrafficPolicy } from '../../../rules/serving/routing';
import { createLogger } from '../../observability/logger';
import { systemContext } from '../../tenancy/context';
import { withTenant } from '../../tenancy/with-tenant';
import { parseTraffic } from '../access';

const log = createLogger('gateway.routing');

/** The channel the deployments table's trigger notifies on: `<org_id> <deployment_id>`. */
export const DEPLOYMENTS_CHANNEL = 'gantry_deployments';

export interface RouteVersion {
  id: string;
  version: number;
  orgId: string;
  storageLocation: string;
  framework: string | null;
  signature: Record<string, unknown> | null;
}

/** What a gateway needs to answer for one deployment, read from PostgreSQL. */
export interface Route {
  orgId: string;
  deploymentId: string;
  name: string;
  modelName: string;
  policy: TrafficPolicy;
  generation: number;
  rateLimitPerSecond: number | null;
  sampleRate: number;
  /** Every version the policy names (arms and shadows), by ID. */
  versions: Map<string, RouteVersion>;
  /** Whether its model servers answer yet (a deployment on a Kubernetes cluster is provisioned first). */
  status: Deployment['status'];
  statusMessage: string | null;
  /** Where its versions run: in or beside the gateway, or on a tenant's cluster in a namespace. */
  placement: { kind: 'local' } | { kind: 'kubernetes'; namespace: string };
}

export interface RoutingTableOptions {
  /**
   * How long an entry is trusted without a notification. Notifications carry every change within
   * milliseconds; this bounds staleness if one is ever lost (the listening connection dropped and
   * came back between a change and the next read, which also clears the table).
   */
  ttlMs?: number;
  /** How long "no such deployment" is remembered, so unknown names do not reach PostgreSQL on every request. */
  negativeTtlMs?: number;
}

type Entry = { route: Route | null; loadedAt: number };

/**
 * Deployment name → route, per organization, cached in the gateway and dropped the moment PostgreSQL
 * says the deployment changed (LISTEN on {@link DEPLOYMENTS_CHANNEL}). A lookup that finds nothing is
 * cached briefly too; a new deployment's notification clears its organization's misses.
 */
export class RoutingTable {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Route | null>>();
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private listener: postgres.ListenMeta | null = null;
  private listening = false;
  /** Grows with every notification: a route read while one arrived may be stale, so it is not kept. */
  private epoch = 0;
  /** Called once changed routes are read again, with the deployment that changed (null for all): the model pool releases versions no route uses. */
  onChange: (deploymentId: string | null) => void = () => {};

  constructor(opts: RoutingTableOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 30_000;
    this.negativeTtlMs = opts.negativeTtlMs ?? 2_000;
  }

  /** Starts listening; resolves once PostgreSQL has confirmed the LISTEN. */
  async start(): Promise<void> {
    this.listener = await appSql().listen(
      DEPLOYMENTS_CHANNEL,
      (payload) => this.notified(payload),
      () => {
        // (Re)connected: anything could have changed while no one was listening.
        if (this.listening) log.info('listening again for deployment changes; routing cache cleared');
        this.listening = true;
        this.clear();
      },
    );
  }

  async stop(): Promise<void> {
    this.listening = false;
    await this.listener?.unlisten().catch(() => undefined);
    this.listener = null;
  }

  /** Whether changes reach this table (the readiness of the gateway). */
  get live(): boolean {
    return this.listening;
  }

  /** The routes held now (for the pool's "which versions are still wanted"). */
  routes(): Route[] {
    return [...this.entries.values()].flatMap((e) => (e.route ? [e.route] : []));
  }

  /** Drops every entry and reads again the routes that were held (after a reconnect: anything may have changed). */
  clear(): void {
    const held = this.routes();
    this.epoch++;
    this.entries.clear();
    void this.reload(held.map((r) => [r.orgId, r.name]), null);
  }

  private notified(payload: string): void {
    const [orgId, deploymentId] = payload.split(' ');
    if (!orgId || !deploymentId) return;
    this.epoch++;
    const stale: [string, string][] = [];
    for (const [key, e] of this.entries) {
      if (e.route?.deploymentId === deploymentId) stale.push([e.route.orgId, e.route.name]);
      if (e.route ? e.route.deploymentId === deploymentId : key.startsWith(`${orgId}\u0000`)) this.entries.delete(key);
    }
    if (!stale.length) {
      // A deployment this replica holds no route for (new, or never asked for here): read it now, so
      // its models load before its first request rather than during it.
      void this.nameOf(orgId, deploymentId).then((name) => this.reload(name ? [[orgId, name]] : [], deploymentId));
      return;
    }
    void this.reload(stale, deploymentId);
  }

  private async nameOf(orgId: string, deploymentId: string): Promise<string | null> {
    try {
      return await withTenant(systemContext(orgId, 'gateway', deploymentId), async (tx) => (await tx.select({ name: deployments.name }).from(deployments).where(eq(deployments.id, deploymentId)))[0]?.name ?? null);
    } catch (e) {
      log.warn('could not read a changed deployment', { deploymentId, error: e instanceof Error ? e.message : String(e) });
      return null;
    }
  }

  /**
   * Reads changed routes again at once rather than on the next request, so the models they still use
   * stay loaded (the pool closes only versions no route names once the fresh routes are in).
   */
  private async reload(keys: [string, string][], deploymentId: string | null): Promise<void> {
    await Promise.all(keys.map(([org, name]) => this.get(org, name).catch((e: unknown) => log.warn('could not reload a route', { name, error: e instanceof Error ? e.message : String(e) }))));
    this.onChange(deploymentId);
  }

  async get(orgId: string, name: string): Promise<Route | null> {
    const key = `${orgId}\u0000${name}`;
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.loadedAt < (hit.route ? this.ttlMs : this.negativeTtlMs)) return hit.route;
    let pending = this.loading.get(key);
    if (!pending) {
      const startedAt = Date.now();
      const epoch = this.epoch;
      pending = loadRoute(orgId, name)
        .then((route) => {
          // A notification that arrived while reading may describe a change the read missed: use it once, keep it not.
          if (this.epoch === epoch) this.entries.set(key, { route, loadedAt: startedAt });
          return route;
        })
        .finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }
}

/** One deployment's route, read under the organization's row-level security. */
export async function loadRoute(orgId: string, name: string): Promise<Route | null> {
  return withTenant(systemContext(orgId, 'gateway', name), async (tx) => {
    const [row] = await tx
      .select({ d: deployments, modelName: registeredModels.name, clusterKind: clusters.kind, namespace: clusters.namespace })
      .from(deployments)
      .innerJoin(registeredModels, eq(registeredModels.id, deployments.modelId))
      .innerJoin(clusters, eq(clusters.id, deployments.clusterId))
      .where(and(eq(deployments.orgId, orgId), eq(deployments.name, name)));
    if (!row) return null;
    const policy = parseTraffic(row.d);
    const ids = policyVersions(policy).map((v) => v.versionId);
    const versions = await tx
      .select({
        id: modelVersions.id,
        version: modelVersions.version,
        orgId: modelVersions.orgId,
        storageLocation: modelVersions.storageLocation,
        framework: modelVersions.framework,
        signature: modelVersions.signature,
      })
      .from(modelVersions)
      .where(inArray(modelVersions.id, ids));
    return {
      orgId,
      deploymentId: row.d.id,
      name: row.d.name,
      modelName: row.modelName,
      policy,
      generation: row.d.trafficGeneration,
      rateLimitPerSecond: row.d.rateLimitPerSecond,
      sampleRate: row.d.sampleRate,
      versions: new Map(versions.map((v) => [v.id, v])),
      status: row.d.status,
      statusMessage: row.d.statusMessage,
      placement: row.clusterKind === 'kubernetes' && row.namespace ? { kind: 'kubernetes', namespace: row.namespace } : { kind: 'local' },
    };
  });
}

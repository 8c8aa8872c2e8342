import { orgIdColumn } from './org-column';
import { bigint, index, jsonb, pgEnum, pgTable, primaryKey, text, timestamptz, uniqueIndex } from './columns';
import { users } from './users';

export const clusterKind = pgEnum('cluster_kind', ['local', 'kubernetes']);
export const clusterStatus = pgEnum('cluster_status', ['ready', 'degraded', 'unreachable']);

/** Money is integer micro-dollars (1 USD = 1,000,000). */
const micros = (name: string) => bigint(name, { mode: 'number' });

/**
 * A place jobs run: the built-in `local` cluster every organization has, or a
 * Kubernetes cluster an admin connected. A Kubernetes cluster's kubeconfig is
 * stored sanitized and encrypted (AES-256-GCM, bound to org and cluster ID).
 */
export const clusters = pgTable(
  'clusters',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    name: text('name').notNull(),
    kind: clusterKind('kind').notNull(),
    /** The Kubernetes namespace jobs are created in; null for local. */
    namespace: text('namespace'),
    /** The API server URL, for display; the credentials live only in `encryptedConfig`. */
    server: text('server'),
    /** `<keyId>:<base64 iv|ciphertext|tag>` of the sanitized kubeconfig JSON. */
    encryptedConfig: text('encrypted_config'),
    /** The node label whose value names the GPU type (`nvidia.com/gpu.product` by default). */
    gpuTypeLabel: text('gpu_type_label'),
    status: clusterStatus('status').notNull().default('ready'),
    /** The last connection check: reachability, namespace, RBAC, GPU capacity. */
    validation: jsonb('validation').$type<Record<string, unknown>>(),
    capacity: jsonb('capacity').$type<Record<string, unknown>>(),
    checkedAt: timestamptz('checked_at'),
    cpuCoreHourMicros: micros('cpu_core_hour_micros').notNull().default(0),
    memoryGibHourMicros: micros('memory_gib_hour_micros').notNull().default(0),
    createdBy: text('created_by').references(() => users.id),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    deletedAt: timestamptz('deleted_at'),
  },
  (t) => [uniqueIndex('clusters_org_name_uq').on(t.orgId, t.name), index('clusters_org_idx').on(t.orgId)],
);

/** The price of one GPU of a type for an hour on a cluster. */
export const clusterGpuPrices = pgTable(
  'cluster_gpu_prices',
  {
    orgId: orgIdColumn(),
    clusterId: text('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    gpuType: text('gpu_type').notNull(),
    hourMicros: micros('hour_micros').notNull(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.gpuType] }), index('cluster_gpu_prices_org_idx').on(t.orgId)],
);

export type Cluster = typeof clusters.$inferSelect;
export type ClusterKind = (typeof clusterKind.enumValues)[number];
export type ClusterGpuPrice = typeof clusterGpuPrices.$inferSelect;

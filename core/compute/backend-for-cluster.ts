import type { Cluster } from '../../db/schema';
import { AppError } from '../errors';
import type { ComputeBackend } from './compute-backend';
import { KubernetesBackend } from './kubernetes/backend';
import { localBackendFromConfig } from './local-backend';
import { openClusterConfig } from './cluster-secrets';

/** The backend a cluster's kind selects, with its credentials decrypted for this call only. */
export async function backendForCluster(cluster: Cluster): Promise<ComputeBackend> {
  if (cluster.kind === 'local') return localBackendFromConfig();
  if (!cluster.encryptedConfig || !cluster.namespace) throw new AppError('BAD_USER_INPUT', `Cluster ${cluster.name} has no stored connection`);
  const config = openClusterConfig(cluster);
  return new KubernetesBackend(config, { namespace: cluster.namespace, gpuTypeLabel: cluster.gpuTypeLabel ?? undefined });
}

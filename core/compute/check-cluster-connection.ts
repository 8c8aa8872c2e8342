import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { sanitizeKubeconfig } from './kubeconfig';
import { probeKubernetesCluster, type ClusterValidationReport } from './probe-kubernetes';
import { clusterConnectionInput, clusterName } from './cluster.schemas';

/**
 * Checks a pasted kubeconfig without storing anything: the kubeconfig is
 * sanitized (hostile input: no exec, auth providers, files, proxies, insecure
 * TLS, private addresses) and the cluster probed. The UI shows this report
 * before the admin connects.
 */
export async function checkClusterConnection(ctx: TenantContext, input: unknown): Promise<ClusterValidationReport> {
  assertCan(ctx, 'cluster:manage');
  const data = parseInput(clusterConnectionInput.extend({ name: clusterName.optional() }), input);
  const config = sanitizeKubeconfig(data.kubeconfig);
  return probeKubernetesCluster(config, { namespace: data.namespace, gpuTypeLabel: data.gpuTypeLabel });
}

import { z } from 'zod';
import { idSchema } from '../validation';
import { LOCAL_CLUSTER_NAME } from './access';
import { MAX_KUBECONFIG_BYTES } from './kubeconfig';

export const clusterName = z
  .string()
  .trim()
  .min(1, 'Cluster name is required')
  .max(63, 'Cluster name must be at most 63 characters')
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'Cluster names are lowercase letters, digits and "-"')
  .refine((n) => n !== LOCAL_CLUSTER_NAME, `"${LOCAL_CLUSTER_NAME}" is the built-in cluster`);

const namespaceName = z
  .string()
  .trim()
  .min(1, 'Namespace is required')
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'Namespaces are lowercase letters, digits and "-"');

const labelKey = z
  .string()
  .trim()
  .max(253)
  .regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, 'Not a Kubernetes label key');

export const clusterConnectionInput = z.object({
  name: clusterName,
  kubeconfig: z.string().min(1, 'Paste a kubeconfig').max(MAX_KUBECONFIG_BYTES, 'The kubeconfig is too large'),
  namespace: namespaceName,
  gpuTypeLabel: labelKey.optional(),
});

export const clusterIdInput = z.object({ clusterId: idSchema('Cluster ID') });

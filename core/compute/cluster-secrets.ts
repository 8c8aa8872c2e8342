import type { Cluster } from '../../db/schema';
import { AppError } from '../errors';
import { createLogger } from '../observability/logger';
import { renderKubeconfig, sanitizeKubeconfig, type SanitizedKubeconfig } from './kubeconfig';
import { decryptSecret, encryptSecret } from './secret-box';

const log = createLogger('clusters');

/** The associated data every stored kubeconfig is bound to: a ciphertext copied to another cluster or tenant fails to open. */
const aadOf = (c: Pick<Cluster, 'orgId' | 'id'>) => ({ purpose: 'cluster-kubeconfig', orgId: c.orgId, clusterId: c.id });

export function sealClusterConfig(c: Pick<Cluster, 'orgId' | 'id'>, config: SanitizedKubeconfig): string {
  return encryptSecret(renderKubeconfig(config), aadOf(c));
}

/** The stored kubeconfig, decrypted and re-sanitized for one call; a key that is gone or data that was altered is an operator problem, said plainly. */
export function openClusterConfig(c: Pick<Cluster, 'orgId' | 'id' | 'name' | 'encryptedConfig'>): SanitizedKubeconfig {
  if (!c.encryptedConfig) throw new AppError('BAD_USER_INPUT', `Cluster ${c.name} has no stored connection`);
  let text: string;
  try {
    text = decryptSecret(c.encryptedConfig, aadOf(c));
  } catch (e) {
    log.error('cluster credentials could not be decrypted', { clusterId: c.id, err: (e as Error).message });
    throw new AppError('UNAVAILABLE', `The stored credentials of cluster ${c.name} cannot be read (encryption key missing or rotated away); reconnect the cluster`);
  }
  // Stored configs pass the same checks as pasted ones every time they are used.
  return sanitizeKubeconfig(text);
}

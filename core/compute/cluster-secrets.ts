import type { Cluster } from '../../db/schema';
import { AppError } from '../errors';
import { createLogger } from '../observability/logger';
import { renderKubeconfig, sanitizeKubeconfig, type SanitizedKubeconfig } from './kubeconfig';
import { and, eq, isNotNull } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { clusters } from '../../db/schema';
import { decryptSecret, encryptSecret, needsReencryption, reencryptSecret } from './secret-box';

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

/**
 * Key rotation: re-encrypts one organization's stored kubeconfigs under the current
 * key (the first in GANTRY_ENCRYPTION_KEYS). Run it after putting a new key first;
 * once it reports nothing left on the old key, the old key can be removed.
 * Returns how many were re-encrypted.
 */
export async function reencryptClusterConfigs(tx: Tx, orgId: string): Promise<{ reencrypted: number; current: number }> {
  const rows = await tx
    .select({ id: clusters.id, orgId: clusters.orgId, encryptedConfig: clusters.encryptedConfig })
    .from(clusters)
    .where(and(eq(clusters.orgId, orgId), isNotNull(clusters.encryptedConfig)))
    .for('update');
  let reencrypted = 0;
  for (const row of rows) {
    if (!needsReencryption(row.encryptedConfig!)) continue;
    await tx.update(clusters).set({ encryptedConfig: reencryptSecret(row.encryptedConfig!, aadOf(row)) }).where(eq(clusters.id, row.id));
    reencrypted++;
  }
  return { reencrypted, current: rows.length - reencrypted };
}

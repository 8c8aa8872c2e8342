import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusters } from '../../db/schema';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { inTenantScope } from '../../db/with-tenant';
import { resetEnvCache } from '../../config/env';
import { newId } from '../ids';
import { signUpUser, type SignedUp } from '../../testing/fixtures';
import { openClusterConfig, reencryptClusterConfigs, sealClusterConfig } from './cluster-secrets';
import { sanitizeKubeconfig } from './kubeconfig';
import { secretKeyId } from './secret-box';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://k8s.example.com:6443" } }]
users: [{ name: u, user: { token: "secret-token-value" } }]
contexts: [{ name: x, context: { cluster: c, user: u, namespace: ml } }]
current-context: x
`;

const key = () => randomBytes(32).toString('base64');
const setKeys = (v: string) => {
  process.env.GANTRY_ENCRYPTION_KEYS = v;
  resetEnvCache();
};

let db: TestDatabase;
let A: SignedUp;
const saved = process.env.GANTRY_ENCRYPTION_KEYS;

beforeAll(async () => {
  db = await createTestDatabase();
  A = await signUpUser('rotate');
});
afterAll(async () => {
  if (saved === undefined) delete process.env.GANTRY_ENCRYPTION_KEYS;
  else process.env.GANTRY_ENCRYPTION_KEYS = saved;
  resetEnvCache();
  await db?.drop();
});

describe('stored cluster credentials', () => {
  it('rotate to a new key without losing any, and are bound to their cluster', async () => {
    const [oldKey, newKey] = [key(), key()];
    setKeys(`old:${oldKey}`);
    const config = sanitizeKubeconfig(KUBECONFIG);
    const id = newId('cluster');
    const sealed = sealClusterConfig({ orgId: A.orgId, id }, config);
    expect(secretKeyId(sealed)).toBe('old');
    expect(sealed).not.toContain('secret-token-value');
    await inTenantScope({ orgId: A.orgId }, (tx) =>
      tx.insert(clusters).values({ id, orgId: A.orgId, name: 'prod', kind: 'kubernetes', namespace: 'ml', server: config.server, encryptedConfig: sealed }),
    );

    // The new key goes first; the old one stays until everything is re-encrypted.
    setKeys(`new:${newKey},old:${oldKey}`);
    expect(await inTenantScope({ orgId: A.orgId }, (tx) => reencryptClusterConfigs(tx, A.orgId))).toEqual({ reencrypted: 1, current: 0 });
    expect(await inTenantScope({ orgId: A.orgId }, (tx) => reencryptClusterConfigs(tx, A.orgId))).toEqual({ reencrypted: 0, current: 1 });

    setKeys(`new:${newKey}`);
    const [row] = await inTenantScope({ orgId: A.orgId }, (tx) => tx.select().from(clusters).where(eq(clusters.kind, 'kubernetes')));
    expect(secretKeyId(row!.encryptedConfig!)).toBe('new');
    expect(openClusterConfig(row!)).toMatchObject({ server: 'https://k8s.example.com:6443', token: 'secret-token-value' });

    // The ciphertext opens only for the cluster and organization it was sealed for.
    await expect(async () => openClusterConfig({ ...row!, id: newId('cluster') })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(async () => openClusterConfig({ ...row!, orgId: 'org_other' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    // A key that is gone reads as an operator problem, never as the plaintext.
    setKeys(`other:${key()}`);
    await expect(async () => openClusterConfig(row!)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

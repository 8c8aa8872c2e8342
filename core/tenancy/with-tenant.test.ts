import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, clusters } from '../../db/schema';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { listClusters } from '../compute/list-clusters';
import { recordAudit } from '../governance/audit';
import { signUpUser, type SignedUp } from '../../testing/fixtures';
import { createOrganization } from './create-organization';
import { systemContext, type TenantContext } from './context';
import { withTenant } from './with-tenant';

let db: TestDatabase;
let a: SignedUp;
let b: SignedUp;

beforeAll(async () => {
  db = await createTestDatabase();
  a = await signUpUser('wrap-a');
  b = await signUpUser('wrap-b');
});
afterAll(async () => db.drop());

describe('withTenant', () => {
  it('sees the organization of the context, for a user and for a system process alike', async () => {
    const mine = await withTenant(a.ctx, (tx) => tx.select().from(clusters));
    const system = await withTenant(systemContext(a.orgId, 'training-job', 'job_x'), (tx) => tx.select().from(clusters));
    expect(mine).toHaveLength(1);
    expect(system.map((t) => t.id).sort()).toEqual(mine.map((t) => t.id).sort());
    expect(mine.every((t) => t.orgId === a.orgId)).toBe(true);
  });

  it('refuses a context without an organization instead of running with no tenant', async () => {
    const forged = [{}, { orgId: '' }, { orgId: 'not-an-org' }, { orgId: a.ctx.actor.userId }] as unknown as TenantContext[];
    for (const ctx of forged) {
      await expect(withTenant(ctx, (tx) => tx.select().from(clusters))).rejects.toMatchObject({ code: 'INTERNAL' });
    }
  });

  it('audits a system process as the system, by name', async () => {
    const ctx = systemContext(b.orgId, 'api-key-sweep', 'sweep');
    await withTenant(ctx, (tx) => recordAudit(tx, ctx, { action: 'api_key.revoke', targetType: 'api_key', targetId: 'key_probe' }));
    const [ev] = await withTenant(b.ctx, (tx) =>
      tx.select().from(auditEvents).where(and(eq(auditEvents.orgId, b.orgId), eq(auditEvents.targetId, 'key_probe'))),
    );
    expect(ev).toMatchObject({ actorType: 'system', actorUserId: null, actorApiKeyId: null, actorLabel: 'system (api-key-sweep)', requestId: 'api-key-sweep/sweep' });
  });
});

describe('the local cluster', () => {
  it('exists from the moment an organization does, and reading clusters writes nothing', async () => {
    const org = await createOrganization(a.actor, a.ctx.meta, { name: 'Second org' });
    const [local] = await db.ownerSql<{ id: string; name: string; kind: string; created_by: string }[]>`
      select id, name, kind, created_by from clusters where org_id = ${org.id}`;
    expect(local).toMatchObject({ name: 'local', kind: 'local', created_by: a.actor.userId });
    expect(local!.id).toMatch(/^clu_[0-9a-hjkmnp-tv-z]{26}$/);

    expect((await listClusters({ ...a.ctx, orgId: org.id })).map((c) => c.name)).toEqual(['local']);

    // A read no longer makes a missing local cluster: with it gone, listing shows none and inserts none.
    await db.ownerSql`update clusters set deleted_at = now() where id = ${local!.id}`;
    expect(await listClusters({ ...a.ctx, orgId: org.id })).toEqual([]);
    const [after] = await db.ownerSql<{ n: number }[]>`select count(*)::int as n from clusters where org_id = ${org.id}`;
    expect(after!.n).toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { inTenantScope } from '../../db/with-tenant';
import { createTeam } from '../tenancy/create-team';
import { signUpUser } from '../../testing/fixtures';
import { listAuditEvents, verifyAuditChain } from './audit-log';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function orgWithEvents(n: number) {
  const a = await signUpUser('auditor');
  for (let i = 0; i < n; i++) await createTeam(a.ctx, { name: `team ${i}` });
  return a;
}

/** Tampering needs the owner and a disabled guard trigger: exactly what an attacker with DB access would do. */
async function tamper(fn: () => Promise<unknown>) {
  await db.ownerSql`alter table audit_events disable trigger audit_events_immutable`;
  try {
    await fn();
  } finally {
    await db.ownerSql`alter table audit_events enable trigger audit_events_immutable`;
  }
}

describe('audit log', () => {
  it('records every mutation with actor, action and target, chained in order', async () => {
    const a = await orgWithEvents(3);
    const events = await listAuditEvents(a.ctx, { first: 50 });
    expect(events.map((e) => e.action)).toEqual(['team.create', 'team.create', 'team.create', 'organization.create']);
    expect(events[0]).toMatchObject({ actorType: 'user', actorUserId: a.actor.userId, targetType: 'team', ip: '127.0.0.1', requestId: 'test-request' });
    expect(await verifyAuditChain(a.ctx)).toEqual({ valid: true, checkedEvents: 4, firstBrokenSeq: null, reason: null });
  });

  it('serialises concurrent appends without gaps or forks', async () => {
    const a = await signUpUser('concurrent');
    await Promise.all(Array.from({ length: 12 }, (_, i) => createTeam(a.ctx, { name: `parallel ${i}` })));
    const report = await verifyAuditChain(a.ctx);
    expect(report).toMatchObject({ valid: true, checkedEvents: 13 });
  });

  it('cannot be updated or deleted by the application role', async () => {
    const a = await orgWithEvents(1);
    const attempt = (q: string) =>
      inTenantScope({ orgId: a.orgId }, (tx) => tx.execute(q)).then(
        () => 'allowed',
        (e: { cause?: { code?: string }; code?: string }) => e.cause?.code ?? e.code,
      );
    expect(await attempt(`update audit_events set action = 'x'`)).toBe('42501');
    expect(await attempt(`delete from audit_events`)).toBe('42501');
    expect(await attempt(`truncate audit_events`)).toBe('42501');
    // The trigger stops even the owner.
    await expect(db.ownerSql`update audit_events set action = 'x'`).rejects.toThrow(/append-only/);
  });

  it('detects an edited row', async () => {
    const a = await orgWithEvents(3);
    await tamper(() => db.ownerSql`update audit_events set data = '{"name":"forged"}' where org_id = ${a.orgId} and seq = 2`);
    expect(await verifyAuditChain(a.ctx)).toMatchObject({ valid: false, firstBrokenSeq: 2, reason: 'event #2 was modified' });
  });

  it('detects a deleted row in the middle and at the end', async () => {
    const a = await orgWithEvents(3);
    await tamper(() => db.ownerSql`delete from audit_events where org_id = ${a.orgId} and seq = 2`);
    expect(await verifyAuditChain(a.ctx)).toMatchObject({ valid: false, firstBrokenSeq: 2, reason: 'event #2 is missing' });

    const b = await orgWithEvents(2);
    await tamper(() => db.ownerSql`delete from audit_events where org_id = ${b.orgId} and seq = 3`);
    expect(await verifyAuditChain(b.ctx)).toMatchObject({ valid: false, firstBrokenSeq: 3 });
  });

  it('detects reordered rows', async () => {
    const a = await orgWithEvents(3);
    await tamper(async () => {
      await db.ownerSql`update audit_events set seq = -1 where org_id = ${a.orgId} and seq = 2`;
      await db.ownerSql`update audit_events set seq = 2 where org_id = ${a.orgId} and seq = 3`;
      await db.ownerSql`update audit_events set seq = 3 where org_id = ${a.orgId} and seq = -1`;
    });
    expect(await verifyAuditChain(a.ctx)).toMatchObject({ valid: false, firstBrokenSeq: 2 });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { signUp } from '../auth/sign-up';
import { AppError } from '../errors';
import { signUpUser, testMeta, uniqueEmail } from '../../testing/fixtures';
import { acceptInvitation } from './accept-invitation';
import { createInvitation } from './create-invitation';
import { previewInvitation } from './preview-invitation';
import { revokeInvitation } from './revoke-invitation';
import { changeMemberRole } from './change-member-role';
import { listMembers } from './list-members';
import { removeMember } from './remove-member';
import { createProject } from './create-project';
import { getProject } from './get-project';
import { resolveTenantContext } from './resolve-context';
import { addTeamMember } from './add-team-member';
import { createTeam } from './create-team';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const code = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
  return 'OK';
};

describe('sign-up', () => {
  it('creates the user, an organization and an owner membership', async () => {
    const a = await signUpUser('alice');
    expect(a.ctx.role).toBe('owner');
    const members = await listMembers(a.ctx, { first: 10 });
    expect(members.map((m) => m.email)).toEqual([a.actor.email]);
  });

  it('rejects a duplicate email with CONFLICT and writes nothing', async () => {
    const email = uniqueEmail('dup');
    await signUp(testMeta(), { email, name: 'One', password: 'a-strong-passphrase-1' });
    const orgsBefore = (await db.ownerSql`select count(*)::int as n from organizations`)[0]!.n;
    expect(await code(signUp(testMeta(), { email: email.toUpperCase(), name: 'Two', password: 'a-strong-passphrase-2' }))).toBe('CONFLICT');
    const orgsAfter = (await db.ownerSql`select count(*)::int as n from organizations`)[0]!.n;
    expect(orgsAfter).toBe(orgsBefore);
  });

  it('creates no organization for someone signing up from an invitation', async () => {
    const a = await signUpUser('host');
    const email = uniqueEmail('guest');
    const { url } = await createInvitation(a.ctx, { email, role: 'member' });
    const r = await signUp(testMeta(), { email, name: 'Guest', password: 'a-strong-passphrase-1', createOrganization: false });
    expect(r.orgId).toBeNull();
    const actor = { kind: 'user' as const, userId: r.userId, email };
    expect(await code(resolveTenantContext(actor, null, testMeta()))).toBe('NOT_FOUND');
    await acceptInvitation(actor, testMeta(), url.split('/').pop()!);
    expect((await resolveTenantContext(actor, null, testMeta())).orgId).toBe(a.orgId);
  });

  it.each([
    [{ email: 'not-an-email', name: 'X', password: 'a-strong-passphrase-1' }, 'email'],
    [{ email: 'weak@example.com', name: 'X', password: 'short' }, 'password'],
    [{ email: 'weak2@example.com', name: 'X', password: 'aaaaaaaaaaaa' }, 'password'],
    [{ email: 'long@example.com', name: 'x'.repeat(101), password: 'a-strong-passphrase-1' }, 'name'],
    [{ email: `${'a'.repeat(250)}@example.com`, name: 'X', password: 'a-strong-passphrase-1' }, 'email'],
  ])('rejects bad input %j with BAD_USER_INPUT on the field', async (input, field) => {
    const err = await signUp(testMeta(), input).catch((e: AppError) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('BAD_USER_INPUT');
    expect((err as AppError).fields.map((f) => f.path)).toContain(field);
  });
});

describe('teams, projects and roles', () => {
  it('lets an owner create a team and a project; a viewer can do neither', async () => {
    const a = await signUpUser('owner1');
    const team = await createTeam(a.ctx, { name: 'Search' });
    const project = await createProject(a.ctx, { teamId: team.id, name: 'Ranker' });
    expect((await getProject(a.ctx, project.id)).name).toBe('Ranker');

    const v = await signUpUser('viewer1');
    const { url } = await createInvitation(a.ctx, { email: v.actor.email, role: 'viewer' });
    await acceptInvitation(v.actor, testMeta(), url.split('/').pop()!);
    const vctx = await resolveTenantContext(v.actor, a.orgId, testMeta());
    expect(vctx.role).toBe('viewer');
    expect(await code(createTeam(vctx, { name: 'Nope' }))).toBe('FORBIDDEN');
    expect(await code(createProject(vctx, { teamId: team.id, name: 'Nope' }))).toBe('FORBIDDEN');
    expect((await getProject(vctx, project.id)).id).toBe(project.id);
  });

  it('lets members create projects only in teams they belong to', async () => {
    const a = await signUpUser('owner2');
    const team = await createTeam(a.ctx, { name: 'Fraud' });
    const m = await signUpUser('member2');
    const { url } = await createInvitation(a.ctx, { email: m.actor.email, role: 'member' });
    await acceptInvitation(m.actor, testMeta(), url.split('/').pop()!);
    const mctx = await resolveTenantContext(m.actor, a.orgId, testMeta());
    expect(await code(createProject(mctx, { teamId: team.id, name: 'Scorer' }))).toBe('FORBIDDEN');
    await addTeamMember(a.ctx, { teamId: team.id, userId: m.actor.userId, role: 'member' });
    expect((await createProject(mctx, { teamId: team.id, name: 'Scorer' })).name).toBe('Scorer');
  });

  it('rejects duplicate team names and over-long names', async () => {
    const a = await signUpUser('owner3');
    await createTeam(a.ctx, { name: 'Vision' });
    expect(await code(createTeam(a.ctx, { name: 'vision' }))).toBe('CONFLICT');
    expect(await code(createTeam(a.ctx, { name: 'x'.repeat(81) }))).toBe('BAD_USER_INPUT');
    expect(await code(createTeam(a.ctx, { name: '   ' }))).toBe('BAD_USER_INPUT');
  });

  it('keeps at least one owner and stops admins from touching owners', async () => {
    const a = await signUpUser('owner4');
    const [me] = await listMembers(a.ctx, { first: 10 });
    expect(await code(changeMemberRole(a.ctx, { membershipId: me!.id, role: 'admin' }))).toBe('CONFLICT');
    expect(await code(removeMember(a.ctx, { membershipId: me!.id }))).toBe('CONFLICT');

    const b = await signUpUser('admin4');
    const { url } = await createInvitation(a.ctx, { email: b.actor.email, role: 'admin' });
    await acceptInvitation(b.actor, testMeta(), url.split('/').pop()!);
    const bctx = await resolveTenantContext(b.actor, a.orgId, testMeta());
    expect(await code(changeMemberRole(bctx, { membershipId: me!.id, role: 'viewer' }))).toBe('FORBIDDEN');
    expect(await code(removeMember(bctx, { membershipId: me!.id }))).toBe('FORBIDDEN');
    expect(await code(createInvitation(bctx, { email: uniqueEmail('x'), role: 'owner' }))).toBe('FORBIDDEN');
  });
});

describe('invitations', () => {
  it('are single-use, bound to the invited email, and can be revoked', async () => {
    const a = await signUpUser('inviter');
    const b = await signUpUser('invitee');
    const c = await signUpUser('stranger');
    const { url } = await createInvitation(a.ctx, { email: b.actor.email, role: 'member' });
    const token = url.split('/').pop()!;
    expect((await previewInvitation(token)).email).toBe(b.actor.email);
    expect(await code(acceptInvitation(c.actor, testMeta(), token))).toBe('FORBIDDEN');
    expect((await acceptInvitation(b.actor, testMeta(), token)).role).toBe('member');
    expect(await code(acceptInvitation(b.actor, testMeta(), token))).toBe('CONFLICT');
    expect(await code(previewInvitation(token))).toBe('CONFLICT');

    const second = await createInvitation(a.ctx, { email: c.actor.email });
    await revokeInvitation(a.ctx, { id: second.invitation.id });
    expect(await code(acceptInvitation(c.actor, testMeta(), second.url.split('/').pop()!))).toBe('CONFLICT');
  });

  it('refuses expired, malformed and unknown links', async () => {
    const a = await signUpUser('inviter2');
    const b = await signUpUser('late');
    const { url, invitation } = await createInvitation(a.ctx, { email: b.actor.email });
    await db.ownerSql`update invitations set expires_at = now() - interval '1 minute' where id = ${invitation.id}`;
    const err = await acceptInvitation(b.actor, testMeta(), url.split('/').pop()!).catch((e: AppError) => e);
    expect((err as AppError).code).toBe('CONFLICT');
    expect((err as AppError).message).toMatch(/expired/);
    expect(await code(previewInvitation('short'))).toBe('BAD_USER_INPUT');
    expect(await code(previewInvitation('A'.repeat(43)))).toBe('NOT_FOUND');
  });

  it('refuses inviting an existing member', async () => {
    const a = await signUpUser('inviter3');
    expect(await code(createInvitation(a.ctx, { email: a.actor.email }))).toBe('CONFLICT');
  });
});

import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_DB_ROLE } from '../config/env';
import { organizations, teams } from './schema';
import { createTestDatabase, type TestDatabase } from './test/database';
import { inTenantScope } from './with-tenant';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

describe('row-level security', () => {
  it('is enabled and forced on every tenant table', async () => {
    const tables = await db.ownerSql<{ table: string; enabled: boolean; forced: boolean }[]>`
      select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public'
        and c.relkind in ('r', 'p')
        and (c.relname = 'organizations'
             or exists (select 1 from pg_attribute a
                        where a.attrelid = c.oid and a.attname = 'org_id' and not a.attisdropped))
      order by 1`;
    const names = tables.map((t) => t.table);
    expect(names).toContain('organizations');
    expect(names).toContain('memberships');
    expect(tables.filter((t) => !t.enabled || !t.forced).map((t) => t.table)).toEqual([]);
  });

  it('applies to the application role: not superuser, no BYPASSRLS, owns nothing', async () => {
    const [role] = await db.ownerSql<{ rolsuper: boolean; rolbypassrls: boolean }[]>`
      select rolsuper, rolbypassrls from pg_roles where rolname = ${APP_DB_ROLE}`;
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false });

    const owned = await db.ownerSql<{ name: string }[]>`
      select c.relname as name from pg_class c join pg_roles r on r.oid = c.relowner where r.rolname = ${APP_DB_ROLE}
      union all
      select n.nspname from pg_namespace n join pg_roles r on r.oid = n.nspowner where r.rolname = ${APP_DB_ROLE}
      union all
      select p.proname from pg_proc p join pg_roles r on r.oid = p.proowner where r.rolname = ${APP_DB_ROLE}`;
    expect(owned).toEqual([]);

    // Privileges inherited through role membership would bypass the checks above.
    const powerful = await db.ownerSql<{ rolname: string }[]>`
      select r.rolname from pg_auth_members m
      join pg_roles r on r.oid = m.roleid
      join pg_roles a on a.oid = m.member
      where a.rolname = ${APP_DB_ROLE} and (r.rolsuper or r.rolbypassrls)`;
    expect(powerful).toEqual([]);
  });

  it('returns no tenant rows without a tenant, and the tenant its own rows', async () => {
    const orgId = `org_rls_${Date.now().toString(36)}`;
    await db.ownerSql`insert into organizations (id, name, slug) values (${orgId}, 'RLS Org', ${orgId})`;
    await db.ownerSql`insert into teams (id, org_id, name, slug) values (${`team_${orgId}`}, ${orgId}, 'Core', 'core')`;

    const none = await inTenantScope({ orgId: null }, async (tx) => ({
      user: (await tx.execute<{ user: string }>(sql`select current_user as "user"`))[0]?.user,
      orgs: await tx.select().from(organizations),
      teams: await tx.select().from(teams),
    }));
    expect(none.user).toBe(APP_DB_ROLE);
    expect(none.orgs).toEqual([]);
    expect(none.teams).toEqual([]);

    // The control: the same query sees the rows once the tenant is set.
    const own = await inTenantScope({ orgId }, async (tx) => tx.select().from(teams));
    expect(own.map((t) => t.orgId)).toEqual([orgId]);
  });
});

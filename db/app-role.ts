import type postgres from 'postgres';
import { appSql } from './client';

/**
 * What would turn row-level security off for the application's connection: a superuser, BYPASSRLS
 * (held or inherited through a granted role), or owning tables (an owner skips its own policies unless
 * FORCE is set, and could switch it off). Empty when the connection is confined.
 */
export async function appConnectionProblems(sql: postgres.Sql): Promise<string[]> {
  const [role] = await sql<{ name: string; superuser: boolean; bypassrls: boolean; inherited: string[] | null; owned: number }[]>`
    select r.rolname as name, r.rolsuper as superuser, r.rolbypassrls as bypassrls,
      (select array_agg(g.rolname order by g.rolname) from pg_roles g
        where pg_has_role(r.oid, g.oid, 'USAGE') and g.oid <> r.oid and (g.rolsuper or g.rolbypassrls)) as inherited,
      (select count(*)::int from pg_class c where c.relowner = r.oid and c.relkind in ('r', 'p', 'v', 'm')
        and c.relnamespace not in (select oid from pg_namespace where nspname in ('pg_catalog', 'information_schema'))) as owned
    from pg_roles r where r.rolname = current_user`;
  if (!role) return ['the connection has no role'];
  const problems: string[] = [];
  if (role.superuser) problems.push(`role ${role.name} is a superuser`);
  if (role.bypassrls) problems.push(`role ${role.name} has BYPASSRLS`);
  if (role.inherited?.length) problems.push(`role ${role.name} inherits superuser or BYPASSRLS from ${role.inherited.join(', ')}`);
  if (role.owned > 0) problems.push(`role ${role.name} owns ${role.owned} table${role.owned === 1 ? '' : 's'}`);
  return problems;
}

/**
 * Run by every process that serves tenants (web, worker) before it takes work: pointing
 * DATABASE_APP_URL at the owner or a superuser would silently turn tenancy off, so it refuses to start.
 */
export async function assertAppConnectionConfined(sql: postgres.Sql = appSql()): Promise<void> {
  const problems = await appConnectionProblems(sql);
  if (problems.length === 0) return;
  throw new Error(
    `Refusing to start: the application database connection (DATABASE_APP_URL, or DATABASE_URL with the gantry_app role) ` +
      `would bypass row-level security: ${problems.join('; ')}. Connect as the gantry_app role, which owns nothing and lacks BYPASSRLS.`,
  );
}

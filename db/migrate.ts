import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

const MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Creates the cluster-wide roles if missing, then applies the committed
 * migrations. Runs as the owner connection (`DATABASE_URL`). Safe to call
 * concurrently and repeatedly: an advisory lock serialises runs.
 */
export async function migrateDatabase(ownerUrl: string, appPassword: string): Promise<void> {
  const sql = postgres(ownerUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(727274)`;
    const dbName = (await sql<{ db: string }[]>`select current_database() as db`)[0]!.db;
    await sql.unsafe(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gantry_app') THEN
          CREATE ROLE gantry_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
        END IF;
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gantry_definer') THEN
          CREATE ROLE gantry_definer NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
        END IF;
      END $$;`);
    await sql.unsafe(`ALTER ROLE gantry_app LOGIN NOBYPASSRLS PASSWORD ${quoteLiteral(appPassword)}`);
    // The migrating role must be able to hand function ownership to gantry_definer.
    await sql.unsafe(`GRANT gantry_definer TO CURRENT_USER`).catch(() => undefined);
    await sql.unsafe(`GRANT CONNECT ON DATABASE "${dbName.replace(/"/g, '""')}" TO gantry_app`);
    await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS });
  } finally {
    await sql`select pg_advisory_unlock(727274)`.catch(() => undefined);
    await sql.end({ timeout: 5 });
  }
}

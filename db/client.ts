import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { appDatabaseUrl, env } from '../config/env';
import * as schema from './schema';

export type Database = PostgresJsDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

interface Handle {
  url: string;
  sql: postgres.Sql;
  db: Database;
}

// One pool per process (survives Next.js dev reloads through globalThis).
const g = globalThis as unknown as { __gantryDb?: Handle };

let onStatement: ((statement: string) => void) | undefined;

/**
 * Has pools made from now on report each statement they send (tests count what one request
 * costs: db/test/statements.ts). Production never sets it, so its pool has no debug hook at all.
 */
export function reportStatements(report: (statement: string) => void): void {
  onStatement = report;
}

/** The application's pool: connects as the `gantry_app` role, which RLS applies to. */
export function appDb(): Database {
  const url = appDatabaseUrl();
  if (g.__gantryDb && g.__gantryDb.url === url) return g.__gantryDb.db;
  const sql = postgres(url, {
    max: env().DATABASE_POOL_MAX,
    onnotice: () => {},
    connection: { application_name: 'gantry' },
    ...(onStatement ? { debug: statementReporter(onStatement) } : {}),
  });
  g.__gantryDb = { url, sql, db: drizzle(sql, { schema }) };
  return g.__gantryDb.db;
}

const statementReporter =
  (report: (statement: string) => void) =>
  (_connection: number, statement: string): void =>
    report(statement);

/** The same pool without Drizzle, for the db layer's own pipelined statements (with-tenant.ts). */
export function appSql(): postgres.Sql {
  appDb();
  return g.__gantryDb!.sql;
}

export async function closeAppDb(): Promise<void> {
  const h = g.__gantryDb;
  g.__gantryDb = undefined;
  if (h) await h.sql.end({ timeout: 5 });
}

/** Cheap reachability probe for /api/health. */
export async function pingDatabase(): Promise<void> {
  appDb();
  await g.__gantryDb!.sql`select 1`;
}

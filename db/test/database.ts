import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { resetEnvCache } from '../../config/env';
import { closeAppDb } from '../client';
import { TEMPLATE_DATABASE, databaseUrl } from './urls';

export interface TestDatabase {
  name: string;
  /** Owner (superuser) URL of this database. */
  ownerUrl: string;
  /** Owner connection, for tests that inspect the catalog or tamper with rows behind RLS. */
  ownerSql: postgres.Sql;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = inject('pgAdminUrl') ?? process.env.GANTRY_TEST_PG_ADMIN_URL;
  if (!url) throw new Error('No test Postgres: run tests through vitest so db/test/global-setup.ts provides one.');
  return url;
}

/**
 * A fresh, migrated database cloned from the template, and points the app's
 * connection (`appDb()`, role gantry_app) at it through DATABASE_URL.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = adminUrl();
  const name = `gantry_test_${randomBytes(6).toString('hex')}`;
  const sql = postgres(admin, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  } finally {
    await sql.end({ timeout: 5 });
  }

  const ownerUrl = databaseUrl(admin, name);
  process.env.DATABASE_URL = ownerUrl;
  // An inherited app URL would point appDb() at some other database; derive it from DATABASE_URL.
  delete process.env.DATABASE_APP_URL;
  resetEnvCache();
  await closeAppDb();

  const ownerSql = postgres(ownerUrl, { max: 2, onnotice: () => {} });
  return {
    name,
    ownerUrl,
    ownerSql,
    async drop() {
      await ownerSql.end({ timeout: 5 });
      await closeAppDb();
      const sql = postgres(admin, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}

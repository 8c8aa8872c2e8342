import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appConnectionProblems, assertAppConnectionConfined } from './app-role';
import { closeAppDb } from './client';
import { createTestDatabase, type TestDatabase } from './test/database';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let db: TestDatabase;
const opened: postgres.Sql[] = [];
const connect = (url: string) => {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  opened.push(sql);
  return sql;
};
const as = (role: string, password: string) => {
  const u = new URL(db.ownerUrl);
  u.username = role;
  u.password = password;
  return u.toString();
};

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(opened.map((s) => s.end({ timeout: 5 })));
  await closeAppDb();
  const probes = ['gantry_probe_owner', 'gantry_probe_bypass', 'gantry_probe_member', 'gantry_probe_powerful'];
  const existing = await db.ownerSql<{ rolname: string }[]>`select rolname from pg_roles where rolname in ${db.ownerSql(probes)}`;
  if (existing.length) await db.ownerSql.unsafe(`DROP OWNED BY ${existing.map((r) => r.rolname).join(', ')}; DROP ROLE ${existing.map((r) => r.rolname).join(', ')}`);
  await db.drop();
});

describe('the application connection', () => {
  it('passes as the gantry_app role', async () => {
    await expect(assertAppConnectionConfined()).resolves.toBeUndefined();
  });

  it('is refused as the owner (a superuser here)', async () => {
    const problems = await appConnectionProblems(connect(db.ownerUrl));
    expect(problems.join('; ')).toMatch(/is a superuser/);
    await expect(assertAppConnectionConfined(connect(db.ownerUrl))).rejects.toThrow(/Refusing to start: .*would bypass row-level security/);
  });

  it('is refused for BYPASSRLS, for a role inherited with it, and for a table owner', async () => {
    const s = db.ownerSql;
    await s.unsafe(`DROP ROLE IF EXISTS gantry_probe_bypass; CREATE ROLE gantry_probe_bypass LOGIN BYPASSRLS PASSWORD 'probe'`);
    await s.unsafe(`DROP ROLE IF EXISTS gantry_probe_member; DROP ROLE IF EXISTS gantry_probe_powerful;
      CREATE ROLE gantry_probe_powerful NOLOGIN BYPASSRLS; CREATE ROLE gantry_probe_member LOGIN PASSWORD 'probe' IN ROLE gantry_probe_powerful`);
    await s.unsafe(`DROP ROLE IF EXISTS gantry_probe_owner; CREATE ROLE gantry_probe_owner LOGIN PASSWORD 'probe';
      GRANT CONNECT ON DATABASE ${db.name} TO gantry_probe_owner, gantry_probe_bypass, gantry_probe_member;
      GRANT CREATE ON SCHEMA public TO gantry_probe_owner`);
    const owner = connect(as('gantry_probe_owner', 'probe'));
    await owner`create table gantry_probe_owned (id int)`;

    expect(await appConnectionProblems(connect(as('gantry_probe_bypass', 'probe')))).toEqual(['role gantry_probe_bypass has BYPASSRLS']);
    expect(await appConnectionProblems(connect(as('gantry_probe_member', 'probe')))).toEqual([
      'role gantry_probe_member inherits superuser or BYPASSRLS from gantry_probe_powerful',
    ]);
    expect(await appConnectionProblems(owner)).toEqual(['role gantry_probe_owner owns 1 table']);
  });

  it('stops the worker process before it takes work', () => {
    // TEMPORAL_ADDRESS points nowhere: the check must come before any connection to Temporal.
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, DATABASE_URL: db.ownerUrl, DATABASE_APP_URL: db.ownerUrl, TEMPORAL_ADDRESS: '127.0.0.1:9', LOG_LEVEL: 'info' },
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/Refusing to start: .*is a superuser/);
    expect(r.stdout).not.toMatch(/Temporal not reachable/);
  });
});

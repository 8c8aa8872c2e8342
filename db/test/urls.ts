/** Migrated once per test run, cloned by every test file. */
export const TEMPLATE_DATABASE = 'gantry_template';

/** The same server and credentials as `url`, another database. */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

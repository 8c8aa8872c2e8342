// npm run db:migrate: applies the committed migrations to DATABASE_URL (owner connection) and
// creates or updates the `gantry_app` role with DATABASE_APP_PASSWORD.
import { env, requireDatabaseUrl } from '../config/env';
import { migrateDatabase } from '../db/migrate';

try {
  await migrateDatabase(requireDatabaseUrl(), env().DATABASE_APP_PASSWORD);
  console.log('migrations applied');
} catch (e) {
  console.error(`db:migrate failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}

// npm run clusters:reencrypt: after a new key is put first in GANTRY_ENCRYPTION_KEYS, re-encrypts every
// stored cluster kubeconfig under it, organization by organization (each in its own transaction).
// Connects as the owner (DATABASE_URL; by default the embedded server of a running `npm run dev`).
// Exit 0 when done, 2 on connection errors or a secret that no configured key opens.
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { reencryptClusterConfigs } from '../core/compute/cluster-secrets';
import * as schema from '../db/schema';

const url = process.env.DATABASE_URL ?? `postgres://postgres:gantry-embedded@127.0.0.1:${process.env.GANTRY_PG_PORT ?? 5433}/gantry`;
const client = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
const db = drizzle(client, { schema });

async function main(): Promise<number> {
  const orgs = (await client<{ org_id: string }[]>`select distinct org_id from clusters where encrypted_config is not null order by org_id`).map((r) => r.org_id);
  let total = 0;
  for (const orgId of orgs) {
    const r = await db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('app.org_id', ${orgId}, true)`);
      return reencryptClusterConfigs(tx, orgId);
    });
    total += r.reencrypted;
    console.log(`${orgId}  ${r.reencrypted} re-encrypted, ${r.current} already on the current key`);
  }
  console.log(`${total} cluster credential(s) re-encrypted in ${orgs.length} organization(s)`);
  return 0;
}

main()
  .then(async (code) => {
    await client.end();
    process.exit(code);
  })
  .catch(async (e) => {
    console.error(`clusters:reencrypt failed: ${e instanceof Error ? e.message : String(e)}`);
    await client.end().catch(() => undefined);
    process.exit(2);
  });

// npm run audit:verify [-- --org <orgId>] [--json]: recomputes every organization's audit hash chain.
// Connects as the owner (DATABASE_URL; by default the embedded server of a running `npm run dev`).
// Exit 0 when every chain holds, 1 when any is broken, 2 on usage or connection errors.
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { verifyAuditChainIn, type ChainReport } from '../core/governance/audit';
import * as schema from '../db/schema';

const { values } = parseArgs({ options: { org: { type: 'string', multiple: true }, json: { type: 'boolean' } } });
const url = process.env.DATABASE_URL ?? `postgres://postgres:gantry-embedded@127.0.0.1:${process.env.GANTRY_PG_PORT ?? 5433}/gantry`;
const client = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
const db = drizzle(client, { schema });

async function main(): Promise<number> {
  const orgs =
    values.org ?? (await client<{ org_id: string }[]>`select org_id from audit_heads order by org_id`).map((r) => r.org_id);
  const results: (ChainReport & { orgId: string })[] = [];
  for (const orgId of orgs) {
    // Setting the tenant keeps this working for an owner that row-level security applies to.
    const report = await db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('app.org_id', ${orgId}, true)`);
      return verifyAuditChainIn(tx, orgId);
    });
    results.push({ orgId, ...report });
  }
  if (values.json) console.log(JSON.stringify({ organizations: results }, null, 2));
  else {
    for (const r of results) {
      console.log(r.valid ? `ok      ${r.orgId}  ${r.checkedEvents} events` : `BROKEN  ${r.orgId}  at #${r.firstBrokenSeq}: ${r.reason}`);
    }
    console.log(`${results.filter((r) => r.valid).length} of ${results.length} chains verified`);
  }
  return results.every((r) => r.valid) ? 0 : 1;
}

main()
  .then(async (code) => {
    await client.end();
    process.exit(code);
  })
  .catch(async (e) => {
    console.error(`audit:verify failed: ${e instanceof Error ? e.message : String(e)}`);
    await client.end().catch(() => undefined);
    process.exit(2);
  });

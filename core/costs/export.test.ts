import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { signUpUser, type SignedUp } from '../../testing/fixtures';
import { createTeam } from '../tenancy/create-team';
import { COST_CSV_HEADER, costLinesCsv } from './export';

/** The ledger as CSV: every line of the range once, oldest first, across pages, with exact amounts. */
let db: TestDatabase;
let A: SignedUp;
let B: SignedUp;
const N = 12_345;
const START = Date.UTC(2025, 5, 1);

beforeAll(async () => {
  db = await createTestDatabase();
  A = await signUpUser('costs-export');
  B = await signUpUser('costs-export-other');
  const team = await createTeam(A.ctx, { name: 'Vision, "north"' });
  // N lines a minute apart, amounts 1..N micro-dollars; some share a timestamp, so the order falls back on the ID.
  await db.ownerSql`
    insert into cost_lines (id, org_id, source, source_key, amount_micros, occurred_at, team_id)
    select 'cl_' || lpad(i::text, 8, '0'), ${A.orgId}, 'training', 'job/' || i, i, to_timestamp(${START / 1000} + (i / 2) * 60), ${team.id}
    from generate_series(1, ${N}) i`;
});
afterAll(async () => {
  await db?.drop();
});

async function read(lines: AsyncGenerator<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of lines) out.push(l);
  return out;
}

describe('cost ledger CSV', () => {
  it('streams every line of the range once, oldest first, over several pages', async () => {
    const rows = await read(await costLinesCsv(A.ctx, { range: { from: new Date(START), to: new Date(START + 400 * 86_400_000) } }));
    expect(rows[0]).toBe(`${COST_CSV_HEADER.join(',')}\r\n`);
    expect(rows).toHaveLength(N + 1);
    const parsed = rows.slice(1).map((r) => r.split(','));
    expect(parsed.map((c) => Number(c[2])).reduce((s, x) => s + x, 0)).toBe((N * (N + 1)) / 2);
    expect(new Set(parsed.map((c) => c[4])).size).toBe(N);
    const times = parsed.map((c) => Date.parse(c[0]!));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    // Exact decimal dollars beside the micro-dollars, and names quoted as CSV needs.
    expect(rows[1]).toBe(`${new Date(START).toISOString()},0.000001,1,training,job/1,"Vision, ""north""",,,,,,,,,,,,\r\n`);
  });

  it('holds only the range and the organization, and refuses a range that ends before it starts', async () => {
    const day = await read(await costLinesCsv(A.ctx, { range: { from: new Date(START), to: new Date(START + 60_000) } }));
    expect(day).toHaveLength(1 + 1);
    expect(await read(await costLinesCsv(B.ctx, { range: { from: new Date(START), to: new Date(START + 400 * 86_400_000) } }))).toHaveLength(1);
    await expect(costLinesCsv(A.ctx, { range: { from: new Date(START + 1), to: new Date(START) } })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

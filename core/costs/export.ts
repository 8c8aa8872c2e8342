import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { csvRow } from '../../rules/csv';
import { microsToDollars } from '../../rules/money';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { attributed, costFilterSchema } from './explore';

/** Lines read per query: memory stays bounded whatever the range holds. */
const PAGE = 5000;

export const exportInput = z.object({
  range: z.object({ from: z.date(), to: z.date() }).refine((r) => r.to.getTime() > r.from.getTime(), { message: 'The range ends after it starts', path: ['to'] }),
  filter: costFilterSchema.default({}),
});

export const COST_CSV_HEADER = [
  'occurred_at',
  'amount_usd',
  'amount_micros',
  'source',
  'source_key',
  'team',
  'project',
  'user',
  'model',
  'model_version',
  'deployment',
  'cluster',
  'gpu_type',
  'job_id',
  'run_id',
  'seconds',
  'started_at',
  'ended_at',
] as const;

type Row = Record<string, string | number | Date | null>;
const iso = (v: unknown) => (v == null ? null : new Date(v as string).toISOString());

/**
 * The ledger lines of a range as CSV, oldest first, read a page at a time by (occurred_at, id), so
 * any range streams in bounded memory. The input is checked before the first byte, so a bad range
 * is an error, not a broken download. Amounts in exact decimal dollars beside their micro-dollars.
 */
export async function costLinesCsv(ctx: TenantContext, input: unknown): Promise<AsyncGenerator<string>> {
  assertCan(ctx, 'cost:read');
  const data = parseInput(exportInput, input);
  async function* lines(): AsyncGenerator<string> {
    yield csvRow(COST_CSV_HEADER);
    let after: { at: string; id: string } | null = null;
    for (;;) {
      const cursor: { at: string; id: string } | null = after;
      const page: Row[] = await withTenant(ctx, (tx) =>
        tx.execute<Row>(sql`
          select * from (${attributed(ctx.orgId, data.range.from, data.range.to, data.filter)}) l
          ${cursor ? sql`where (l.occurred_at, l.id) > (${cursor.at}::timestamptz, ${cursor.id})` : sql``}
          order by l.occurred_at, l.id
          limit ${PAGE}`),
      );
      for (const r of page) {
        yield csvRow([
          iso(r.occurred_at),
          microsToDollars(Number(r.amount_micros), { minDecimals: 2 }),
          String(r.amount_micros),
          r.source as string,
          r.source_key as string,
          r.team_name as string | null,
          r.project_name as string | null,
          r.user_email as string | null,
          r.model_name as string | null,
          r.model_version == null ? null : Number(r.model_version),
          r.deployment_name as string | null,
          r.cluster_name as string | null,
          r.gpu_type as string | null,
          r.job_id as string | null,
          r.run_id as string | null,
          r.seconds == null ? null : Number(r.seconds),
          iso(r.started_at),
          iso(r.ended_at),
        ]);
      }
      if (page.length < PAGE) return;
      const last = page[page.length - 1]!;
      after = { at: iso(last.occurred_at)!, id: String(last.id) };
    }
  }
  return lines();
}

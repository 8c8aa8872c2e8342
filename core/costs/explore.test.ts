import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { costLines, type CostSource } from '../../db/schema';
import { inTenantScope } from '../../db/with-tenant';
import type { CostDimension } from '../../rules/costs';
import { signUpUser, type SignedUp } from '../../testing/fixtures';
import { newId } from '../ids';
import { createProject } from '../tenancy/create-project';
import { createTeam } from '../tenancy/create-team';
import { costBreakdown, dailyCosts } from './explore';

/**
 * The explorer's figures against a brute-force sum of the same ledger lines: whatever the
 * grouping, each group is the sum of its lines and the groups (with `others`) are the total, to
 * the micro-dollar. Each property run writes its lines in a month of its own, so runs do not mix.
 */

let A: SignedUp;
let B: SignedUp;
const teams: { id: string; projects: string[] }[] = [];
const DAY = 86_400_000;
const BASE = Date.UTC(2024, 0, 1);

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  A = await signUpUser('costs-explore');
  B = await signUpUser('costs-explore-other');
  for (const name of ['Vision', 'Ranking', 'Fraud']) {
    const t = await createTeam(A.ctx, { name });
    const projects = [];
    for (const p of ['one', 'two']) projects.push((await createProject(A.ctx, { teamId: t.id, name: `${name} ${p}` })).id);
    teams.push({ id: t.id, projects });
  }
});

afterAll(async () => {
  await db?.drop();
});

interface Line {
  team: number;
  project: number | null;
  user: boolean;
  gpuType: string | null;
  source: CostSource;
  amount: number;
  /** Milliseconds into the run's month. */
  at: number;
}

const line: fc.Arbitrary<Line> = fc.record({
  team: fc.integer({ min: 0, max: 2 }),
  project: fc.option(fc.integer({ min: 0, max: 1 }), { nil: null }),
  user: fc.boolean(),
  gpuType: fc.constantFrom('a100', 'h100', null),
  source: fc.constantFrom<CostSource>('training', 'evaluation', 'batch_prediction'),
  amount: fc.integer({ min: 0, max: 50_000_000 }),
  at: fc.integer({ min: 0, max: 27 * DAY - 1 }),
});

const dims = fc.subarray<CostDimension>(['team', 'project', 'user', 'gpuType', 'source', 'day'], { minLength: 1, maxLength: 3 });

let month = 0;

/** The group key a line falls in, as the explorer names it. */
function keyOf(l: Line & { date: Date }, d: CostDimension): string | null {
  const t = teams[l.team]!;
  switch (d) {
    case 'team':
      return t.id;
    case 'project':
      return l.project === null ? null : t.projects[l.project]!;
    case 'user':
      return l.user ? A.actor.userId : null;
    case 'gpuType':
      return l.gpuType;
    case 'source':
      return l.source;
    case 'day':
      return l.date.toISOString().slice(0, 10);
    default:
      throw new Error(d);
  }
}

describe('cost explorer', () => {
  it('sums to the ledger to the micro-dollar, whatever the grouping', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 0, maxLength: 60 }), dims, fc.integer({ min: 1, max: 6 }), async (lines, groupBy, limit) => {
        const start = BASE + month++ * 31 * DAY;
        const dated = lines.map((l) => ({ ...l, date: new Date(start + l.at) }));
        if (dated.length) {
          await inTenantScope({ orgId: A.orgId }, (tx) =>
            tx.insert(costLines).values(
              dated.map((l) => ({
                id: newId('costLine'),
                orgId: A.orgId,
                source: l.source,
                sourceKey: `test/${newId('costLine')}`,
                amountMicros: l.amount,
                occurredAt: l.date,
                teamId: teams[l.team]!.id,
                projectId: l.project === null ? null : teams[l.team]!.projects[l.project]!,
                userId: l.user ? A.actor.userId : null,
                gpuType: l.gpuType,
              })),
            ),
          );
        }
        const range = { from: new Date(start), to: new Date(start + 28 * DAY) };
        const b = await costBreakdown(A.ctx, { range, groupBy, limit });
        const total = dated.reduce((s, l) => s + l.amount, 0);
        expect(b.totalMicros).toBe(total);
        expect(b.lines).toBe(dated.length);
        expect(b.groups.reduce((s, g) => s + g.amountMicros, 0) + b.othersMicros).toBe(total);
        expect(b.groups.length).toBeLessThanOrEqual(limit);

        const brute = new Map<string, number>();
        for (const l of dated) {
          const k = JSON.stringify(groupBy.map((d) => keyOf(l, d)));
          brute.set(k, (brute.get(k) ?? 0) + l.amount);
        }
        for (const g of b.groups) expect(g.amountMicros).toBe(brute.get(JSON.stringify(g.keys.map((k) => k.id))));
        // Largest first: the groups shown are the biggest ones.
        const sorted = [...brute.values()].sort((x, y) => y - x);
        expect(b.groups.map((g) => g.amountMicros)).toEqual(sorted.slice(0, limit));

        const series = await dailyCosts(A.ctx, { range, by: groupBy.find((d) => d !== 'day') ?? 'team', series: 2 });
        expect(series.days).toHaveLength(28);
        expect(series.totals.reduce((s, x) => s + x, 0)).toBe(total);
        expect(series.series.reduce((s, x) => s + x.totalMicros, 0)).toBe(total);
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('shows an organization only its own lines, and refuses ranges it cannot answer', async () => {
    const range = { from: new Date(BASE), to: new Date(BASE + 300 * DAY) };
    expect((await costBreakdown(B.ctx, { range, groupBy: ['team'] })).totalMicros).toBe(0);
    expect((await costBreakdown(B.ctx, { range, groupBy: ['team'], filter: { teamId: teams[0]!.id } })).groups).toEqual([]);
    await expect(costBreakdown(A.ctx, { range: { from: range.to, to: range.from }, groupBy: ['team'] })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(costBreakdown(A.ctx, { range: { from: new Date(BASE), to: new Date(BASE + 500 * DAY) }, groupBy: ['team'] })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(costBreakdown(A.ctx, { range, groupBy: [] })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(dailyCosts(A.ctx, { range, by: 'day' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

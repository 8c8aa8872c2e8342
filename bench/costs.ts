import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { costBreakdown } from '../core/costs/explore';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import type { Bench } from './lib/context';
import { fmtInt, fmtMs, measure, type Latency } from './lib/report';

const DAY = 86_400_000;
const DAYS = 90;
const TEAMS = 12;
const SOURCES = ['training', 'evaluation', 'batch_prediction', 'deployment'] as const;

const lat = (l: Latency) => `p50 ${fmtMs(l.p50)} / p95 ${fmtMs(l.p95)}`;

/**
 * The cost explorer's breakdown over a large ledger: 1,000,000 lines (at scale 1) spread over 90
 * days and 12 teams, grouped by team × day through the use case (tenant transaction, validation,
 * the group keys named afterwards) against the same GROUP BY run directly on the table by the
 * owner connection, in the same run. Target: the use case's p95 within 1.5× of the direct query's.
 */
export async function benchCosts(b: Bench): Promise<void> {
  const n = Math.max(10_000, Math.round(1_000_000 * b.scale));
  b.log(`costs: ${fmtInt(n)} ledger lines over ${DAYS} days and ${TEAMS} teams…`);
  const teams: { id: string; projects: string[] }[] = [];
  for (let t = 0; t < TEAMS; t++) {
    const team = await createTeam(b.ctx, { name: `bench costs ${t}` });
    const projects: string[] = [];
    for (let p = 0; p < 3; p++) projects.push((await createProject(b.ctx, { teamId: team.id, name: `bench costs ${t}-${p}` })).id);
    teams.push({ id: team.id, projects });
  }
  const orgId = b.ctx.orgId;
  const end = Date.UTC(2026, 0, 1);
  const start = end - DAYS * DAY;
  function* chunks() {
    for (let s = 0; s < n; s += 10_000) {
      let c = '';
      for (let i = s; i < Math.min(n, s + 10_000); i++) {
        const team = teams[(i * 7) % TEAMS]!;
        const at = new Date(start + Math.floor((i / n) * DAYS * DAY) + (i % 997)).toISOString();
        c += `cl_bench_${i}\t${orgId}\t${SOURCES[i % 4]}\tbench/${i}\t${1 + ((i * 7919) % 5_000_000)}\t${at}\t${team.id}\t${team.projects[i % 3]}\n`;
      }
      yield c;
    }
  }
  await pipeline(Readable.from(chunks()), await b.owner`copy cost_lines (id, org_id, source, source_key, amount_micros, occurred_at, team_id, project_id) from stdin`.writable());
  await b.owner`vacuum analyze cost_lines`;

  const range = { from: new Date(start), to: new Date(end) };
  const queries = 30;
  const gantry = await measure(() => costBreakdown(b.ctx, { range, groupBy: ['team', 'day'], limit: 1000 }), { n: queries, warmup: 3, budgetMs: 180_000, min: 10 });
  const direct = await measure(
    () => b.owner`
      select team_id, to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD') as day, sum(amount_micros) as amount, count(*) as n
      from cost_lines where org_id = ${orgId} and occurred_at >= ${range.from} and occurred_at < ${range.to}
      group by 1, 2 order by 3 desc limit 1000`,
    { n: queries, warmup: 3, budgetMs: 180_000, min: 10 },
  );
  // The figures agree: the same total as the table's own sum.
  const sample = await costBreakdown(b.ctx, { range, groupBy: ['team', 'day'], limit: 1000 });
  const [sum] = await b.owner<{ total: string }[]>`select sum(amount_micros) as total from cost_lines where org_id = ${orgId} and occurred_at >= ${range.from} and occurred_at < ${range.to}`;
  if (sample.totalMicros !== Number(sum!.total)) throw new Error(`costBreakdown's total ${sample.totalMicros} differs from the table's ${sum!.total}`);

  b.rows.push({ section: 'costs', name: 'Gantry costBreakdown (team × day)', value: lat(gantry), detail: `${gantry.n} sequential calls of the use case in-process over ${fmtInt(n)} lines; ${sample.groups.length} groups` });
  b.rows.push({ section: 'costs', name: 'Direct GROUP BY on cost_lines (owner connection)', value: lat(direct), detail: `${direct.n} calls, the same grouping and range` });
  b.ratios.push({ name: 'costs: breakdown p95 / direct GROUP BY p95', value: gantry.p95 / direct.p95, target: '<= 1.50', met: gantry.p95 / direct.p95 <= 1.5, how: 'lower is better; the use case adds a tenant transaction, row-level security, validation and naming the groups' });
  b.results.costs = { lines: n, gantry, direct, groups: sample.groups.length };
}

import type { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../core/auth/create-api-key';
import { setBudget } from '../core/costs/budgets';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import type { GraphQLContext } from '../graphql/context';
import { apolloServer } from '../graphql/server';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { EXIT } from './exit-codes';
import { runAgainstApi } from './test/run-against-api';

/** `gantry costs …` against the real GraphQL schema and resolvers, on ledger lines of two teams. */
let db: TestDatabase;
let server: ApolloServer<GraphQLContext>;
let A: SignedUp;
let key = '';
const ids = { vision: '', ranking: '', detector: '' };

const gantry = (argv: string[]) => runAgainstApi(server, argv, key);

beforeAll(async () => {
  db = await createTestDatabase();
  server = apolloServer();
  A = await signUpUser('cli-costs');
  key = (await createApiKey(A.ctx, { name: 'finance', scopes: ['read'] })).secret;
  ids.vision = (await createTeam(A.ctx, { name: 'Vision' })).id;
  ids.ranking = (await createTeam(A.ctx, { name: 'Ranking' })).id;
  ids.detector = (await createProject(A.ctx, { teamId: ids.vision, name: 'Detector' })).id;
  await setBudget(A.ctx, { teamId: ids.vision, amountMicros: 10_000_000 });
  await db.ownerSql`insert into cost_lines (id, org_id, source, source_key, amount_micros, occurred_at, team_id, project_id, gpu_type) values
    ('cl_a', ${A.orgId}, 'training', 'job/a', 3000000, now() - interval '1 minute', ${ids.vision}, ${ids.detector}, 'a100'),
    ('cl_b', ${A.orgId}, 'evaluation', 'job/b', 1000000, now() - interval '1 minute', ${ids.ranking}, null, null),
    ('cl_c', ${A.orgId}, 'training', 'job/c', 7000000, '2026-01-15T00:00:00Z', ${ids.ranking}, null, null)`;
});
afterAll(async () => {
  await db?.drop();
});

describe('gantry costs', () => {
  it('sums this month by team, largest first, with shares and the total', async () => {
    const r = await gantry(['costs']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TEAM\s+AMOUNT\s+SHARE\s+LINES$/);
    expect(lines[1]).toMatch(/^Vision\s+\$3\.00\s+75\.0%\s+1$/);
    expect(lines[2]).toMatch(/^Ranking\s+\$1\.00\s+25\.0%\s+1$/);
    expect(r.stdout).toContain('Total $4.00 over 2 ledger lines');
  });

  it('groups by several dimensions over a chosen month, as JSON', async () => {
    const r = await gantry(['costs', '--by', 'team,source', '--month', '2026-01', '--json']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.json()).toMatchObject({ groupBy: ['team', 'source'], totalMicros: '7000000', groups: [{ amountMicros: '7000000', keys: [{ label: 'Ranking' }, { id: 'training' }] }] });
    const gpu = await gantry(['costs', '--by', 'gpuType', '--team', ids.vision, '--json']);
    expect(gpu.json()).toMatchObject({ totalMicros: '3000000', groups: [{ keys: [{ id: 'a100' }] }] });
  });

  it('shows budgets with what is left and the forecast', async () => {
    const r = await gantry(['costs', 'budgets']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/^TEAM\s+PROJECT\s+BUDGET\s+SPENT\s+RESERVED\s+LEFT\s+FORECAST\s+AT THE LIMIT$/m);
    expect(r.stdout).toMatch(/^Vision\s+-\s+\$10\.00\s+\$3\.00\s+\$0\.00\s+\$7\.00\s+\$[\d,.]+\s+block new jobs$/m);
  });

  it('refuses bad flags before sending anything', async () => {
    for (const argv of [
      ['costs', '--by', 'colour'],
      ['costs', '--month', '2026-13'],
      ['costs', '--month', '2026-01', '--since', '7d'],
      ['costs', '--since', 'yesterday'],
      ['costs', 'budgets', '--by', 'team'],
      ['costs', 'forecast'],
    ]) {
      const r = await gantry(argv);
      expect(r.code, argv.join(' ')).toBe(EXIT.USAGE);
      expect(r.sent, argv.join(' ')).toEqual([]);
    }
  });
});

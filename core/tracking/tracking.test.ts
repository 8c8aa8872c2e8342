import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { createApiKey } from '../auth/create-api-key';
import { authenticateApiKey } from '../auth/authenticate-api-key';
import { AppError } from '../errors';
import { resolveTenantContext } from '../tenancy/resolve-context';
import { acceptInvitation } from '../tenancy/accept-invitation';
import { createInvitation } from '../tenancy/create-invitation';
import { signUpUser, testMeta, type SignedUp } from '../../testing/fixtures';
import { createExperiment } from './create-experiment';
import { createRun } from './create-run';
import { deleteRunTag } from './delete-run-tag';
import { getExperiment, getExperimentByName } from './get-experiment';
import { getMetricHistory } from './get-metric-history';
import { getRun } from './get-run';
import { logBatch } from './log-batch';
import { logInputs } from './log-inputs';
import { getMetricSeries } from './metric-series';
import { getSingleValueMetrics } from './single-value-metrics';
import { listRecentRuns } from './list-recent-runs';
import { parseFilterString } from './search-filter';
import { searchExperiments } from './search-experiments';
import { searchRuns } from './search-runs';
import { deleteExperiment, restoreExperiment } from './set-experiment-lifecycle';
import { deleteRun } from './set-run-lifecycle';
import { updateRun } from './update-run';

let db: TestDatabase;
let A: SignedUp;
let B: SignedUp;

beforeAll(async () => {
  db = await createTestDatabase();
  A = await signUpUser('track-a');
  B = await signUpUser('track-b');
});
afterAll(async () => {
  await db.drop();
});

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'OK';
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
};

async function newRun(owner: SignedUp, expName?: string) {
  const exp = await createExperiment(owner.ctx, { name: expName ?? `exp-${Math.random().toString(36).slice(2)}` });
  const run = await createRun(owner.ctx, { experimentId: exp.id });
  return { exp, run };
}

describe('experiments', () => {
  it('creates in a default project, enforces unique names per org, finds by name, and isolates tenants', async () => {
    const e = await createExperiment(A.ctx, { name: 'churn', tags: [{ key: 'team', value: 'growth' }] });
    expect(e.id).toMatch(/^exp_/);
    expect(e.tags).toEqual([{ key: 'team', value: 'growth' }]);
    expect(await codeOf(createExperiment(A.ctx, { name: 'churn' }))).toBe('CONFLICT');
    // Another tenant may use the same name.
    expect((await createExperiment(B.ctx, { name: 'churn' })).id).not.toBe(e.id);
    expect((await getExperimentByName(A.ctx, 'churn')).id).toBe(e.id);
    expect(await codeOf(getExperiment(B.ctx, e.id))).toBe('NOT_FOUND');
    const audit = await db.ownerSql`select action from audit_events where org_id = ${A.orgId} and target_id = ${e.id}`;
    expect(audit.map((r) => r.action)).toEqual(['experiment.create']);
  });

  it('maps "0" to one default experiment per org, created once', async () => {
    const [a, b] = await Promise.all([getExperiment(A.ctx, '0'), getExperiment(A.ctx, '0')]);
    expect(a.id).toBe(b.id);
    expect(a.isDefault).toBe(true);
    expect((await getExperiment(B.ctx, '0')).id).not.toBe(a.id);
    const run = await createRun(A.ctx, { experimentId: '0' });
    expect(run.experimentId).toBe(a.id);
  });

  it('soft-deletes and restores with its runs, and filters the search by name', async () => {
    const { exp, run } = await newRun(A, 'to-delete-1');
    await deleteExperiment(A.ctx, exp.id);
    expect((await getRun(A.ctx, run.id)).lifecycleStage).toBe('deleted');
    const active = await searchExperiments(A.ctx, { filter: "name LIKE 'to-delete%'" });
    expect(active.experiments).toEqual([]);
    const deleted = await searchExperiments(A.ctx, { filter: "name LIKE 'to-delete%'", viewType: 'DELETED_ONLY' });
    expect(deleted.experiments.map((e) => e.id)).toEqual([exp.id]);
    await restoreExperiment(A.ctx, exp.id);
    expect((await getRun(A.ctx, run.id)).lifecycleStage).toBe('active');
  });
});

describe('runs and logging', () => {
  it('stores NaN and ±Infinity and returns them unchanged', async () => {
    const { run } = await newRun(A);
    const values = [Number.NaN, Infinity, -Infinity, 0.1, -0, 1e-300, Number.MAX_VALUE];
    await logBatch(A.ctx, { runId: run.id, metrics: values.map((v, i) => ({ key: 'odd', value: v, timestamp: 1000 + i, step: i })) });
    // The protobuf-JSON spellings are accepted too.
    await logBatch(A.ctx, { runId: run.id, metrics: [{ key: 'str', value: 'NaN', timestamp: 1, step: 0 }, { key: 'str', value: '-Infinity', timestamp: 2, step: 1 }] });
    const h = await getMetricHistory(A.ctx, { runId: run.id, key: 'odd' });
    expect(h.metrics.map((m) => m.value)).toEqual(values.map((v) => (Object.is(v, -0) ? 0 : v)));
    const s = await getMetricHistory(A.ctx, { runId: run.id, key: 'str' });
    expect(s.metrics.map((m) => m.value)).toEqual([Number.NaN, -Infinity]);
  });

  it('is idempotent: the same batch twice stores each point once', async () => {
    const { run } = await newRun(A);
    const batch = {
      runId: run.id,
      metrics: Array.from({ length: 1000 }, (_, i) => ({ key: `m${i % 5}`, value: Math.sin(i), timestamp: 5000 + i, step: Math.floor(i / 5) })),
      params: [{ key: 'lr', value: '0.01' }],
      tags: [{ key: 'phase', value: 'train' }],
    };
    await logBatch(A.ctx, batch);
    await logBatch(A.ctx, batch);
    const [count] = await db.ownerSql`select count(*)::int as n from run_metrics where run_id = ${run.id}`;
    expect(count!.n).toBe(1000);
    const r = await getRun(A.ctx, run.id);
    expect(r.params).toEqual([{ key: 'lr', value: '0.01' }]);
    expect(r.latestMetrics.find((m) => m.key === 'm0')).toMatchObject({ step: 199, value: Math.sin(995) });
  });

  it('deletes a run’s points with the run, also through its experiment, and never writes points for a run being deleted', async () => {
    const count = async (runId: string) => (await db.ownerSql<{ n: number }[]>`select count(*)::int as n from run_metrics where run_id = ${runId}`)[0]!.n;
    const points = (n: number) => Array.from({ length: n }, (_, i) => ({ key: 'loss', value: i, timestamp: i, step: i }));
    const { exp, run } = await newRun(A);
    const kept = await createRun(A.ctx, { experimentId: exp.id });
    await logBatch(A.ctx, { runId: run.id, metrics: points(10) });
    await logBatch(A.ctx, { runId: kept.id, metrics: points(10) });
    await db.ownerSql`delete from runs where id = ${run.id}`;
    expect(await count(run.id)).toBe(0);
    expect(await count(kept.id)).toBe(10);
    await db.ownerSql`delete from experiments where id = ${exp.id}`;
    expect(await count(kept.id)).toBe(0);

    // A batch that arrives while its run is being deleted waits for the delete, then finds no run.
    const { run: doomed } = await newRun(A);
    let batch: Promise<string> | undefined;
    await db.ownerSql.begin(async (sql) => {
      await sql`delete from runs where id = ${doomed.id}`;
      batch = codeOf(logBatch(A.ctx, { runId: doomed.id, metrics: points(5) }));
      await new Promise((r) => setTimeout(r, 300));
    });
    expect(await batch).toBe('NOT_FOUND');
    expect(await count(doomed.id)).toBe(0);
  });

  it('stores a repeated metrics-only batch once, and a point repeated within a batch once', async () => {
    const { run } = await newRun(A);
    const metrics = Array.from({ length: 300 }, (_, i) => ({ key: `m${i % 3}`, value: i / 7, timestamp: 1000 + i, step: Math.floor(i / 3) }));
    await logBatch(A.ctx, { runId: run.id, metrics });
    await logBatch(A.ctx, { runId: run.id, metrics });
    // Half old, half new, and one point twice.
    const more = [...metrics.slice(150), ...metrics.slice(0, 10).map((m) => ({ ...m, timestamp: m.timestamp + 5000 })), metrics[0]!];
    await logBatch(A.ctx, { runId: run.id, metrics: more });
    const [count] = await db.ownerSql`select count(*)::int as n from run_metrics where run_id = ${run.id}`;
    expect(count!.n).toBe(310);
    const latest = (await getRun(A.ctx, run.id)).latestMetrics.find((m) => m.key === 'm2');
    expect(latest).toMatchObject({ step: 99, timestamp: 1299, value: 299 / 7 });
  });

  it('keeps params immutable: same value is fine, another value is rejected and nothing of the batch is written', async () => {
    const { run } = await newRun(A);
    await logBatch(A.ctx, { runId: run.id, params: [{ key: 'lr', value: '0.01' }] });
    await logBatch(A.ctx, { runId: run.id, params: [{ key: 'lr', value: '0.01' }] });
    const e = await logBatch(A.ctx, {
      runId: run.id,
      params: [{ key: 'lr', value: '0.02' }],
      metrics: [{ key: 'loss', value: 1, timestamp: 1, step: 0 }],
      tags: [{ key: 'x', value: 'y' }],
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('BAD_USER_INPUT');
    expect((e as AppError).message).toContain("Param with key='lr' was already logged with value='0.01'");
    const r = await getRun(A.ctx, run.id);
    expect(r.params).toEqual([{ key: 'lr', value: '0.01' }]);
    expect(r.latestMetrics).toEqual([]);
    expect(r.tags.find((t) => t.key === 'x')).toBeUndefined();
    // Two values for one key inside a batch are rejected the same way.
    expect(await codeOf(logBatch(A.ctx, { runId: run.id, params: [{ key: 'bs', value: '1' }, { key: 'bs', value: '2' }] }))).toBe('BAD_USER_INPUT');
  });

  it('rejects oversized batches, bad keys and non-numeric metric values with clear messages', async () => {
    const { run } = await newRun(A);
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));
    await expect(logBatch(A.ctx, { runId: run.id, metrics: tooMany })).rejects.toThrow('at most 1000 metrics');
    const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' }));
    await expect(logBatch(A.ctx, { runId: run.id, params })).rejects.toThrow('at most 100 params');
    await expect(logBatch(A.ctx, { runId: run.id, params: [{ key: 'k', value: 'x'.repeat(6001) }] })).rejects.toThrow('at most 6000');
    await expect(logBatch(A.ctx, { runId: run.id, tags: [{ key: 'k', value: 'x'.repeat(8001) }] })).rejects.toThrow('at most 8000');
    await expect(logBatch(A.ctx, { runId: run.id, params: [{ key: 'k'.repeat(251), value: 'x' }] })).rejects.toThrow('at most 250');
    await expect(logBatch(A.ctx, { runId: run.id, params: [{ key: 'bad$key', value: 'x' }] })).rejects.toThrow('may only contain');
    await expect(logBatch(A.ctx, { runId: run.id, params: [{ key: 'a/../b', value: 'x' }] })).rejects.toThrow('normalized path');
    await expect(logBatch(A.ctx, { runId: run.id, metrics: [{ key: 'acc', value: 'high', timestamp: 1, step: 0 }] })).rejects.toThrow('Metric value must be a number');
    await expect(logBatch(A.ctx, { runId: run.id, metrics: [{ key: 'acc', value: 1, timestamp: 'soon', step: 0 }] })).rejects.toThrow('must be an integer');
  });

  it('refuses logging to a deleted run and to another tenant’s run', async () => {
    const { run } = await newRun(A);
    expect(await codeOf(logBatch(B.ctx, { runId: run.id, params: [{ key: 'a', value: 'b' }] }))).toBe('NOT_FOUND');
    expect(await codeOf(getRun(B.ctx, run.id))).toBe('NOT_FOUND');
    expect(await codeOf(getMetricHistory(B.ctx, { runId: run.id, key: 'x' }))).toBe('NOT_FOUND');
    await deleteRun(A.ctx, run.id);
    expect(await codeOf(logBatch(A.ctx, { runId: run.id, params: [{ key: 'a', value: 'b' }] }))).toBe('BAD_USER_INPUT');
  });

  it('tags: set, rename through mlflow.runName, delete, and a missing tag is NOT_FOUND', async () => {
    const { run } = await newRun(A);
    await logBatch(A.ctx, { runId: run.id, tags: [{ key: 'mlflow.runName', value: 'renamed' }, { key: 't', value: '1' }] });
    expect((await getRun(A.ctx, run.id)).name).toBe('renamed');
    await deleteRunTag(A.ctx, { runId: run.id, key: 't' });
    expect(await codeOf(deleteRunTag(A.ctx, { runId: run.id, key: 't' }))).toBe('NOT_FOUND');
    const done = await updateRun(A.ctx, { runId: run.id, status: 'FINISHED' });
    expect(done.status).toBe('FINISHED');
    expect(done.endTime).toBeGreaterThan(0);
  });

  it('logs dataset inputs once per (name, digest) and merges their tags', async () => {
    const { run } = await newRun(A);
    const ds = { name: 'iris', digest: 'abc123', sourceType: 'local', source: '{"uri": "/data/iris.csv"}', schema: '{"mlflow_colspec": []}' };
    await logInputs(A.ctx, { runId: run.id, datasets: [{ dataset: ds, tags: [{ key: 'mlflow.data.context', value: 'training' }] }] });
    await logInputs(A.ctx, { runId: run.id, datasets: [{ dataset: ds, tags: [{ key: 'split', value: 'a' }] }] });
    const r = await getRun(A.ctx, run.id);
    expect(r.inputs).toHaveLength(1);
    expect(r.inputs[0]!.dataset).toMatchObject({ name: 'iris', digest: 'abc123', sourceType: 'local', profile: null });
    expect(r.inputs[0]!.tags).toEqual([{ key: 'mlflow.data.context', value: 'training' }, { key: 'split', value: 'a' }]);
    expect(await codeOf(logInputs(A.ctx, { runId: run.id, datasets: [{ dataset: { ...ds, name: '' } }] }))).toBe('BAD_USER_INPUT');
  });

  it('API keys: a read key reads runs but cannot log; a write key can', async () => {
    const { run } = await newRun(A);
    const keyCtx = async (scopes: ('read' | 'write')[]) => {
      const { secret } = await createApiKey(A.ctx, { name: `k-${scopes.join('-')}`, scopes });
      return resolveTenantContext(await authenticateApiKey(secret, testMeta()), null, testMeta());
    };
    const reader = await keyCtx(['read']);
    const writer = await keyCtx(['read', 'write']);
    expect((await getRun(reader, run.id)).id).toBe(run.id);
    expect(await codeOf(logBatch(reader, { runId: run.id, params: [{ key: 'a', value: 'b' }] }))).toBe('FORBIDDEN');
    await logBatch(writer, { runId: run.id, params: [{ key: 'a', value: 'b' }] });
    const byKey = await createRun(writer, { experimentId: run.experimentId });
    const [row] = await db.ownerSql`select created_by_api_key from runs where id = ${byKey.id}`;
    expect(row!.created_by_api_key).toBe(writer.actor.kind === 'api_key' ? writer.actor.apiKeyId : 'x');
  });
});

describe('recent runs', () => {
  it('lists the organization’s newest active runs across experiments, newest first, and no other tenant’s', async () => {
    const C = await signUpUser('track-recent');
    const one = await createExperiment(C.ctx, { name: 'one' });
    const two = await createExperiment(C.ctx, { name: 'two' });
    const t = Date.now();
    const old = await createRun(C.ctx, { experimentId: one.id, runName: 'old', startTime: t - 3000 });
    const mid = await createRun(C.ctx, { experimentId: two.id, runName: 'mid', startTime: t - 2000 });
    const gone = await createRun(C.ctx, { experimentId: one.id, runName: 'gone', startTime: t - 1000 });
    await deleteRun(C.ctx, gone.id);
    expect((await listRecentRuns(C.ctx, { first: 5 })).map((r) => r.name)).toEqual(['mid', 'old']);
    expect((await listRecentRuns(C.ctx, { first: 1 })).map((r) => r.id)).toEqual([mid.id]);
    expect((await listRecentRuns(B.ctx, { first: 50 })).map((r) => r.id)).not.toContain(old.id);
    expect(await codeOf(listRecentRuns(C.ctx, { first: 0 }))).toBe('BAD_USER_INPUT');
  });
});

describe('search', () => {
  it('filters by metrics, params, tags and attributes, sorts by a metric, and pages', async () => {
    const exp = await createExperiment(A.ctx, { name: 'search-exp' });
    const specs = [
      { name: 'r1', acc: 0.95, lr: '0.01', t: 'v', status: 'FINISHED' },
      { name: 'r2', acc: 0.85, lr: '0.01', t: 'v', status: 'FINISHED' },
      { name: 'r3', acc: 0.99, lr: '0.1', t: 'v', status: 'FAILED' },
      { name: 'r4', acc: 0.91, lr: '0.01', t: 'w', status: 'FINISHED' },
      { name: 'r5', acc: null, lr: '0.01', t: 'v', status: 'FINISHED' },
      { name: 'r6', acc: 0.97, lr: '0.01', t: 'v', status: 'FINISHED' },
    ];
    const ids: Record<string, string> = {};
    for (const s of specs) {
      const r = await createRun(A.ctx, { experimentId: exp.id, runName: s.name });
      ids[s.name] = r.id;
      await logBatch(A.ctx, {
        runId: r.id,
        params: [{ key: 'lr', value: s.lr }],
        tags: [{ key: 't', value: s.t }],
        metrics: s.acc == null ? [] : [{ key: 'acc', value: 0.1, timestamp: 1, step: 0 }, { key: 'acc', value: s.acc, timestamp: 2, step: 1 }],
      });
      await updateRun(A.ctx, { runId: r.id, status: s.status });
    }
    const names = (p: { runs: { name: string }[] }) => p.runs.map((r) => r.name);
    const q = (filter: string, orderBy: string[] = ['metrics.acc DESC']) => searchRuns(A.ctx, { experimentIds: [exp.id], filter, orderBy });

    expect(names(await q("metrics.acc > 0.9 and params.lr = '0.01' and tags.t = 'v'"))).toEqual(['r6', 'r1']);
    expect(names(await q("attributes.status = 'FAILED'"))).toEqual(['r3']);
    expect(names(await q("attributes.run_name = 'r4'"))).toEqual(['r4']);
    expect(names(await q("params.lr != '0.01'"))).toEqual(['r3']);
    expect(names(await q("tags.t LIKE 'w%'"))).toEqual(['r4']);
    expect(names(await q("attributes.status IN ('FAILED', 'KILLED')"))).toEqual(['r3']);
    expect(names(await q('metrics.acc <= 0.9'))).toEqual(['r2']);
    // Runs without the metric sort last in either direction.
    expect(names(await q('', ['metrics.acc ASC']))).toEqual(['r2', 'r4', 'r1', 'r6', 'r3', 'r5']);
    expect(names(await q('', ['metrics.acc DESC']))).toEqual(['r3', 'r6', 'r1', 'r4', 'r2', 'r5']);
    expect(names(await q('', ['attributes.run_name']))).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    // A metric filter with another sort, the same metric sorted twice, and a sort over runs that lack it.
    expect(names(await q('metrics.acc > 0.9', ['attributes.run_name DESC']))).toEqual(['r6', 'r4', 'r3', 'r1']);
    expect(names(await q('metrics.acc >= 0.9', ['metrics.acc ASC', 'metrics.acc DESC']))).toEqual(['r4', 'r1', 'r6', 'r3']);
    expect(names(await q('metrics.acc IS NULL'))).toEqual(['r5']);
    expect(names(await q("params.lr = '0.1' and metrics.acc IS NULL"))).toEqual([]);

    const seen: string[] = [];
    let token: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof searchRuns>> = await searchRuns(A.ctx, { experimentIds: [exp.id], orderBy: ['metrics.acc DESC'], maxResults: 4, pageToken: token });
      seen.push(...names(page));
      token = page.nextPageToken;
    } while (token);
    expect(seen).toEqual(['r3', 'r6', 'r1', 'r4', 'r2', 'r5']);

    // B searching A's experiment sees nothing.
    expect((await searchRuns(B.ctx, { experimentIds: [exp.id] })).runs).toEqual([]);
    // The typed form works like the string form.
    const typed = await searchRuns(A.ctx, { experimentIds: [exp.id], where: [{ entity: 'metric', key: 'acc', op: '>', value: 0.96 }], orderBy: [{ entity: 'metric', key: 'acc', ascending: true }] });
    expect(names(typed)).toEqual(['r6', 'r3']);
    expect(ids.r1).toMatch(/^run_/);
  });

  it('parses MLflow filter syntax and rejects what it cannot express', () => {
    expect(parseFilterString("metrics.`val loss` < 1.5 and params.\"lr\" = '0.1' AND attributes.start_time >= 100")).toEqual([
      { entity: 'metric', key: 'val loss', op: '<', value: 1.5 },
      { entity: 'param', key: 'lr', op: '=', value: '0.1' },
      { entity: 'attribute', key: 'start_time', op: '>=', value: 100 },
    ]);
    expect(parseFilterString('tags.mlflow.source.type IS NOT NULL')).toEqual([{ entity: 'tag', key: 'mlflow.source.type', op: 'IS NOT NULL', value: null }]);
    expect(() => parseFilterString("metrics.a > 1 or metrics.b > 2")).toThrow('OR is not supported');
    expect(() => parseFilterString('nonsense.a > 1')).toThrow('Invalid entity type');
    expect(() => parseFilterString("params.a = 'unterminated")).toThrow('Unterminated quote');
  });

  it('rejects a string compared with a metric and an unknown attribute', async () => {
    const { exp } = await newRun(A);
    expect(await codeOf(searchRuns(A.ctx, { experimentIds: [exp.id], filter: "metrics.acc > 'high'" }))).toBe('BAD_USER_INPUT');
    expect(await codeOf(searchRuns(A.ctx, { experimentIds: [exp.id], filter: "attributes.colour = 'red'" }))).toBe('BAD_USER_INPUT');
  });
});

describe('sorting by duration and by creator', () => {
  it('measures running runs to a fixed instant, groups runs by creator, counts matches, and pages without repeats', async () => {
    const m = await signUpUser('track-m');
    const { url } = await createInvitation(A.ctx, { email: m.actor.email, role: 'member' });
    await acceptInvitation(m.actor, testMeta(), url.split('/').pop()!);
    const member = await resolveTenantContext(m.actor, A.orgId, testMeta());
    const { secret } = await createApiKey(A.ctx, { name: 'trainer', scopes: ['read', 'write'] });
    const key = await resolveTenantContext(await authenticateApiKey(secret, testMeta()), null, testMeta());
    const exp = await createExperiment(A.ctx, { name: 'durations' });
    // name, who, start, end (null: still running)
    const specs = [
      ['d1', A.ctx, 1_000, 6_000],
      ['d2', key, 2_000, 3_000],
      ['d3', member, 3_000, null],
      ['d4', A.ctx, 4_000, 9_000],
    ] as const;
    for (const [name, ctx, start, end] of specs) {
      const r = await createRun(ctx, { experimentId: exp.id, runName: name, startTime: start });
      if (end != null) await updateRun(ctx, { runId: r.id, status: 'FINISHED', endTime: end });
    }
    const names = (p: { runs: { name: string }[] }) => p.runs.map((r) => r.name);
    const q = (orderBy: string[], extra: Record<string, unknown> = {}) => searchRuns(A.ctx, { experimentIds: [exp.id], orderBy, ...extra });

    // Durations 5000, 1000, (asOf - 3000), 5000; equal ones fall back to newest first.
    expect(names(await q(['attributes.duration ASC']))).toEqual(['d2', 'd4', 'd1', 'd3']);
    expect(names(await q(['attributes.duration DESC']))).toEqual(['d3', 'd4', 'd1', 'd2']);
    expect(names(await q(['attributes.duration ASC'], { asOf: 8_000 }))).toEqual(['d2', 'd4', 'd3', 'd1']);
    expect(names(await q(['attributes.duration ASC'], { asOf: 3_500 }))).toEqual(['d3', 'd2', 'd4', 'd1']);
    const typed = await searchRuns(A.ctx, { experimentIds: [exp.id], orderBy: [{ entity: 'attribute', key: 'duration', ascending: true }], asOf: 8_000 });
    expect(names(typed)).toEqual(['d2', 'd4', 'd3', 'd1']);
    expect(typed.asOf).toBe(8_000);

    // A's email sorts before M's ("track-a-…" < "track-m-…"); A's browser runs come before A's key's.
    expect(names(await q(['attributes.created_by ASC']))).toEqual(['d4', 'd1', 'd2', 'd3']);
    expect(names(await q(['attributes.created_by DESC']))).toEqual(['d3', 'd2', 'd4', 'd1']);

    // Page tokens carry the first page's instant: a running run keeps its place however long paging takes.
    const seen: string[] = [];
    let token: string | null = null;
    let first = true;
    do {
      const page: Awaited<ReturnType<typeof searchRuns>> = await q(['attributes.duration ASC'], { maxResults: 1, pageToken: token, ...(first ? { asOf: 8_000 } : {}) });
      seen.push(...names(page));
      token = page.nextPageToken;
      first = false;
    } while (token);
    expect(seen).toEqual(['d2', 'd4', 'd3', 'd1']);
    // GraphQL's offsets take the same path.
    const byOffset = [0, 1, 2, 3].map((offset) => q(['attributes.created_by DESC'], { maxResults: 1, offset }).then(names));
    expect((await Promise.all(byOffset)).flat()).toEqual(['d3', 'd2', 'd4', 'd1']);

    expect((await q([])).totalCount).toBeNull();
    expect((await q([], { withTotalCount: true, maxResults: 1 })).totalCount).toBe(4);
    expect((await q([], { withTotalCount: true, filter: "attributes.status = 'RUNNING'" })).totalCount).toBe(1);
    expect((await searchRuns(B.ctx, { experimentIds: [exp.id], withTotalCount: true })).totalCount).toBe(0);

    // Every view carries its creator: the user, and the key when a tool created it.
    const byName = new Map(typed.runs.map((r) => [r.name, r.creator]));
    expect(byName.get('d1')).toEqual({ user: { id: A.actor.userId, email: A.actor.email, name: 'track-a' }, apiKey: null });
    expect(byName.get('d2')).toMatchObject({ user: { id: A.actor.userId }, apiKey: { name: 'trainer', prefix: expect.stringMatching(/^gty_/) } });
    expect(byName.get('d3')).toMatchObject({ user: { email: m.actor.email }, apiKey: null });
    expect(await codeOf(q(['attributes.colour']))).toBe('BAD_USER_INPUT');
  });
});

describe('metric series', () => {
  it('pages metric history in step order', async () => {
    const { run } = await newRun(A);
    await logBatch(A.ctx, { runId: run.id, metrics: Array.from({ length: 25 }, (_, i) => ({ key: 'x', value: i, timestamp: 1, step: 24 - i })) });
    const steps: number[] = [];
    let token: string | null = null;
    do {
      const p: Awaited<ReturnType<typeof getMetricHistory>> = await getMetricHistory(A.ctx, { runId: run.id, key: 'x', maxResults: 10, pageToken: token });
      steps.push(...p.metrics.map((m) => m.step));
      token = p.nextPageToken;
    } while (token);
    expect(steps).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('returns raw points under the budget and finer detail for a narrower range', async () => {
    const { run } = await newRun(A);
    await logBatch(A.ctx, { runId: run.id, metrics: Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: 1000 - i, timestamp: i, step: i })) });
    const whole = await getMetricSeries(A.ctx, { runId: run.id, key: 'loss', maxPoints: 100 });
    expect(whole.downsampled).toBe(true);
    expect(whole.buckets).toHaveLength(50);
    expect(whole.points.length).toBeLessThanOrEqual(100);
    const zoom = await getMetricSeries(A.ctx, { runId: run.id, key: 'loss', maxPoints: 100, minStep: 100, maxStep: 149 });
    expect(zoom.downsampled).toBe(false);
    expect(zoom.points.map((p) => p.step)).toEqual(Array.from({ length: 50 }, (_, i) => 100 + i));
  });

  it('tells metrics logged once from curves, for many runs at once, within the tenant', async () => {
    const { exp, run } = await newRun(A);
    const other = await createRun(A.ctx, { experimentId: exp.id });
    await logBatch(A.ctx, {
      runId: run.id,
      metrics: [
        { key: 'test_auc', value: 0.81, timestamp: 5, step: 0 },
        ...Array.from({ length: 3 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), timestamp: i, step: i })),
        // Two points at one step are two points: the metric is not a single value.
        { key: 'lr', value: 0.1, timestamp: 1, step: 0 },
        { key: 'lr', value: 0.2, timestamp: 2, step: 0 },
      ],
    });
    await logBatch(A.ctx, { runId: other.id, metrics: [{ key: 'f1', value: 0.7, timestamp: 1, step: 3 }] });
    const found = await getSingleValueMetrics(A.ctx, [run.id, other.id, 'run_missing']);
    expect(Object.fromEntries(found)).toEqual({ [run.id]: ['test_auc'], [other.id]: ['f1'], run_missing: [] });
    expect((await getSingleValueMetrics(B.ctx, [run.id])).get(run.id)).toEqual([]);
  });

  it('keeps the true min and max of every bucket (property)', async () => {
    const { run } = await newRun(A);
    let batchNo = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            step: fc.integer({ min: 0, max: 5000 }),
            // Few distinct values as well, so buckets have ties; and the infinities, which charts keep.
            value: fc.oneof(fc.double({ noNaN: true, min: -1e6, max: 1e6 }).map((v) => (v === 0 ? 0 : v)), fc.constantFrom(-1, 0, 1, Infinity, -Infinity)),
          }),
          { minLength: 1, maxLength: 400 },
        ),
        fc.integer({ min: 2, max: 60 }),
        fc.option(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 })), { nil: null }),
        async (points, maxPoints, range) => {
          const key = `p${batchNo++}`;
          await logBatch(A.ctx, { runId: run.id, metrics: points.map((p, i) => ({ key, value: p.value, step: p.step, timestamp: i })) });
          const [lo, hi] = range ? [Math.min(...range), Math.max(...range)] : [null, null];
          const s = await getMetricSeries(A.ctx, { runId: run.id, key, maxPoints, minStep: lo, maxStep: hi });
          const inRange = points.filter((p) => (lo == null || p.step >= lo) && (hi == null || p.step <= hi));
          // Identical points collapse into one row; that is the point store's contract.
          const unique = new Map(inRange.map((p, i) => [`${p.step}|${i}|${p.value}`, p]));
          expect(s.totalPoints).toBe(unique.size);
          if (!s.downsampled) {
            expect(s.points.length).toBe(unique.size);
            return;
          }
          expect(s.buckets.length).toBeLessThanOrEqual(Math.floor(maxPoints / 2));
          expect(s.points.length).toBeLessThanOrEqual(maxPoints);
          expect(s.buckets.reduce((n, b) => n + b.count, 0)).toBe(unique.size);
          for (const b of s.buckets) {
            const inside = inRange.filter((p) => p.step >= b.fromStep && p.step <= b.toStep);
            expect(inside.length).toBe(b.count);
            const min = Math.min(...inside.map((p) => p.value));
            const max = Math.max(...inside.map((p) => p.value));
            expect(b.min.value).toBe(min);
            expect(b.max.value).toBe(max);
            // Ties go to the earliest step, then the earliest timestamp (here the point's index).
            const first = (v: number) => inside.map((p) => ({ ...p, t: points.indexOf(p) })).filter((p) => p.value === v).sort((x, y) => x.step - y.step || x.t - y.t)[0]!;
            expect(b.min).toEqual({ step: first(min).step, timestamp: first(min).t, value: min });
            expect(b.max).toEqual({ step: first(max).step, timestamp: first(max).t, value: max });
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

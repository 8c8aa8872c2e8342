import { describe, expect, it } from 'vitest';
import { layoutLineage, NODE_W, type LineageData } from './lineage-layout';
import { actorText, aliasEventText, parseSignature } from './registry';

describe('alias history wording', () => {
  it('says what happened to the alias', () => {
    expect(aliasEventText({ action: 'set', fromVersion: null, toVersion: 1 })).toBe('Set to v1');
    expect(aliasEventText({ action: 'move', fromVersion: 1, toVersion: 2 })).toBe('Moved from v1 to v2');
    expect(aliasEventText({ action: 'delete', fromVersion: 2, toVersion: null })).toBe('Removed from v2');
  });

  it('names the person, marks an API key, and admits a member who left', () => {
    expect(actorText({ actorEmail: 'ada@example.com', actorApiKeyId: null, actorUserId: 'u1' })).toBe('ada@example.com');
    expect(actorText({ actorEmail: 'ada@example.com', actorApiKeyId: 'k1', actorUserId: 'u1' })).toBe('ada@example.com (API key)');
    expect(actorText({ actorEmail: null, actorApiKeyId: null, actorUserId: 'u1' })).toBe('a former member');
  });
});

describe('parseSignature', () => {
  it('reads MLflow’s column signature, stored as JSON strings inside JSON', () => {
    const json = JSON.stringify({
      inputs: JSON.stringify([
        { type: 'double', name: 'age' },
        { type: 'string', name: 'plan', required: false },
      ]),
      outputs: JSON.stringify([{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 2] } }]),
      params: null,
    });
    expect(parseSignature(json)).toEqual([
      {
        title: 'Inputs',
        raw: null,
        columns: [
          { name: 'age', type: 'double', extra: null },
          { name: 'plan', type: 'string', extra: 'optional' },
        ],
      },
      { title: 'Outputs', raw: null, columns: [{ name: null, type: 'tensor', extra: 'float32 [-1, 2]' }] },
    ]);
  });

  it('shows anything else as JSON, and nothing when there is no signature', () => {
    expect(parseSignature('{"inputs":"[]","custom":{"a":1}}')).toEqual([
      { title: 'Inputs', columns: null, raw: '[]' },
      { title: 'custom', columns: null, raw: '{\n  "a": 1\n}' },
    ]);
    expect(parseSignature('not json')).toEqual([{ title: 'Signature', columns: null, raw: 'not json' }]);
    expect(parseSignature(null)).toBeNull();
  });
});

const base: LineageData = {
  model: { id: 'rm_1', name: 'ranker' },
  version: { id: 'mv_1', version: 3, aliases: ['champion'], framework: 'xgboost', source: 'mlflow-artifacts:/e/r/artifacts/model' },
  run: {
    id: 'run_1',
    name: 'train',
    status: 'FINISHED',
    params: Array.from({ length: 7 }, (_, i) => ({ key: `p${i}`, value: String(i) })),
    latestMetrics: [{ key: 'auc', value: 0.91 }],
    inputs: [
      { name: 'clicks', digest: 'abcdef1234567890', sourceType: 's3', source: 's3://b/clicks', tags: [{ key: 'mlflow.data.context', value: 'training' }] },
      { name: 'holdout', digest: '0123', sourceType: 's3', source: 's3://b/holdout', tags: [] },
    ],
  },
  experiment: { id: 'exp_1', name: 'ranking' },
  job: null,
  cluster: null,
  deployments: [],
};

describe('layoutLineage', () => {
  it('lays datasets, run and version out left to right with an edge per neighbouring pair, and no deployment placeholder', () => {
    const { nodes, edges, width, height } = layoutLineage(base, 'acme');
    expect(nodes.map((n) => n.kind)).toEqual(['dataset', 'dataset', 'run', 'version']);
    const x = (id: string) => nodes.find((n) => n.id === id)!.x;
    expect(x('dataset-0')).toBe(x('dataset-1'));
    expect(x('dataset-0')).toBeLessThan(x('run'));
    expect(x('run')).toBeLessThan(x('version'));
    expect(edges.map((e) => `${e.from.id}>${e.to.id}`)).toEqual(['dataset-0>run', 'dataset-1>run', 'run>version']);
    // Nothing overlaps and everything fits.
    expect(edges.every((e) => !e.dashed)).toBe(true);
    const [d0, d1] = nodes;
    expect(d0!.y + d0!.h).toBeLessThanOrEqual(d1!.y);
    for (const n of nodes) {
      expect(n.x + NODE_W).toBeLessThanOrEqual(width);
      expect(n.y + n.h).toBeLessThanOrEqual(height);
    }
  });

  it('links the run, shows its key params and metrics, and marks the version as the current node', () => {
    const { nodes } = layoutLineage(base, 'acme');
    const run = nodes.find((n) => n.kind === 'run')!;
    expect(run.href).toBe('/o/acme/runs/run_1');
    const text = run.lines.map((l) => l.text);
    expect(text).toEqual(['train', 'ranking · Finished', 'Params', 'p0 = 0', 'p1 = 1', 'p2 = 2', 'p3 = 3', 'p4 = 4', '+2 more params', 'Metrics', 'auc = 0.91']);
    expect(nodes.find((n) => n.kind === 'dataset')!.label).toBe('Dataset · training');
    const version = nodes.find((n) => n.kind === 'version')!;
    expect(version.current).toBe(true);
    expect(version.lines.map((l) => l.text)).toEqual(['ranker v3', '@champion', 'xgboost']);
  });

  it('adds the training job beside the datasets and each deployment after the version', () => {
    const { nodes, edges } = layoutLineage(
      { ...base, job: { id: 'job_1', name: 'nightly', status: 'succeeded' }, cluster: { id: 'cl_1', name: 'gpu-east' }, deployments: [{ id: 'dep_1' }, { id: 'dep_2' }] },
      'acme',
    );
    const job = nodes.find((n) => n.kind === 'job')!;
    expect(job.href).toBe('/o/acme/jobs/job_1');
    expect(job.lines.map((l) => l.text)).toEqual(['nightly', 'Succeeded · on gpu-east']);
    expect(edges.some((e) => e.from.id === 'job' && e.to.id === 'run')).toBe(true);
    expect(nodes.filter((n) => n.kind === 'deployment').map((n) => n.dashed ?? false)).toEqual([false, false]);
  });

  it('shows an external source instead of a run when the version did not come from one', () => {
    const { nodes, edges } = layoutLineage({ ...base, run: null, experiment: null }, 'acme');
    expect(nodes.map((n) => n.kind)).toEqual(['source', 'version']);
    expect(nodes[0]!.lines[0]!.text).toBe(base.version.source);
    expect(edges).toHaveLength(1);
  });
});

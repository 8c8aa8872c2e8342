import { describe, expect, it } from 'vitest';
import { describeMlflowLink, parseMlflowHash } from './mlflow-links';

describe('parseMlflowHash', () => {
  it('reads the run and experiment links the mlflow client prints', () => {
    expect(parseMlflowHash('#/experiments/exp_01abc/runs/run_01xyz')).toEqual({ kind: 'run', experimentId: 'exp_01abc', runId: 'run_01xyz' });
    expect(parseMlflowHash('#/experiments/exp_01abc')).toEqual({ kind: 'experiment', experimentId: 'exp_01abc' });
    expect(parseMlflowHash('#/experiments/0')).toEqual({ kind: 'experiment', experimentId: '0' });
  });

  it('opens a sub-page at its run or experiment, and ignores the workspace query', () => {
    expect(parseMlflowHash('#/experiments/1/runs/r1/artifacts/model/MLmodel')).toEqual({ kind: 'run', experimentId: '1', runId: 'r1' });
    expect(parseMlflowHash('#/experiments/1/runs/r1?workspace=team-a')).toEqual({ kind: 'run', experimentId: '1', runId: 'r1' });
    expect(parseMlflowHash('#/experiments/1/overview')).toEqual({ kind: 'experiment', experimentId: '1' });
    expect(parseMlflowHash('#/experiments/1/runs')).toEqual({ kind: 'experiment', experimentId: '1' });
  });

  it('reads model, version and compare links of the MLflow UI, names decoded', () => {
    expect(parseMlflowHash('#/models/churn%20model')).toEqual({ kind: 'model', name: 'churn model' });
    expect(parseMlflowHash('#/models/churn/versions/3')).toEqual({ kind: 'version', name: 'churn', version: 3 });
    expect(parseMlflowHash('#/models/churn/versions')).toEqual({ kind: 'model', name: 'churn' });
    expect(parseMlflowHash('#/compare-runs?runs=["r1","r2"]&experiments=["1"]')).toEqual({ kind: 'compare', runIds: ['r1', 'r2'] });
    expect(parseMlflowHash(`#/compare-runs?runs=${encodeURIComponent('["r1"]')}`)).toEqual({ kind: 'compare', runIds: ['r1'] });
  });

  it('answers null for anything else', () => {
    for (const hash of ['', '#', '#top', '#/', '#/experiments', '#/experiments/%E0%A4%A', '#/models/churn/versions/zero', '#/models/churn/versions/-1', '#/compare-runs', '#/compare-runs?runs=nope', '#/metric/loss', 'experiments/1']) {
      expect(parseMlflowHash(hash), hash).toBeNull();
    }
  });

  it('names what the link points at for a message', () => {
    expect(describeMlflowLink({ kind: 'version', name: 'churn', version: 2 })).toBe('version 2 of model “churn”');
    expect(describeMlflowLink({ kind: 'run', experimentId: '1', runId: 'r1' })).toBe('run r1');
  });
});

import { describe, expect, it } from 'vitest';
import { keyMetric } from './key-metric';

const pick = (...keys: string[]) => keyMetric(keys.map((key) => ({ key })))?.key ?? null;

describe('keyMetric', () => {
  it('prefers a held-out quality score', () => {
    expect(pick('train_loss', 'val_auc', 'test_auc')).toBe('test_auc');
    expect(pick('train_loss', 'log_loss', 'auc', 'accuracy')).toBe('auc');
    expect(pick('eval/accuracy', 'eval/loss')).toBe('eval/accuracy');
  });

  it('puts a held-out metric before a training one, whatever their names', () => {
    expect(pick('train_accuracy', 'val_loss')).toBe('val_loss');
    expect(pick('training.f1', 'rmse')).toBe('rmse');
  });

  it('falls back to the first metric by name, and to nothing without metrics', () => {
    expect(pick('throughput', 'epoch_time', 'grad_norm')).toBe('epoch_time');
    expect(pick('train_loss')).toBe('train_loss');
    expect(pick()).toBeNull();
  });
});

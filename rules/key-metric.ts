/**
 * The one metric that sums a run up at a glance, where a list has room for one: a held-out
 * score by a common name before a training one, a quality score (auc, accuracy, f1…) before
 * an error or a loss. MLflow records no such choice, so it is read from the names alone;
 * when no name is a known one, the first metric by name stands for the run.
 */

/** Known metric names, the most telling first. */
const NAMES = [
  'auc',
  'roc_auc',
  'accuracy',
  'acc',
  'f1',
  'f1_score',
  'ndcg',
  'map',
  'precision',
  'recall',
  'r2',
  'rmse',
  'mae',
  'mape',
  'mse',
  'log_loss',
  'logloss',
  'loss',
];
const HELD_OUT = new Set(['test', 'val', 'valid', 'validation', 'eval', 'holdout']);
const TRAINING = new Set(['train', 'training']);

function rank(key: string): [number, number] {
  const words = key.toLowerCase().split(/[._/\s-]+/).filter(Boolean);
  const training = words.some((w) => TRAINING.has(w));
  const name = words.filter((w) => !HELD_OUT.has(w) && !TRAINING.has(w)).join('_');
  const known = NAMES.indexOf(name);
  return [training ? 1 : 0, known === -1 ? NAMES.length : known];
}

export function keyMetric<M extends { key: string }>(metrics: readonly M[]): M | null {
  let best: M | null = null;
  let bestRank: [number, number] = [Infinity, Infinity];
  for (const m of metrics) {
    const r = rank(m.key);
    const better = r[0] !== bestRank[0] ? r[0] < bestRank[0] : r[1] !== bestRank[1] ? r[1] < bestRank[1] : best !== null && m.key < best.key;
    if (best === null || better) {
      best = m;
      bestRank = r;
    }
  }
  return best;
}

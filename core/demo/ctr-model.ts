/**
 * A small click-through-rate model trained for the demo organization's experiment: logistic
 * regression or a one-hidden-layer network fitted with mini-batch gradient descent on a
 * simulated home-feed click log. Everything is seeded, so the same hyperparameters give the same
 * curves on every machine, and the curves are what training really produced: a higher learning
 * rate converges faster, weight decay costs a little fit, the hidden layer learns the interaction
 * the linear model cannot.
 */

export const CTR_FEATURES = [
  'item_popularity',
  'user_item_affinity',
  'hours_since_posted',
  'feed_position',
  'follows_author',
  'user_past_ctr',
  'is_video',
  'caption_length',
] as const;

export interface ClickLog {
  /** One row per impression, in the order of CTR_FEATURES. */
  x: number[][];
  /** 1 when the impression was clicked. */
  y: number[];
}

export interface CtrHyperparameters {
  /** 0 for logistic regression; otherwise the width of the tanh hidden layer. */
  hiddenUnits: number;
  learningRate: number;
  l2: number;
  batchSize: number;
  epochs: number;
  seed: number;
}

export interface EpochMetrics {
  epoch: number;
  /** The optimizer step count at the end of the epoch. */
  step: number;
  trainLoss: number;
  valLoss: number;
  valAuc: number;
  valAccuracy: number;
}

export interface CtrTrainingResult {
  /** The loss of every mini-batch, as the optimizer saw it. */
  batchLosses: { step: number; loss: number }[];
  epochs: EpochMetrics[];
  /** The fitted model: standardization, and the layer weights. */
  model: { features: readonly string[]; mean: number[]; std: number[]; hidden: { w: number[][]; b: number[] } | null; out: { w: number[]; b: number } };
}

/** mulberry32: a tiny seeded generator, so the data and the initial weights are the same everywhere. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
const clampP = (p: number) => Math.min(1 - 1e-7, Math.max(1e-7, p));
const bce = (p: number, y: number) => -(y * Math.log(clampP(p)) + (1 - y) * Math.log(1 - clampP(p)));

/**
 * Impressions of a home feed and whether each was clicked. The click probability depends on the
 * features through a logistic model with an interaction (affinity matters more for popular items)
 * and a position effect that flattens down the feed, which a linear model can only approximate.
 */
export function simulateClickLog(rows: number, seed: number): ClickLog {
  const rand = random(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const popularity = Math.log1p(Math.exp(1.2 * normal(rand)));
    const affinity = normal(rand);
    const hours = -Math.log(Math.max(rand(), 1e-9)) * 18;
    const position = 1 + Math.floor(rand() * 30);
    const follows = rand() < 0.22 ? 1 : 0;
    const pastCtr = Math.min(0.6, Math.max(0, 0.06 + 0.04 * normal(rand)));
    const video = rand() < 0.35 ? 1 : 0;
    const caption = Math.round(Math.max(0, 40 + 30 * normal(rand)));
    // Affinity pays off for popular items and barely for niche ones, and captions have a best length:
    // effects a linear model sees only on average.
    const logit =
      -0.4 + 0.4 * popularity + 0.2 * affinity + 1.6 * affinity * (popularity - 1) - 0.03 * hours - 0.6 * Math.log(position) + 1.0 * follows + 6 * (pastCtr - 0.06) - 0.0012 * (caption - 45) ** 2 + 0.8 * video * follows;
    x.push([popularity, affinity, hours, position, follows, pastCtr, video, caption]);
    y.push(rand() < sigmoid(logit) ? 1 : 0);
  }
  return { x, y };
}

/** Area under the ROC curve by ranks (ties get their average rank). */
export function rocAuc(scores: number[], labels: number[]): number {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  const positives = labels.reduce((s, l) => s + l, 0);
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  const rankSum = labels.reduce((s, l, i) => s + (l === 1 ? ranks[i]! : 0), 0);
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Trains on `train`, measuring on `validation` after every epoch. */
export function trainCtrModel(train: ClickLog, validation: ClickLog, hp: CtrHyperparameters): CtrTrainingResult {
  const d = CTR_FEATURES.length;
  const h = hp.hiddenUnits;
  // The output layer reads the hidden layer, or the features themselves for logistic regression.
  const m = h > 0 ? h : d;
  const rand = random(hp.seed);
  const mean = Array.from({ length: d }, (_, j) => train.x.reduce((s, r) => s + r[j]!, 0) / train.x.length);
  const std = Array.from({ length: d }, (_, j) => Math.sqrt(train.x.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / train.x.length) || 1);
  const scale = (rows: number[][]) => {
    const out = new Float64Array(rows.length * d);
    rows.forEach((r, i) => r.forEach((v, j) => (out[i * d + j] = (v - mean[j]!) / std[j]!)));
    return out;
  };
  const xt = scale(train.x);
  const xv = scale(validation.x);

  // Scaled normal initial weights; the output bias starts at the base rate.
  const w1 = Float64Array.from({ length: h * d }, () => normal(rand) * Math.sqrt(1 / d));
  const b1 = new Float64Array(h);
  const w2 = Float64Array.from({ length: m }, () => (h > 0 ? normal(rand) * Math.sqrt(1 / h) : 0));
  const baseRate = Math.min(0.99, Math.max(0.01, train.y.reduce((s, v) => s + v, 0) / train.y.length));
  let b2 = Math.log(baseRate / (1 - baseRate));

  const act = new Float64Array(m);
  /** The click probability of row `i` of `x`; leaves the output layer's inputs in `act`. */
  const forward = (x: Float64Array, i: number): number => {
    const o = i * d;
    if (h > 0) {
      for (let j = 0; j < h; j++) {
        let z = b1[j]!;
        for (let k = 0; k < d; k++) z += w1[j * d + k]! * x[o + k]!;
        act[j] = Math.tanh(z);
      }
    } else {
      for (let k = 0; k < d; k++) act[k] = x[o + k]!;
    }
    let z = b2;
    for (let k = 0; k < m; k++) z += w2[k]! * act[k]!;
    return sigmoid(z);
  };

  const batchLosses: { step: number; loss: number }[] = [];
  const epochs: EpochMetrics[] = [];
  const rows = train.y.length;
  const order = Array.from({ length: rows }, (_, i) => i);
  const gw1 = new Float64Array(h * d);
  const gb1 = new Float64Array(h);
  const gw2 = new Float64Array(m);
  let step = 0;
  for (let epoch = 1; epoch <= hp.epochs; epoch++) {
    // The epoch's training loss is the mean of its mini-batch losses, as training loops report it.
    let epochLoss = 0;
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let start = 0; start < rows; start += hp.batchSize) {
      const end = Math.min(rows, start + hp.batchSize);
      gw1.fill(0);
      gb1.fill(0);
      gw2.fill(0);
      let gb2 = 0;
      let loss = 0;
      for (let b = start; b < end; b++) {
        const i = order[b]!;
        const p = forward(xt, i);
        const y = train.y[i]!;
        loss += bce(p, y);
        const err = p - y;
        gb2 += err;
        for (let k = 0; k < m; k++) gw2[k]! += err * act[k]!;
        for (let j = 0; j < h; j++) {
          const delta = err * w2[j]! * (1 - act[j]! * act[j]!);
          gb1[j]! += delta;
          for (let k = 0; k < d; k++) gw1[j * d + k]! += delta * xt[i * d + k]!;
        }
      }
      const n = end - start;
      const lr = hp.learningRate;
      for (let k = 0; k < m; k++) w2[k]! -= lr * (gw2[k]! / n + hp.l2 * w2[k]!);
      b2 -= lr * (gb2 / n);
      for (let j = 0; j < h; j++) b1[j]! -= lr * (gb1[j]! / n);
      for (let q = 0; q < h * d; q++) w1[q]! -= lr * (gw1[q]! / n + hp.l2 * w1[q]!);
      step += 1;
      epochLoss += loss;
      batchLosses.push({ step, loss: loss / n });
    }
    const scores = validation.y.map((_, i) => forward(xv, i));
    epochs.push({
      epoch,
      step,
      trainLoss: epochLoss / rows,
      valLoss: scores.reduce((s, p, i) => s + bce(p, validation.y[i]!), 0) / scores.length,
      valAuc: rocAuc(scores, validation.y),
      valAccuracy: scores.reduce((s, p, i) => s + ((p >= 0.5 ? 1 : 0) === validation.y[i] ? 1 : 0), 0) / scores.length,
    });
  }
  const rowsOf = (flat: Float64Array, width: number) => Array.from({ length: flat.length / width }, (_, r) => Array.from(flat.subarray(r * width, (r + 1) * width)));
  return {
    batchLosses,
    epochs,
    model: { features: CTR_FEATURES, mean, std, hidden: h > 0 ? { w: rowsOf(w1, d), b: Array.from(b1) } : null, out: { w: Array.from(w2), b: b2 } },
  };
}

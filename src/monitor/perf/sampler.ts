/**
 * A group's metrics as a function of row weights, for the bootstrap: a resample is a
 * count per row, and one weighted pass gives every resampled metric at once. Two
 * samplers built on the same rows in the same order (a primary and its shadow on the
 * same requests) take the same counts for a paired resample.
 */
import {
  computeClassificationMetrics,
  type ClassificationReport,
  type Label,
} from '../../evaluate/metrics/index.js';
import type { PerfInput } from './inputs.js';
import {
  confusionCounts,
  prfFromConfusion,
  scoreOrder,
  weightedAuc,
  weightedR2,
  type EncodedLabels,
  type ScoreOrder,
} from './weighted.js';

export interface Sampler {
  names: readonly string[];
  sample(w: ArrayLike<number>): number[];
}

/** Truth and prediction as indices of the report's labels (-1: not among them). */
export function encodeLabels(
  input: PerfInput & { task: 'classification' },
  report: ClassificationReport,
): EncodedLabels {
  const index = new Map<Label, number>(report.labels.map((l, i) => [l, i]));
  const { yTrue, yPred } = input.input;
  const n = yTrue.length;
  const truth = new Int32Array(n);
  const pred = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    truth[i] = index.get(yTrue[i] as Label) ?? -1;
    pred[i] = index.get(yPred[i] as Label) ?? -1;
  }
  const positive = report.positiveLabel === null ? null : (index.get(report.positiveLabel) ?? null);
  return { truth, pred, classes: report.labels.length, positive };
}

/** Score orders for the AUC: binary, the positive class's column; else one per class. */
function aucOrders(
  input: PerfInput & { task: 'classification' },
  report: ClassificationReport,
  e: EncodedLabels,
): { orders: ScoreOrder[]; positives: Uint8Array[] } | null {
  const scores = input.scores;
  const scoreLabels = input.input.scoreLabels;
  if (!scores || !scoreLabels) return null;
  const cols = input.columns;
  const n = e.truth.length;
  const classes =
    report.task === 'binary' && report.positiveLabel !== null
      ? [report.positiveLabel]
      : scoreLabels;
  const orders: ScoreOrder[] = [];
  const positives: Uint8Array[] = [];
  for (const label of classes) {
    const col = scoreLabels.indexOf(label);
    const cls = report.labels.indexOf(label);
    if (col < 0) return null;
    orders.push(scoreOrder((i) => scores[i * cols + col], n));
    const pos = new Uint8Array(n);
    for (let i = 0; i < n; i++) pos[i] = e.truth[i] === cls ? 1 : 0;
    positives.push(pos);
  }
  return { orders, positives };
}

/** Per-row log losses with the metric's clipping (float32 scores: eps 2^-23); null when a label has no column. */
export function rowLogLosses(input: PerfInput & { task: 'classification' }): Float64Array | null {
  const scores = input.scores;
  const scoreLabels = input.input.scoreLabels;
  if (!scores || !scoreLabels) return null;
  const eps = 2 ** -23;
  const col = new Map<Label, number>(scoreLabels.map((l, j) => [l, j]));
  const n = input.input.yTrue.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const j = col.get(input.input.yTrue[i] as Label);
    if (j === undefined) return null;
    const p = scores[i * input.columns + j];
    out[i] = -Math.log(p < eps ? eps : p > 1 - eps ? 1 - eps : p);
  }
  return out;
}

const weightedMean = (values: ArrayLike<number>, w: ArrayLike<number>): number => {
  let s = 0;
  let t = 0;
  for (let i = 0; i < values.length; i++) {
    if (w[i] === 0) continue;
    s += w[i] * values[i];
    t += w[i];
  }
  return t > 0 ? s / t : NaN;
};

/**
 * The classification sampler: accuracy, precision and recall (of the positive class,
 * or macro), f1, the macro averages, roc_auc (when the rows have scores) and log_loss.
 * Null when a label is not among the report's labels.
 */
export function classificationSampler(
  input: PerfInput & { task: 'classification' },
  report: ClassificationReport = computeClassificationMetrics(input.input),
): Sampler | null {
  const e = encodeLabels(input, report);
  if (e.truth.some((t) => t < 0) || e.pred.some((p) => p < 0)) return null;
  const auc = report.metrics.roc_auc === null ? null : aucOrders(input, report, e);
  const losses = report.metrics.log_loss === null ? null : rowLogLosses(input);
  const binary = e.positive !== null;
  const names = [
    'accuracy',
    'precision',
    'recall',
    'f1',
    'precision_macro',
    'recall_macro',
    'f1_macro',
    ...(auc ? ['roc_auc'] : []),
    ...(losses ? ['log_loss'] : []),
  ];
  const c = e.classes;
  const cm = new Float64Array(c * c);
  return {
    names,
    sample(w) {
      confusionCounts(e, w, cm);
      const prf = prfFromConfusion(cm, e);
      let total = 0;
      let correct = 0;
      for (let k = 0; k < c; k++) {
        correct += cm[k * c + k];
        for (let j = 0; j < c; j++) total += cm[k * c + j];
      }
      let precision = prf.precision_macro;
      let recall = prf.recall_macro;
      if (binary) {
        const p = e.positive!;
        let predicted = 0;
        let actual = 0;
        for (let j = 0; j < c; j++) {
          predicted += cm[j * c + p];
          actual += cm[p * c + j];
        }
        precision = predicted > 0 ? cm[p * c + p] / predicted : 0;
        recall = actual > 0 ? cm[p * c + p] / actual : 0;
      }
      const out = [
        total > 0 ? correct / total : NaN,
        precision,
        recall,
        prf.f1,
        prf.precision_macro,
        prf.recall_macro,
        prf.f1_macro,
      ];
      if (auc) {
        let sum = 0;
        for (let k = 0; k < auc.orders.length; k++) {
          sum += weightedAuc(auc.orders[k], auc.positives[k], w);
        }
        out.push(sum / auc.orders.length);
      }
      if (losses) out.push(weightedMean(losses, w));
      return out;
    },
  };
}

/** The regression sampler: rmse, mae, r2, mape. */
export function regressionSampler(input: PerfInput & { task: 'regression' }): Sampler {
  const n = input.yTrue.length;
  const sq = new Float64Array(n);
  const abs = new Float64Array(n);
  const pct = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = input.yTrue[i] - input.yPred[i];
    sq[i] = e * e;
    abs[i] = Math.abs(e);
    pct[i] = Math.abs(e) / Math.max(Math.abs(input.yTrue[i]), Number.EPSILON);
  }
  return {
    names: ['rmse', 'mae', 'r2', 'mape'],
    sample: (w) => [
      Math.sqrt(weightedMean(sq, w)),
      weightedMean(abs, w),
      weightedR2(input.yTrue, input.yPred, w),
      weightedMean(pct, w),
    ],
  };
}

export function samplerOf(input: PerfInput): Sampler | null {
  return input.task === 'classification' ? classificationSampler(input) : regressionSampler(input);
}

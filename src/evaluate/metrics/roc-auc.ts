/**
 * ROC AUC as sklearn's roc_auc_score computes it: binary from one score per row,
 * multiclass one-vs-rest with a macro average. Ties count one half, which is what
 * sklearn's trapezoidal ROC curve amounts to (the Mann-Whitney U statistic with
 * average ranks); computed from two native typed-array sorts and one merge.
 */
import { MloError } from '../../errors.js';
import { encodeLabels, formatLabel, indexOfLabel, sortLabels } from './labels.js';
import { checkSameLength } from './numeric.js';
import { firstNaNRow, normaliseScores, squeeze } from './scores.js';
import { sortFloats } from './sort.js';
import {
  ok,
  undefinedMetric,
  type Label,
  type MetricResult,
  type Scores,
  type Labels,
} from './types.js';

export interface RocAucOptions {
  /**
   * Binary scores only: the label a higher score points to. Default: the greater of
   * the labels (sklearn scores the class with the greater label).
   */
  positiveLabel?: Label;
  /**
   * The label of each score-matrix column, e.g. the model's class labels. Default:
   * the sorted labels of y_true, as sklearn assumes.
   */
  labels?: readonly Label[];
}

/**
 * AUC of `scores` for telling positive rows (`positive[i]` truthy) from the rest.
 * `stride`/`offset` read one column of a row-major matrix without copying it.
 */
export function binaryAuc(
  positive: ArrayLike<number | boolean>,
  scores: ArrayLike<number>,
  column: { stride: number; offset: number } = { stride: 1, offset: 0 },
): MetricResult {
  const n = positive.length;
  let p = 0;
  for (let i = 0; i < n; i++) if (positive[i]) p++;
  if (n === 0) return undefinedMetric('empty input: no rows to evaluate');
  if (p === 0 || p === n) {
    return undefinedMetric(
      `only one class in y_true (${p === 0 ? 'no positive rows' : 'no negative rows'}); ROC AUC is undefined`,
    );
  }
  // float32 model outputs sort as 32-bit keys: half the radix passes
  const Ctor = scores instanceof Float32Array ? Float32Array : Float64Array;
  const pos = new Ctor(p);
  const neg = new Ctor(n - p);
  let a = 0;
  let b = 0;
  const { stride, offset } = column;
  for (let i = 0; i < n; i++) {
    const s = scores[i * stride + offset];
    if (Number.isNaN(s)) return undefinedMetric(`score of row ${i} is NaN`);
    if (positive[i]) pos[a++] = s;
    else neg[b++] = s;
  }
  sortFloats(pos);
  sortFloats(neg);
  return ok(mannWhitney(pos, neg) / (pos.length * neg.length));
}

/** Σ over positives of (negatives scored lower + ½ negatives scored equal); both inputs sorted. */
function mannWhitney(pos: Float64Array | Float32Array, neg: Float64Array | Float32Array): number {
  let sum = 0;
  let j = 0;
  let i = 0;
  while (i < pos.length) {
    const v = pos[i];
    let count = 0;
    while (i < pos.length && pos[i] === v) {
      count++;
      i++;
    }
    while (j < neg.length && neg[j] < v) j++;
    let e = j;
    while (e < neg.length && neg[e] === v) e++;
    sum += count * (j + 0.5 * (e - j));
  }
  return sum;
}

/**
 * sklearn's roc_auc_score. One score per row (or a 1-column matrix): binary, the
 * score of `positiveLabel`. A 2-column matrix with two labels: binary on the
 * positive label's column. More columns: one-vs-rest, macro average
 * (multi_class='ovr', average='macro'); as in sklearn, each row must sum to 1 and
 * every column label must occur in y_true, else the result is null with a reason.
 */
export function rocAuc(yTrue: Labels, scores: Scores, options: RocAucOptions = {}): MetricResult {
  const s = squeeze(normaliseScores(scores));
  checkSameLength({ name: 'y_true', length: yTrue.length }, { name: 'scores', length: s.rows });
  if (s.rows === 0) return undefinedMetric('empty input: no rows to evaluate');
  const nanRow = firstNaNRow(s);
  if (nanRow >= 0) return undefinedMetric(`score of row ${nanRow} is NaN`);

  if (s.kind === 'vector') {
    const { labels, codes } = encodeLabels([{ name: 'y_true', values: yTrue }]);
    const truth = codes[0];
    if (labels.length > 2) {
      return undefinedMetric(
        `y_true has ${labels.length} classes; multiclass ROC AUC needs one score column per class`,
      );
    }
    if (labels.length < 2) return singleClass(labels);
    const positive = options.positiveLabel ?? labels[1];
    const at = indexOfLabel(labels, positive);
    if (at < 0) return notALabel(positive, labels);
    const isPositive = new Uint8Array(truth.length);
    for (let i = 0; i < truth.length; i++) isPositive[i] = truth[i] === at ? 1 : 0;
    return binaryAuc(isPositive, s.values);
  }

  const columnLabels = options.labels ?? encodeLabels([{ name: 'y_true', values: yTrue }]).labels;
  if (columnLabels.length !== s.columns) {
    throw new MloError(
      'INVALID',
      `scores have ${s.columns} columns but there are ${columnLabels.length} class labels (${columnLabels.map(formatLabel).join(', ')})`,
    );
  }
  const truth = encodeLabels([{ name: 'y_true', values: yTrue }], columnLabels).codes[0];
  const stray = truth.indexOf(-1);
  if (stray >= 0) {
    return undefinedMetric(
      `y_true[${stray}] = ${formatLabel(yTrue[stray])} is not one of the score labels`,
    );
  }
  if (s.columns === 2) {
    const sorted = sortLabels(columnLabels);
    const positive = options.positiveLabel ?? sorted[1];
    const at = indexOfLabel(columnLabels, positive);
    if (at < 0) return notALabel(positive, columnLabels);
    const isPositive = new Uint8Array(truth.length);
    for (let i = 0; i < truth.length; i++) isPositive[i] = truth[i] === at ? 1 : 0;
    return binaryAuc(isPositive, s.data, { stride: 2, offset: at });
  }
  return oneVsRestAuc(truth, s.data, columnLabels);
}

function oneVsRestAuc(
  truth: Int32Array,
  data: ArrayLike<number>,
  labels: readonly Label[],
): MetricResult {
  const k = labels.length;
  for (let i = 0; i < truth.length; i++) {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += data[i * k + j];
    // numpy.allclose(1, sum): |1 - sum| <= 1e-8 + 1e-5 * |sum|
    if (!(Math.abs(1 - sum) <= 1e-8 + 1e-5 * Math.abs(sum))) {
      return undefinedMetric(
        `scores of row ${i} sum to ${sum}, not 1; one-vs-rest ROC AUC needs probabilities (as in sklearn)`,
      );
    }
  }
  const present = new Uint8Array(k);
  for (let i = 0; i < truth.length; i++) present[truth[i]] = 1;
  const missing = labels.filter((_, j) => !present[j]);
  if (missing.length > 0) {
    return undefinedMetric(
      `class ${missing.map(formatLabel).join(', ')} has no rows in y_true; one-vs-rest ROC AUC is undefined`,
    );
  }
  let total = 0;
  const isPositive = new Uint8Array(truth.length);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < truth.length; i++) isPositive[i] = truth[i] === c ? 1 : 0;
    const auc = binaryAuc(isPositive, data, { stride: k, offset: c });
    if (auc.value === null) return auc;
    total += auc.value;
  }
  return ok(total / k);
}

function singleClass(labels: readonly Label[]): MetricResult {
  return undefinedMetric(
    `only one class in y_true (${labels.map(formatLabel).join(', ')}); ROC AUC is undefined`,
  );
}

function notALabel(positive: Label, labels: readonly Label[]): MetricResult {
  return undefinedMetric(
    `positive label ${formatLabel(positive)} is not one of ${labels.map(formatLabel).join(', ')}`,
  );
}

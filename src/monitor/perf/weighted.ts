/**
 * The metrics the bootstrap resamples, as weighted passes (a resample is a count per
 * row): ROC AUC (binary, and one-vs-rest macro), F1 and the macro averages from a
 * weighted confusion matrix, and R². With every weight 1 they equal sklearn's
 * roc_auc_score, f1_score and r2_score; with weights, sklearn's `sample_weight`
 * (checked in test/unit/monitor/perf-stats.test.ts).
 */

/** Rows sorted by one score column, ascending, with the end of each run of tied scores. */
export interface ScoreOrder {
  order: Uint32Array;
  /** groupEnd[g]: one past the last position of tie group g in `order` */
  groupEnd: Uint32Array;
}

export function scoreOrder(score: (i: number) => number, n: number): ScoreOrder {
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = score(i);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => values[a] - values[b]);
  const ends: number[] = [];
  for (let k = 1; k <= n; k++) {
    if (k === n || values[order[k]] !== values[order[k - 1]]) ends.push(k);
  }
  return { order, groupEnd: Uint32Array.from(ends) };
}

/**
 * Weighted AUC of `positive[i]` against the scores in `o`: the probability that a
 * positive outranks a negative, ties counting half (Mann–Whitney). NaN without a
 * positive or a negative weight.
 */
export function weightedAuc(o: ScoreOrder, positive: Uint8Array, w: ArrayLike<number>): number {
  let negBelow = 0;
  let num = 0;
  let posTotal = 0;
  let start = 0;
  for (let g = 0; g < o.groupEnd.length; g++) {
    const end = o.groupEnd[g];
    let pos = 0;
    let neg = 0;
    for (let k = start; k < end; k++) {
      const i = o.order[k];
      if (positive[i]) pos += w[i];
      else neg += w[i];
    }
    num += pos * (negBelow + neg / 2);
    negBelow += neg;
    posTotal += pos;
    start = end;
  }
  return posTotal > 0 && negBelow > 0 ? num / (posTotal * negBelow) : NaN;
}

/** Class indices of the truth and the prediction, and what F1 is of. */
export interface EncodedLabels {
  /** index of each row's true label among `classes` labels */
  truth: Int32Array;
  pred: Int32Array;
  classes: number;
  /** binary: the positive class's index (F1 is its F1); null: multiclass (macro) */
  positive: number | null;
}

/** The weighted confusion matrix, classes × classes (row: truth, column: prediction). */
export function confusionCounts(
  e: EncodedLabels,
  w: ArrayLike<number>,
  out: Float64Array,
): Float64Array {
  out.fill(0);
  const c = e.classes;
  for (let i = 0; i < e.truth.length; i++) {
    if (w[i] !== 0) out[e.truth[i] * c + e.pred[i]] += w[i];
  }
  return out;
}

export interface PrfFromConfusion {
  f1: number;
  precision_macro: number;
  recall_macro: number;
  f1_macro: number;
}

/**
 * F1 (of the positive class, or macro) and the macro averages, with sklearn's
 * zero_division = 0 and its label set: the classes that occur in the truth or the
 * prediction of this (re)sample.
 */
export function prfFromConfusion(cm: Float64Array, e: EncodedLabels): PrfFromConfusion {
  const c = e.classes;
  let p = 0;
  let r = 0;
  let f = 0;
  let present = 0;
  let positiveF1 = 0;
  for (let k = 0; k < c; k++) {
    const tp = cm[k * c + k];
    let predicted = 0;
    let actual = 0;
    for (let j = 0; j < c; j++) {
      predicted += cm[j * c + k];
      actual += cm[k * c + j];
    }
    if (predicted === 0 && actual === 0) continue;
    present++;
    const prec = predicted > 0 ? tp / predicted : 0;
    const rec = actual > 0 ? tp / actual : 0;
    const f1 = prec + rec > 0 ? (2 * prec * rec) / (prec + rec) : 0;
    p += prec;
    r += rec;
    f += f1;
    if (k === e.positive) positiveF1 = f1;
  }
  const macro =
    present > 0 ? { p: p / present, r: r / present, f: f / present } : { p: NaN, r: NaN, f: NaN };
  return {
    f1: e.positive === null ? macro.f : positiveF1,
    precision_macro: macro.p,
    recall_macro: macro.r,
    f1_macro: macro.f,
  };
}

/** Weighted R² (sklearn's r2_score with sample_weight); NaN for a constant truth. */
export function weightedR2(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  w: ArrayLike<number>,
): number {
  let sw = 0;
  let sy = 0;
  for (let i = 0; i < yTrue.length; i++) {
    sw += w[i];
    sy += w[i] * yTrue[i];
  }
  if (sw === 0) return NaN;
  const mean = sy / sw;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (w[i] === 0) continue;
    ssRes += w[i] * (yTrue[i] - yPred[i]) ** 2;
    ssTot += w[i] * (yTrue[i] - mean) ** 2;
  }
  return ssTot > 0 ? 1 - ssRes / ssTot : NaN;
}

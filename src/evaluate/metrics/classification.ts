/**
 * Label-based classification metrics: accuracy, confusion matrix, precision,
 * recall and F1 (binary and macro), with sklearn's label rules and its default
 * zero_division behaviour.
 */
import { MloError } from '../../errors.js';
import { encodeLabels, formatLabel, indexOfLabel } from './labels.js';
import { checkSameLength } from './numeric.js';
import { ok, undefinedMetric, type Label, type MetricResult, type Labels } from './types.js';

/** Per-label counts over all rows; everything label-based derives from these. */
export interface ClassCounts {
  /** sorted union of the labels in y_true and y_pred */
  labels: Label[];
  rows: number;
  correct: number;
  /** per label: rows predicted as it and truly it */
  truePositives: Float64Array;
  /** per label: rows predicted as it */
  predicted: Float64Array;
  /** per label: rows truly it */
  actual: Float64Array;
  /** labels.length² cells, row = true label, column = predicted label */
  cells: Float64Array;
}

const MAX_CLASSES = 2048;

export function countClasses(yTrue: Labels, yPred: Labels): ClassCounts {
  checkSameLength(
    { name: 'y_true', length: yTrue.length },
    { name: 'y_pred', length: yPred.length },
  );
  const { labels, codes } = encodeLabels([
    { name: 'y_true', values: yTrue },
    { name: 'y_pred', values: yPred },
  ]);
  const [t, p] = codes as [Int32Array, Int32Array];
  const k = labels.length;
  if (k > MAX_CLASSES) {
    // the k × k confusion counts would not fit; this is a continuous target, not classes
    throw new MloError(
      'INVALID',
      `y_true and y_pred hold ${k} distinct labels; classification metrics support at most ${MAX_CLASSES}`,
      { hint: 'for a numeric target, evaluate it as regression' },
    );
  }
  const cells = new Float64Array(k * k);
  for (let i = 0; i < t.length; i++) cells[t[i] * k + p[i]] += 1;
  const truePositives = new Float64Array(k);
  const predicted = new Float64Array(k);
  const actual = new Float64Array(k);
  let correct = 0;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const c = cells[a * k + b];
      actual[a] += c;
      predicted[b] += c;
    }
    truePositives[a] = cells[a * k + a];
    correct += truePositives[a];
  }
  return { labels, rows: t.length, correct, truePositives, predicted, actual, cells };
}

const EMPTY = 'empty input: no rows to evaluate';

export function accuracy(yTrue: Labels, yPred: Labels): MetricResult {
  return accuracyFromCounts(countClasses(yTrue, yPred));
}

export function accuracyFromCounts(counts: ClassCounts): MetricResult {
  return counts.rows === 0 ? undefinedMetric(EMPTY) : ok(counts.correct / counts.rows);
}

export interface ConfusionMatrix {
  /** row and column order */
  labels: Label[];
  /** matrix[i][j] = rows whose true label is labels[i] and predicted label is labels[j] */
  matrix: number[][];
}

/**
 * sklearn's confusion_matrix: without `labels`, the sorted labels seen in either
 * input; with it, exactly that order, and rows whose true or predicted label is
 * not listed are left out.
 */
export function confusionMatrix(
  yTrue: Labels,
  yPred: Labels,
  options: { labels?: readonly Label[] } = {},
): ConfusionMatrix {
  return confusionMatrixFromCounts(countClasses(yTrue, yPred), options.labels);
}

export function confusionMatrixFromCounts(
  counts: ClassCounts,
  labels: readonly Label[] = counts.labels,
): ConfusionMatrix {
  if (labels.length === 0) {
    throw new MloError('INVALID', 'confusion matrix: labels is empty');
  }
  const k = counts.labels.length;
  const at = labels.map((l) => indexOfLabel(counts.labels, l));
  const matrix = at.map((ti) => at.map((pi) => (ti < 0 || pi < 0 ? 0 : counts.cells[ti * k + pi])));
  return { labels: [...labels], matrix };
}

/**
 * What to report when a ratio has a zero denominator (no predicted positives for
 * precision, no actual positives for recall, neither for F1): 0 (sklearn's default,
 * zero_division="warn"), 1, or null (sklearn's zero_division=np.nan; macro averages
 * then skip those labels).
 */
export type ZeroDivision = 0 | 1 | null;

export interface PrfOptions {
  /** 'binary' (default): the scores of `positiveLabel`; 'macro': the unweighted mean over labels */
  average?: 'binary' | 'macro';
  /**
   * binary only. Default: the greater of the two labels present (sklearn's convention
   * for roc_auc and log_loss, and its pos_label=1 for 0/1 and -1/1 labels); with a
   * single label present, 1 (sklearn's default pos_label).
   */
  positiveLabel?: Label;
  /** macro only: the labels to average over (default: those present in either input) */
  labels?: readonly Label[];
  zeroDivision?: ZeroDivision;
}

export interface PrfResult {
  precision: MetricResult;
  recall: MetricResult;
  f1: MetricResult;
}

export function precisionRecallF1(
  yTrue: Labels,
  yPred: Labels,
  options: PrfOptions = {},
): PrfResult {
  return prfFromCounts(countClasses(yTrue, yPred), options);
}

export function precision(yTrue: Labels, yPred: Labels, options: PrfOptions = {}): MetricResult {
  return precisionRecallF1(yTrue, yPred, options).precision;
}

export function recall(yTrue: Labels, yPred: Labels, options: PrfOptions = {}): MetricResult {
  return precisionRecallF1(yTrue, yPred, options).recall;
}

export function f1(yTrue: Labels, yPred: Labels, options: PrfOptions = {}): MetricResult {
  return precisionRecallF1(yTrue, yPred, options).f1;
}

/** The positive label binary metrics use by default for these labels (see PrfOptions). */
export function defaultPositiveLabel(labels: readonly Label[]): Label | undefined {
  if (labels.length === 2) return labels[1];
  if (labels.length === 1) return 1;
  return undefined;
}

function allUndefined(reason: string): PrfResult {
  const r = undefinedMetric(reason);
  return { precision: r, recall: r, f1: r };
}

export function prfFromCounts(counts: ClassCounts, options: PrfOptions = {}): PrfResult {
  if (counts.rows === 0) return allUndefined(EMPTY);
  const zd = options.zeroDivision === undefined ? 0 : options.zeroDivision;
  if ((options.average ?? 'binary') === 'binary') {
    if (counts.labels.length > 2) {
      return allUndefined(
        `binary average needs at most 2 labels, found ${counts.labels.length}; use the macro average`,
      );
    }
    const positive = options.positiveLabel ?? defaultPositiveLabel(counts.labels);
    if (positive === undefined) return allUndefined(EMPTY);
    const at = indexOfLabel(counts.labels, positive);
    if (at < 0 && counts.labels.length === 2) {
      return allUndefined(
        `positive label ${formatLabel(positive)} is not one of the labels ${counts.labels.map(formatLabel).join(', ')}`,
      );
    }
    const s = labelScores(counts, at, zd);
    const name = formatLabel(positive);
    return {
      precision: withReason(s.precision, s.zero.precision, `no row predicted ${name}`, zd),
      recall: withReason(s.recall, s.zero.recall, `no row is truly ${name}`, zd),
      f1: withReason(s.f1, s.zero.f1, `no row is truly or predicted ${name}`, zd),
    };
  }
  const labels = options.labels ?? counts.labels;
  if (labels.length === 0) return allUndefined('macro average over an empty label list');
  const per = labels.map((l) => ({
    label: l,
    ...labelScores(counts, indexOfLabel(counts.labels, l), zd),
  }));
  return {
    precision: macro(per, 'precision', 'no predicted rows', zd),
    recall: macro(per, 'recall', 'no true rows', zd),
    f1: macro(per, 'f1', 'no true or predicted rows', zd),
  };
}

interface LabelScore {
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** which of the three hit a zero denominator */
  zero: { precision: boolean; recall: boolean; f1: boolean };
}

function labelScores(counts: ClassCounts, at: number, zd: ZeroDivision): LabelScore {
  const tp = at < 0 ? 0 : counts.truePositives[at];
  const predicted = at < 0 ? 0 : counts.predicted[at];
  const actual = at < 0 ? 0 : counts.actual[at];
  const fp = predicted - tp;
  const fn = actual - tp;
  // F1 from the counts (current sklearn): 2tp / (2tp + fp + fn). It equals the
  // harmonic mean of precision and recall wherever both are defined.
  const fDenominator = 2 * tp + fp + fn;
  return {
    precision: predicted === 0 ? zd : tp / predicted,
    recall: actual === 0 ? zd : tp / actual,
    f1: fDenominator === 0 ? zd : (2 * tp) / fDenominator,
    zero: { precision: predicted === 0, recall: actual === 0, f1: fDenominator === 0 },
  };
}

function withReason(
  value: number | null,
  zero: boolean,
  what: string,
  zd: ZeroDivision,
): MetricResult {
  if (!zero) return { value };
  const reason =
    zd === null ? `undefined: ${what}` : `${what}; set to ${zd} (sklearn zero_division)`;
  return { value, reason };
}

function macro(
  per: readonly (LabelScore & { label: Label })[],
  key: 'precision' | 'recall' | 'f1',
  what: string,
  zd: ZeroDivision,
): MetricResult {
  let sum = 0;
  let n = 0;
  const zeroLabels: Label[] = [];
  for (const s of per) {
    if (s.zero[key]) zeroLabels.push(s.label);
    const v = s[key];
    if (v !== null) {
      sum += v;
      n++;
    }
  }
  const listed = zeroLabels.map(formatLabel).join(', ');
  if (n === 0) return undefinedMetric(`undefined for every label (${what}): ${listed}`);
  const result: MetricResult = { value: sum / n };
  if (zeroLabels.length > 0) {
    result.reason =
      zd === null
        ? `labels with ${what} left out of the average: ${listed}`
        : `labels with ${what} counted as ${zd} (sklearn zero_division): ${listed}`;
  }
  return result;
}

/**
 * Log loss as current sklearn (1.5 and later) computes it: probabilities are
 * clipped to [eps, 1 - eps] with eps the machine epsilon of their dtype, and rows
 * that do not sum to 1 are used as given (sklearn warns; before 1.5 it
 * renormalised them). Values outside [0, 1] are refused, as sklearn 1.6+ does.
 */
import { MloError } from '../../errors.js';
import { encodeLabels, formatLabel, indexOfLabel, sortLabels } from './labels.js';
import { checkSameLength, CompensatedSum } from './numeric.js';
import { firstNaNRow, normaliseScores, squeeze } from './scores.js';
import {
  undefinedMetric,
  type Label,
  type MetricResult,
  type Scores,
  type Labels,
} from './types.js';

export interface LogLossOptions {
  /**
   * The class labels: the column order of a probability matrix (e.g. the model's
   * class labels), or the two labels of a binary problem. Default: the sorted
   * labels of y_true, as sklearn assumes.
   */
  labels?: readonly Label[];
  /** One probability per row: the label it is the probability of (default: the greater label). */
  positiveLabel?: Label;
}

const FLOAT64_EPS = 2 ** -52;
const FLOAT32_EPS = 2 ** -23;

export function logLoss(
  yTrue: Labels,
  probabilities: Scores,
  options: LogLossOptions = {},
): MetricResult {
  const s = squeeze(normaliseScores(probabilities));
  checkSameLength(
    { name: 'y_true', length: yTrue.length },
    { name: 'probabilities', length: s.rows },
  );
  if (s.rows === 0) return undefinedMetric('empty input: no rows to evaluate');
  const nanRow = firstNaNRow(s);
  if (nanRow >= 0) return undefinedMetric(`probability of row ${nanRow} is NaN`);
  const values = s.kind === 'vector' ? s.values : s.data;
  const outside = firstOutside(values);
  if (outside >= 0) {
    const width = s.kind === 'vector' ? 1 : s.columns;
    return undefinedMetric(
      `probability ${values[outside]} in row ${Math.floor(outside / width)} is outside [0, 1]`,
    );
  }
  // sklearn picks eps from the array's dtype: float32 model outputs clip at 2^-23.
  const eps = values instanceof Float32Array ? FLOAT32_EPS : FLOAT64_EPS;

  const labels = options.labels ?? encodeLabels([{ name: 'y_true', values: yTrue }]).labels;
  if (labels.length < 2) {
    return undefinedMetric(
      `log loss needs at least two labels, got ${labels.map(formatLabel).join(', ') || 'none'}; pass the model's class labels`,
    );
  }
  const truth = encodeLabels([{ name: 'y_true', values: yTrue }], labels).codes[0];
  const stray = truth.indexOf(-1);
  if (stray >= 0) {
    return undefinedMetric(
      `y_true[${stray}] = ${formatLabel(yTrue[stray])} is not one of the labels ${labels.map(formatLabel).join(', ')}`,
    );
  }

  const total = new CompensatedSum();
  let unnormalised = 0;
  const tolerance = Math.sqrt(eps);
  if (s.kind === 'vector') {
    if (labels.length !== 2) {
      return undefinedMetric(
        `one probability per row needs a binary problem, but there are ${labels.length} labels`,
      );
    }
    const positive = options.positiveLabel ?? sortLabels(labels)[1];
    const at = indexOfLabel(labels, positive);
    if (at < 0) {
      return undefinedMetric(
        `positive label ${formatLabel(positive)} is not one of ${labels.map(formatLabel).join(', ')}`,
      );
    }
    const p32 = values instanceof Float32Array;
    for (let i = 0; i < truth.length; i++) {
      const p = values[i];
      // 1 - p is formed before clipping, in the input's precision, as numpy does.
      const q = p32 ? Math.fround(1 - p) : 1 - p;
      total.add(-Math.log(clip(truth[i] === at ? p : q, eps)));
    }
  } else {
    const k = s.columns;
    if (k !== labels.length) {
      throw new MloError(
        'INVALID',
        `probabilities have ${k} columns but there are ${labels.length} class labels (${labels.map(formatLabel).join(', ')})`,
      );
    }
    for (let i = 0; i < truth.length; i++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += values[i * k + j];
      // numpy.isclose(sum, 1, rtol=sqrt(eps)), atol 1e-8
      if (!(Math.abs(sum - 1) <= 1e-8 + tolerance)) unnormalised++;
      total.add(-Math.log(clip(values[i * k + truth[i]], eps)));
    }
  }
  const result: MetricResult = { value: total.value / truth.length };
  if (unnormalised > 0) {
    result.reason = `probabilities of ${unnormalised} row(s) do not sum to 1; used as given (sklearn warns and does not renormalise)`;
  }
  return result;
}

function clip(p: number, eps: number): number {
  return p < eps ? eps : p > 1 - eps ? 1 - eps : p;
}

function firstOutside(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < 0 || v > 1) return i;
  }
  return -1;
}

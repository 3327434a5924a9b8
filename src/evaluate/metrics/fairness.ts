/**
 * Group fairness rates of a binary classifier, as fairlearn defines them, computed
 * per slice group so that their gaps and ratios across groups can be gated:
 *
 *   selection_rate  share of rows predicted positive          (demographic parity)
 *   tpr             true positives / actual positives         (equal opportunity)
 *   fpr             false positives / actual negatives        (with tpr: equalized odds)
 *   fnr             false negatives / actual positives = 1 - tpr
 *
 * "Positive" is the task's positive label (the greater of the two labels unless
 * given), fixed from the whole data set so every group measures the same outcome.
 *
 * Where fairlearn differs: a group with no actual positives (or negatives) has no
 * tpr/fnr (or fpr). fairlearn reads sklearn's normalised confusion matrix, which
 * reports 0 there; we report the rate as undefined with a reason, so the group is
 * left out of gaps and ratios instead of counting as a group the model always misses.
 */
import type { ClassCounts } from './classification.js';
import { formatLabel, indexOfLabel } from './labels.js';
import { ok, undefinedMetric, type Label, type MetricResult } from './types.js';

export const FAIRNESS_METRICS = ['selection_rate', 'tpr', 'fpr', 'fnr'] as const;
export type FairnessMetricName = (typeof FAIRNESS_METRICS)[number];

/**
 * The rates from one group's label counts. `positiveLabel` null means the task is
 * not binary: every rate is undefined, saying so.
 */
export function fairnessRates(
  counts: ClassCounts,
  positiveLabel: Label | null,
  classes: number,
): Record<FairnessMetricName, MetricResult> {
  const all = (reason: string): Record<FairnessMetricName, MetricResult> => {
    const r = undefinedMetric(reason);
    return { selection_rate: r, tpr: r, fpr: r, fnr: r };
  };
  if (positiveLabel === null) {
    return all(`fairness rates need a binary task; this one has ${classes} classes`);
  }
  if (counts.rows === 0) return all('empty input: no rows to evaluate');
  const at = indexOfLabel(counts.labels, positiveLabel);
  const tp = at < 0 ? 0 : counts.truePositives[at];
  const predicted = at < 0 ? 0 : counts.predicted[at];
  const positives = at < 0 ? 0 : counts.actual[at];
  const negatives = counts.rows - positives;
  const name = formatLabel(positiveLabel);
  const noPositives = `no row is truly ${name}`;
  return {
    selection_rate: ok(predicted / counts.rows),
    tpr: positives === 0 ? undefinedMetric(noPositives) : ok(tp / positives),
    fpr:
      negatives === 0
        ? undefinedMetric(`no row is truly other than ${name}`)
        : ok((predicted - tp) / negatives),
    fnr: positives === 0 ? undefinedMetric(noPositives) : ok((positives - tp) / positives),
  };
}

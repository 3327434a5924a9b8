/**
 * Evaluation metrics, numerically the same as scikit-learn's (checked to 1e-9
 * against fixtures sklearn produced: test/fixtures/metrics/). Pure functions over
 * arrays: no I/O, no model, no store.
 *
 * Conventions
 * - Labels are numbers or strings (`Label`); int64 labels (BigInt64Array from
 *   onnxruntime-node) are read as numbers. Numbers mixed with strings, a missing
 *   label or a NaN label throws MloError('INVALID') naming the array and row.
 *   Default label order is sklearn's: numbers ascending, strings by code point.
 * - Every metric returns a `MetricResult` `{ value, reason? }`: `value` is null (never
 *   NaN) when the metric is undefined for the input, and `reason` says why; a
 *   number with a reason is a convention (precision 0 when nothing was predicted
 *   positive, as sklearn's default zero_division does).
 * - Reports (`compute*Metrics`) return `{ metrics: {name: number | null}, reasons }`,
 *   ready for `mlo eval --json` and for promotion gates.
 * - Shape errors (arrays of different lengths, a score matrix whose width does not
 *   match its labels) throw MloError('INVALID'): they are the caller's bug or a
 *   model/data mismatch, not a property of the data.
 *
 * Entry points
 * - `computeClassificationMetrics({ yTrue, yPred, scores?, scoreLabels?, positiveLabel? })`
 *   → accuracy, precision, recall, f1 (binary: of the positive label; multiclass:
 *   macro), precision_macro, recall_macro, f1_macro, roc_auc (binary, or
 *   one-vs-rest macro), log_loss, and the confusion matrix.
 * - `computeRegressionMetrics({ yTrue, yPred })` → rmse, mae, r2, mape.
 * - `computeLatencyMetrics({ latenciesMs, rows, elapsedMs })` → p50_ms, p95_ms,
 *   p99_ms (numpy's linear percentile), rows_per_s.
 * - `sliceClassification(input, { column, groups })` / `sliceRegression(...)` /
 *   `computeSlices(...)` → the metrics per group and, per metric, the gap
 *   (highest − lowest group) and ratio (lowest / highest) that the
 *   `gap(metric, col)` and `ratio(metric, col)` gates read. Classification slices add
 *   the fairness rates selection_rate, tpr, fpr and fnr per group (fairness.ts) and
 *   an `equalized_odds` gap and ratio.
 * - Single metrics: accuracy, precision, recall, f1, precisionRecallF1,
 *   confusionMatrix, rocAuc, binaryAuc, logLoss, rmse, mae, r2, mape, percentile,
 *   rowsPerSecond.
 *
 * Choices where sklearn leaves room (and where we differ)
 * - Zero division (precision with no predicted positives, recall with no actual
 *   positives): 0, sklearn's default, with a reason attached. `zeroDivision: 1`
 *   or `null` (sklearn's np.nan: undefined, left out of macro averages) on request.
 * - Binary positive label: the greater of the two labels unless given. This is
 *   sklearn's rule for roc_auc and log_loss, and agrees with precision_score's
 *   pos_label=1 for 0/1 and -1/1 labels; for labels {1, 2} pass positiveLabel: 1 to
 *   get sklearn's precision_score default.
 * - r2 with a constant y_true is null (sklearn's force_finite reports 1.0 or 0.0).
 * - roc_auc with one class in y_true, or a class with no rows (one-vs-rest), is
 *   null where sklearn raises. Multiclass rows must sum to 1 (numpy.allclose), as
 *   sklearn requires.
 * - log_loss follows sklearn >= 1.5: clip to [eps, 1 - eps] with eps of the score
 *   dtype (2^-23 for a Float32Array, else 2^-52); rows not summing to 1 are used as
 *   given, with a reason (sklearn warns; sklearn < 1.5 renormalised them); values
 *   outside [0, 1] give null (sklearn >= 1.6 raises).
 * - NaN scores or regression values give null with the row, where sklearn raises.
 */
export type { Label, Labels, MetricResult, MetricSet, ScoreMatrix, Scores } from './types.js';
export { toMetricSet } from './types.js';
export { compareLabels, sortLabels } from './labels.js';
export { scoreMatrix } from './scores.js';
export {
  accuracy,
  confusionMatrix,
  precision,
  recall,
  f1,
  precisionRecallF1,
  defaultPositiveLabel,
  type ConfusionMatrix,
  type PrfOptions,
  type PrfResult,
  type ZeroDivision,
} from './classification.js';
export { rocAuc, binaryAuc, type RocAucOptions } from './roc-auc.js';
export { logLoss, type LogLossOptions } from './log-loss.js';
export {
  computeClassificationMetrics,
  CLASSIFICATION_METRICS,
  type ClassificationInput,
  type ClassificationMetricName,
  type ClassificationReport,
} from './report.js';
export {
  computeRegressionMetrics,
  rmse,
  mae,
  r2,
  mape,
  REGRESSION_METRICS,
  type RegressionInput,
  type RegressionMetricName,
  type RegressionReport,
} from './regression.js';
export {
  computeLatencyMetrics,
  percentile,
  percentilesOf,
  rowsPerSecond,
  LATENCY_METRICS,
  type LatencyInput,
  type LatencyMetricName,
  type LatencyReport,
} from './latency.js';
export { fairnessRates, FAIRNESS_METRICS, type FairnessMetricName } from './fairness.js';
export {
  computeSlices,
  sliceClassification,
  EQUALIZED_ODDS,
  sliceRegression,
  takeRows,
  formatGroup,
  type GroupKey,
  type SliceGap,
  type SliceGroup,
  type SliceOptions,
  type SliceReport,
} from './slices.js';

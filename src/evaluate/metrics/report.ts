/**
 * Every classification metric `mlo eval` reports, from one pass over the labels
 * (the confusion counts) plus one sort per score column for roc_auc.
 */
import {
  accuracyFromCounts,
  confusionMatrixFromCounts,
  countClasses,
  defaultPositiveLabel,
  prfFromCounts,
  type ConfusionMatrix,
  type ZeroDivision,
} from './classification.js';
import { encodeLabels, formatLabel, sortLabels } from './labels.js';
import { logLoss } from './log-loss.js';
import { rocAuc } from './roc-auc.js';
import { normaliseScores, squeeze } from './scores.js';
import {
  toMetricSet,
  undefinedMetric,
  type Label,
  type MetricResult,
  type MetricSet,
  type Scores,
  type Labels,
} from './types.js';
import { MloError } from '../../errors.js';

export const CLASSIFICATION_METRICS = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'precision_macro',
  'recall_macro',
  'f1_macro',
  'roc_auc',
  'log_loss',
] as const;
export type ClassificationMetricName = (typeof CLASSIFICATION_METRICS)[number];

export interface ClassificationInput {
  yTrue: Labels;
  yPred: Labels;
  /**
   * Optional scores for roc_auc and log_loss: one probability per row for the
   * positive label (binary), or a matrix with one column per `scoreLabels` entry.
   */
  scores?: Scores;
  /**
   * The label of each score column: the model's class labels. Default: the sorted
   * labels seen in y_true and y_pred. Pass it whenever a class may be absent from
   * the data, or the columns will not line up.
   */
  scoreLabels?: readonly Label[];
  /** binary tasks: the positive label (default: the greater label; see PrfOptions) */
  positiveLabel?: Label;
  /** confusion-matrix order (default: sorted labels present) */
  labels?: readonly Label[];
  zeroDivision?: ZeroDivision;
  /**
   * Force the task instead of deciding it from the labels (at most two labels:
   * binary). Slices pass the whole data set's task so that `f1` means the same in
   * every group.
   */
  task?: 'binary' | 'multiclass';
}

export interface ClassificationReport extends MetricSet {
  task: 'binary' | 'multiclass';
  rows: number;
  /** sorted labels seen in y_true and y_pred (and scoreLabels, when given) */
  labels: Label[];
  /** binary: the label precision/recall/f1/roc_auc are about; multiclass: null */
  positiveLabel: Label | null;
  /**
   * precision, recall and f1 are the binary scores of the positive label for a
   * binary task and equal their macro averages for a multiclass one, so that a
   * gate like `f1 >= 0.8` reads the same for both.
   */
  metrics: Record<ClassificationMetricName, number | null>;
  confusionMatrix: ConfusionMatrix;
}

export function computeClassificationMetrics(input: ClassificationInput): ClassificationReport {
  const counts = countClasses(input.yTrue, input.yPred);
  const labels = input.scoreLabels ? unionLabels(counts.labels, input.scoreLabels) : counts.labels;
  const task = input.task ?? (labels.length <= 2 ? 'binary' : 'multiclass');
  const positiveLabel =
    task === 'binary' ? (input.positiveLabel ?? defaultPositiveLabel(labels) ?? null) : null;
  const zeroDivision = input.zeroDivision;

  const macro = prfFromCounts(counts, { average: 'macro', zeroDivision });
  const headline =
    task === 'binary'
      ? prfFromCounts(counts, {
          average: 'binary',
          positiveLabel: positiveLabel ?? undefined,
          zeroDivision,
        })
      : macro;
  const scored = scoreMetrics(input, { task, labels, positiveLabel });
  return {
    task,
    rows: counts.rows,
    labels,
    positiveLabel,
    ...toMetricSet<ClassificationMetricName>({
      accuracy: accuracyFromCounts(counts),
      precision: headline.precision,
      recall: headline.recall,
      f1: headline.f1,
      precision_macro: macro.precision,
      recall_macro: macro.recall,
      f1_macro: macro.f1,
      roc_auc: scored.rocAuc,
      log_loss: scored.logLoss,
    }),
    confusionMatrix: confusionMatrixFromCounts(counts, input.labels ?? counts.labels),
  };
}

function unionLabels(a: readonly Label[], b: readonly Label[]): Label[] {
  // encodeLabels type-checks the union (numbers vs strings) on the way.
  return encodeLabels([
    { name: 'labels', values: a },
    { name: 'scoreLabels', values: b },
  ]).labels;
}

function scoreMetrics(
  input: ClassificationInput,
  resolved: { task: 'binary' | 'multiclass'; labels: Label[]; positiveLabel: Label | null },
): { rocAuc: MetricResult; logLoss: MetricResult } {
  if (input.scores === undefined) {
    const r = undefinedMetric('no scores or probabilities from the model');
    return { rocAuc: r, logLoss: r };
  }
  const scores = squeeze(normaliseScores(input.scores));
  const positiveLabel = resolved.positiveLabel ?? undefined;
  if (scores.kind === 'vector') {
    if (resolved.task !== 'binary') {
      const r = undefinedMetric(
        'one score per row cannot rank a multiclass problem; need one column per class',
      );
      return { rocAuc: r, logLoss: r };
    }
    // One score per row is the positive label's; its complement is the other label's.
    const vector = scores.values;
    const two = resolved.labels.length === 2 ? resolved.labels : undefined;
    return {
      rocAuc: rocAuc(input.yTrue, vector, { positiveLabel }),
      logLoss: two
        ? logLoss(input.yTrue, vector, { labels: two, positiveLabel })
        : undefinedMetric(
            `log loss needs two labels, only ${resolved.labels.map(formatLabel).join(', ')} seen; pass scoreLabels`,
          ),
    };
  }
  const scoreLabels = input.scoreLabels ?? resolved.labels;
  if (scoreLabels.length !== scores.columns) {
    throw new MloError(
      'INVALID',
      `scores have ${scores.columns} columns but ${scoreLabels.length} labels are known (${sortLabels(scoreLabels).map(formatLabel).join(', ')})`,
      { hint: "pass the model's class labels as scoreLabels" },
    );
  }
  const matrix = { data: scores.data, columns: scores.columns };
  return {
    rocAuc: rocAuc(input.yTrue, matrix, { labels: scoreLabels, positiveLabel }),
    logLoss: logLoss(input.yTrue, matrix, { labels: scoreLabels }),
  };
}

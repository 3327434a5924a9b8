/**
 * One group of labelled rows → every metric `mlo eval` reports, each with its counts
 * and a confidence interval:
 *
 *   accuracy, precision, recall (binary), selection_rate, tpr, fpr, fnr
 *                         Wilson score interval on the counts (k of n)
 *   f1, *_macro, roc_auc  bootstrap (bootstrap.ts), weighted passes (weighted.ts)
 *   log_loss, mae, mape   t interval of the per-row mean
 *   rmse                  t interval of the mean squared error, square-rooted
 *   r2                    bootstrap
 *
 * The values themselves come from src/evaluate's metric functions on the same inputs
 * eval builds, so they are eval's numbers; only the intervals are computed here.
 */
import {
  computeClassificationMetrics,
  computeRegressionMetrics,
  type Label,
} from '../../evaluate/metrics/index.js';
import { subInput, type PerfInput } from './inputs.js';
import { classificationSampler, encodeLabels, rowLogLosses } from './sampler.js';

export { encodeLabels };
import {
  bootstrapInterval,
  createRandom,
  deriveSeed,
  meanInterval,
  planBootstrap,
  runBootstrap,
  summarize,
  wilsonInterval,
  type BootstrapPlan,
  type BootstrapSettings,
  type Interval,
} from './stats/index.js';
import { weightedR2, type EncodedLabels } from './weighted.js';

export type IntervalMethod =
  'wilson' | 'newcombe' | 'katz' | 'bootstrap' | 'bootstrap-se' | 't' | 'order-statistics' | 'none';

/** One metric of one group: its value, counts and interval. */
export interface Figure {
  value: number | null;
  /** lower and upper bound of the confidence interval (null: none could be given) */
  low: number | null;
  high: number | null;
  /** rows the figure is computed on (for a rate: its denominator) */
  n: number;
  /** for a rate: the rows counted in its numerator */
  k?: number;
  method: IntervalMethod;
  /** why the value or its interval is missing, or a convention it follows */
  reason?: string;
}

export interface MeasureOptions {
  confidence: number;
  seed: number;
  bootstrap?: BootstrapSettings;
}

export interface GroupMeasure {
  task: 'classification' | 'regression';
  labelled: number;
  metrics: Record<string, Figure>;
  /** classification: the labels and the positive one (binary) */
  labels?: Label[];
  positiveLabel?: Label | null;
  /** raw counts the rates come from (binary classification) */
  counts?: BinaryCounts;
}

export interface BinaryCounts {
  rows: number;
  correct: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** The rates, as (numerator, denominator) of binary counts. */
export const RATES: Record<string, (c: BinaryCounts) => [number, number]> = {
  accuracy: (c) => [c.correct, c.rows],
  precision: (c) => [c.tp, c.tp + c.fp],
  recall: (c) => [c.tp, c.tp + c.fn],
  selection_rate: (c) => [c.tp + c.fp, c.rows],
  tpr: (c) => [c.tp, c.tp + c.fn],
  fpr: (c) => [c.fp, c.fp + c.tn],
  fnr: (c) => [c.fn, c.tp + c.fn],
};

function rateFigure(
  value: number | null,
  k: number,
  n: number,
  confidence: number,
  reason?: string,
): Figure {
  const ci = value === null ? null : wilsonInterval(k, n, confidence);
  return {
    value,
    low: ci ? ci.low : null,
    high: ci ? ci.high : null,
    n,
    k,
    method: ci ? 'wilson' : 'none',
    ...(reason !== undefined && { reason }),
  };
}

function intervalFigure(
  value: number | null,
  n: number,
  ci: Interval | null,
  method: IntervalMethod,
  reason?: string,
): Figure {
  const why =
    reason ?? (value !== null && ci === null ? 'too few rows for an interval' : undefined);
  return {
    value,
    low: value === null || ci === null ? null : ci.low,
    high: value === null || ci === null ? null : ci.high,
    n,
    method: value === null || ci === null ? 'none' : method,
    ...(why !== undefined && { reason: why }),
  };
}

const bootstrapMethod = (plan: BootstrapPlan): IntervalMethod =>
  plan.method === 'percentile' ? 'bootstrap' : 'bootstrap-se';

export function binaryCounts(e: EncodedLabels): BinaryCounts {
  const c: BinaryCounts = { rows: e.truth.length, correct: 0, tp: 0, fp: 0, fn: 0, tn: 0 };
  for (let i = 0; i < e.truth.length; i++) {
    const t = e.truth[i];
    const p = e.pred[i];
    if (t === p) c.correct++;
    if (e.positive === null) continue;
    const tPos = t === e.positive;
    const pPos = p === e.positive;
    if (tPos && pPos) c.tp++;
    else if (pPos) c.fp++;
    else if (tPos) c.fn++;
    else c.tn++;
  }
  return c;
}

const BOOTSTRAPPED = ['roc_auc', 'f1', 'precision_macro', 'recall_macro', 'f1_macro'] as const;

/** Every classification metric of the rows, with intervals. */
export function measureClassification(
  input: PerfInput & { task: 'classification' },
  options: MeasureOptions,
  label = 'all',
): GroupMeasure {
  const report = computeClassificationMetrics(input.input);
  const e = encodeLabels(input, report);
  const counts = binaryCounts(e);
  const { confidence } = options;
  const n = report.rows;
  const metrics: Record<string, Figure> = {};
  const value = (name: string): number | null =>
    report.metrics[name as keyof typeof report.metrics] ?? null;
  const reason = (name: string): string | undefined => report.reasons[name];
  const binary = report.task === 'binary' && e.positive !== null;

  metrics.accuracy = rateFigure(
    value('accuracy'),
    counts.correct,
    n,
    confidence,
    reason('accuracy'),
  );
  if (binary) {
    for (const name of ['precision', 'recall'] as const) {
      const [k, d] = RATES[name](counts);
      metrics[name] = rateFigure(value(name), k, d, confidence, reason(name));
    }
  }

  // the bootstrap: one weighted pass per resample gives the AUC and the F1s together
  const rng = createRandom(deriveSeed(options.seed, label));
  const plan = planBootstrap(n, rng, options.bootstrap);
  const sampled = plan.rows ? subInput(input, plan.rows) : input;
  const sampler =
    n >= 2 && sampled.task === 'classification' ? classificationSampler(sampled) : null;
  const samples = sampler ? runBootstrap(plan, rng, sampler.names, (w) => sampler.sample(w)) : null;
  for (const name of BOOTSTRAPPED) {
    const v = value(name);
    const s = samples?.[name];
    const ci = v === null || !s ? null : bootstrapInterval(plan, v, s, confidence);
    metrics[name] = intervalFigure(v, n, ci, bootstrapMethod(plan), reason(name));
  }
  if (!binary) {
    // precision and recall are the macro averages for a multiclass task
    metrics.precision = {
      ...metrics.precision_macro,
      ...(reason('precision') && { reason: reason('precision') }),
    };
    metrics.recall = {
      ...metrics.recall_macro,
      ...(reason('recall') && { reason: reason('recall') }),
    };
  }
  metrics.log_loss = logLossFigure(input, n, value('log_loss'), reason('log_loss'), confidence);
  if (binary) {
    for (const name of ['selection_rate', 'tpr', 'fpr', 'fnr'] as const) {
      const [k, d] = RATES[name](counts);
      const pos = report.positiveLabel;
      metrics[name] =
        d === 0
          ? rateFigure(
              null,
              k,
              d,
              confidence,
              name === 'fpr'
                ? `no row is truly other than ${String(pos)}`
                : `no row is truly ${String(pos)}`,
            )
          : rateFigure(k / d, k, d, confidence);
    }
  }
  return {
    task: 'classification',
    labelled: n,
    metrics,
    labels: report.labels,
    positiveLabel: report.positiveLabel,
    ...(binary && { counts }),
  };
}

/** log loss ± the t interval of the per-row losses (the same clipping as the metric). */
function logLossFigure(
  input: PerfInput & { task: 'classification' },
  n: number,
  value: number | null,
  reason: string | undefined,
  confidence: number,
): Figure {
  const losses = value === null ? null : rowLogLosses(input);
  if (value === null || !losses) {
    return intervalFigure(
      value,
      n,
      null,
      't',
      reason ?? (value === null ? undefined : 'a label is not among the model classes'),
    );
  }
  const s = summarize(losses);
  // the interval is only given around the metric's own value
  if (Math.abs(s.mean - value) > 1e-9 * Math.max(1, Math.abs(value))) {
    return intervalFigure(
      value,
      n,
      null,
      't',
      reason ?? 'no interval: per-row losses do not add up to the metric',
    );
  }
  return intervalFigure(value, n, meanInterval(s, confidence), 't', reason);
}

/** Every regression metric of the rows, with intervals. */
export function measureRegression(
  input: PerfInput & { task: 'regression' },
  options: MeasureOptions,
  label = 'all',
): GroupMeasure {
  const report = computeRegressionMetrics({ yTrue: input.yTrue, yPred: input.yPred });
  const n = input.yTrue.length;
  const { confidence } = options;
  const abs = new Float64Array(n);
  const sq = new Float64Array(n);
  const pct = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = input.yTrue[i] - input.yPred[i];
    abs[i] = Math.abs(e);
    sq[i] = e * e;
    pct[i] = Math.abs(e) / Math.max(Math.abs(input.yTrue[i]), Number.EPSILON);
  }
  const v = (name: string): number | null =>
    report.metrics[name as keyof typeof report.metrics] ?? null;
  const r = (name: string): string | undefined => report.reasons[name];
  const metrics: Record<string, Figure> = {};
  const mse = meanInterval(summarize(sq), confidence);
  metrics.rmse = intervalFigure(
    v('rmse'),
    n,
    mse && { low: Math.sqrt(Math.max(0, mse.low)), high: Math.sqrt(mse.high) },
    't',
    r('rmse'),
  );
  metrics.mae = intervalFigure(
    v('mae'),
    n,
    meanInterval(summarize(abs), confidence),
    't',
    r('mae'),
  );
  metrics.mape = intervalFigure(
    v('mape'),
    n,
    meanInterval(summarize(pct), confidence),
    't',
    r('mape'),
  );
  const r2 = v('r2');
  let r2ci: Interval | null = null;
  let plan: BootstrapPlan | null = null;
  if (r2 !== null && n >= 2) {
    const rng = createRandom(deriveSeed(options.seed, label));
    plan = planBootstrap(n, rng, options.bootstrap);
    const rows = plan.rows;
    const yt = rows ? Float64Array.from(rows, (i) => input.yTrue[i]) : input.yTrue;
    const yp = rows ? Float64Array.from(rows, (i) => input.yPred[i]) : input.yPred;
    const s = runBootstrap(plan, rng, ['r2'], (w) => [weightedR2(yt, yp, w)]);
    r2ci = bootstrapInterval(plan, r2, s.r2, confidence);
  }
  metrics.r2 = intervalFigure(r2, n, r2ci, plan ? bootstrapMethod(plan) : 'none', r('r2'));
  return { task: 'regression', labelled: n, metrics };
}

export function measureInput(
  input: PerfInput,
  options: MeasureOptions,
  label = 'all',
): GroupMeasure {
  return input.task === 'classification'
    ? measureClassification(input, options, label)
    : measureRegression(input, options, label);
}

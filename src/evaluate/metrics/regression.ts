/** Regression metrics matching sklearn: rmse, mae, r2, mape (a fraction, not percent). */
import { checkSameLength, CompensatedSum } from './numeric.js';
import { ok, toMetricSet, undefinedMetric, type MetricResult, type MetricSet } from './types.js';

export const REGRESSION_METRICS = ['rmse', 'mae', 'r2', 'mape'] as const;
export type RegressionMetricName = (typeof REGRESSION_METRICS)[number];

export interface RegressionInput {
  yTrue: ArrayLike<number>;
  yPred: ArrayLike<number>;
}

export interface RegressionReport extends MetricSet {
  task: 'regression';
  rows: number;
  metrics: Record<RegressionMetricName, number | null>;
}

export function computeRegressionMetrics(input: RegressionInput): RegressionReport {
  return {
    task: 'regression',
    rows: input.yTrue.length,
    ...toMetricSet(regressionResults(input.yTrue, input.yPred)),
  };
}

interface RegressionResults {
  rmse: MetricResult;
  mae: MetricResult;
  r2: MetricResult;
  mape: MetricResult;
}

/** sklearn's mean_absolute_percentage_error floor for |y_true| (float64 machine epsilon). */
const MAPE_EPS = 2 ** -52;

/** All four in one pass over the rows (plus one for the mean of y_true). */
function regressionResults(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): RegressionResults {
  checkSameLength(
    { name: 'y_true', length: yTrue.length },
    { name: 'y_pred', length: yPred.length },
  );
  const n = yTrue.length;
  if (n === 0) {
    const r = undefinedMetric('empty input: no rows to evaluate');
    return { rmse: r, mae: r, r2: r, mape: r };
  }
  const bad = firstNonFinite(yTrue, yPred);
  if (bad) {
    const r = undefinedMetric(`${bad.name}[${bad.row}] is ${bad.value}`);
    return { rmse: r, mae: r, r2: r, mape: r };
  }
  const squared = new CompensatedSum();
  const absolute = new CompensatedSum();
  const percentage = new CompensatedSum();
  const truthSum = new CompensatedSum();
  let constant = true;
  const first = yTrue[0];
  for (let i = 0; i < n; i++) {
    const t = yTrue[i];
    const e = yPred[i] - t;
    squared.add(e * e);
    absolute.add(Math.abs(e));
    percentage.add(Math.abs(e) / Math.max(Math.abs(t), MAPE_EPS));
    truthSum.add(t);
    if (t !== first) constant = false;
  }
  return {
    rmse: ok(Math.sqrt(squared.value / n)),
    mae: ok(absolute.value / n),
    r2: r2FromSums(yTrue, squared.value, truthSum.value / n, constant),
    mape: ok(percentage.value / n),
  };
}

function r2FromSums(
  yTrue: ArrayLike<number>,
  residual: number,
  mean: number,
  constant: boolean,
): MetricResult {
  if (yTrue.length < 2) return undefinedMetric('r2 needs at least two rows');
  if (constant) {
    // sklearn (force_finite) reports 1.0 for a perfect fit and 0.0 otherwise; neither is a measurement.
    return undefinedMetric(
      `y_true is constant (${yTrue[0]}); r2 is undefined (sklearn would report ${residual === 0 ? '1.0' : '0.0'})`,
    );
  }
  const total = new CompensatedSum();
  for (let i = 0; i < yTrue.length; i++) {
    const d = yTrue[i] - mean;
    total.add(d * d);
  }
  return ok(1 - residual / total.value);
}

export function rmse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): MetricResult {
  return regressionResults(yTrue, yPred).rmse;
}

export function mae(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): MetricResult {
  return regressionResults(yTrue, yPred).mae;
}

export function r2(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): MetricResult {
  return regressionResults(yTrue, yPred).r2;
}

/** sklearn's mean_absolute_percentage_error: mean |y - ŷ| / max(|y|, 2^-52); a fraction. */
export function mape(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): MetricResult {
  return regressionResults(yTrue, yPred).mape;
}

function firstNonFinite(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
): { name: string; row: number; value: string } | undefined {
  for (const [name, values] of [
    ['y_true', yTrue],
    ['y_pred', yPred],
  ] as const) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as unknown;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        const value =
          v === null || v === undefined
            ? 'missing'
            : typeof v === 'number'
              ? String(v)
              : `not a number (${JSON.stringify(v) ?? typeof v})`;
        return { name, row: i, value };
      }
    }
  }
  return undefined;
}

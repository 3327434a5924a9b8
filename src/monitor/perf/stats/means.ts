/**
 * Intervals and tests for means of per-row values (absolute errors, squared errors,
 * log losses): Student t intervals, and Welch's test for two independent samples.
 */
import { tCdf, tQuantile } from './distributions.js';
import type { Interval } from './proportions.js';

export interface MeanSummary {
  n: number;
  mean: number;
  /** sample variance (n − 1) */
  variance: number;
}

/** Mean and sample variance in one pass (Welford), skipping nothing: give finite values. */
export function summarize(values: ArrayLike<number>): MeanSummary {
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i] - mean;
    mean += d / (i + 1);
    m2 += d * (values[i] - mean);
  }
  const n = values.length;
  return { n, mean, variance: n > 1 ? m2 / (n - 1) : NaN };
}

/** t interval of the mean; null below two values. */
export function meanInterval(s: MeanSummary, confidence = 0.95): Interval | null {
  if (s.n < 2 || !Number.isFinite(s.variance)) return null;
  const half = tQuantile(1 - (1 - confidence) / 2, s.n - 1) * Math.sqrt(s.variance / s.n);
  return { low: s.mean - half, high: s.mean + half };
}

/**
 * Welch's t-test and interval for mean(a) − mean(b) (scipy.stats.ttest_ind with
 * equal_var=False); null below two values a side.
 */
export function welch(
  a: MeanSummary,
  b: MeanSummary,
  confidence = 0.95,
): { difference: number; interval: Interval; pvalue: number } | null {
  if (a.n < 2 || b.n < 2) return null;
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se = Math.sqrt(va + vb);
  const difference = a.mean - b.mean;
  if (se === 0) {
    return {
      difference,
      interval: { low: difference, high: difference },
      pvalue: difference === 0 ? 1 : 0,
    };
  }
  const dof = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const t = difference / se;
  const half = tQuantile(1 - (1 - confidence) / 2, dof) * se;
  return {
    difference,
    interval: { low: difference - half, high: difference + half },
    pvalue: 2 * tCdf(-Math.abs(t), dof),
  };
}

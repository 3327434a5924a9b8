/**
 * Intervals and tests for proportions (accuracy, precision, recall, the fairness rates,
 * error rates): counts in, interval or p-value out.
 *
 * - Wilson score interval for one proportion (scipy's binomtest(k, n).proportion_ci(
 *   method="wilson")): good coverage at small n and near 0 or 1, where the Wald
 *   interval is not.
 * - Newcombe's hybrid score interval for a difference of two independent proportions
 *   (Newcombe 1998, method 10), built from the two Wilson intervals.
 * - Katz's log interval for a ratio of two independent proportions (the fairness ratio).
 * - The two-proportion z-test with the pooled proportion (two-sided), for A/B rates.
 * - McNemar's exact test for paired proportions (the same requests answered by a
 *   primary and its shadow): a binomial test on the discordant pairs.
 */
import { proportionsZTest } from '../../stats/index.js';
import { betaRegularized, zFor } from './distributions.js';

export interface Interval {
  low: number;
  high: number;
}

/** Wilson score interval of k successes in n; null when n is 0. */
export function wilsonInterval(k: number, n: number, confidence = 0.95): Interval | null {
  if (!(n > 0)) return null;
  const z = zFor(confidence);
  const z2 = z * z;
  const p = k / n;
  const centre = (k + z2 / 2) / (n + z2);
  const half = (z / (n + z2)) * Math.sqrt((k * (n - k)) / n + z2 / 4);
  return {
    low: p === 0 ? 0 : Math.max(0, centre - half),
    high: p === 1 ? 1 : Math.min(1, centre + half),
  };
}

/** Newcombe's interval for p1 − p2 (independent samples); null when either n is 0. */
export function newcombeInterval(
  k1: number,
  n1: number,
  k2: number,
  n2: number,
  confidence = 0.95,
): Interval | null {
  const a = wilsonInterval(k1, n1, confidence);
  const b = wilsonInterval(k2, n2, confidence);
  if (!a || !b) return null;
  const p1 = k1 / n1;
  const p2 = k2 / n2;
  const d = p1 - p2;
  return {
    low: d - Math.sqrt((p1 - a.low) ** 2 + (b.high - p2) ** 2),
    high: d + Math.sqrt((a.high - p1) ** 2 + (p2 - b.low) ** 2),
  };
}

/**
 * Katz's log interval for (k1/n1) / (k2/n2); null when a count is 0 (the log ratio
 * has no finite variance then).
 */
export function ratioInterval(
  k1: number,
  n1: number,
  k2: number,
  n2: number,
  confidence = 0.95,
): Interval | null {
  if (!(k1 > 0 && k2 > 0 && n1 > 0 && n2 > 0)) return null;
  const z = zFor(confidence);
  const ratio = k1 / n1 / (k2 / n2);
  const se = Math.sqrt(1 / k1 - 1 / n1 + 1 / k2 - 1 / n2);
  return { low: ratio * Math.exp(-z * se), high: ratio * Math.exp(z * se) };
}

/** Two-sided p-value of the pooled two-proportion z-test; 1 when both are 0/n or n/n. */
export function twoProportionTest(
  k1: number,
  n1: number,
  k2: number,
  n2: number,
): { statistic: number; pvalue: number } {
  return proportionsZTest(k1, n1, k2, n2);
}

/** P(X <= k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  return betaRegularized(1 - p, n - k, k + 1);
}

/**
 * McNemar's exact test: `b` pairs where only the first is right, `c` where only the
 * second is. Two-sided p = min(1, 2 P(X <= min(b, c))), X ~ Binomial(b + c, ½)
 * (scipy.stats.binomtest(b, b + c).pvalue).
 */
export function mcnemarTest(b: number, c: number): { statistic: number; pvalue: number } {
  const n = b + c;
  if (n === 0) return { statistic: 0, pvalue: 1 };
  return {
    statistic: (b - c) / Math.sqrt(n),
    pvalue: Math.min(1, 2 * binomialCdf(Math.min(b, c), n, 0.5)),
  };
}

/**
 * Distribution-free intervals for percentiles (latency p50/p95/p99): the order
 * statistics X(l) and X(u) (1-based ranks) with P(l <= B < u) >= the confidence for
 * B ~ Binomial(n, p), the count of values at or below the true quantile: by the
 * binomial's normal approximation, l − 1 <= np − z·√(np(1 − p)) − 1 and
 * u − 1 >= np + z·√(np(1 − p)). Values must be sorted.
 */
import { zFor } from './distributions.js';
import type { Interval } from './proportions.js';
import { quantileLinear } from './bootstrap.js';

export function percentileWithInterval(
  sorted: ArrayLike<number>,
  q: number,
  confidence = 0.95,
): { value: number; interval: Interval | null } | null {
  const n = sorted.length;
  if (n === 0) return null;
  const value = quantileLinear(sorted, q);
  const spread = zFor(confidence) * Math.sqrt(n * q * (1 - q));
  // 0-based indices of X(l) and X(u)
  const lo = Math.floor(n * q - spread) - 1;
  const hi = Math.ceil(n * q + spread);
  // too few values for the interval to be bounded on both sides
  if (lo < 0 || hi > n - 1) return { value, interval: null };
  return { value, interval: { low: sorted[lo], high: sorted[hi] } };
}

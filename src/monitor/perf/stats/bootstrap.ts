/**
 * The nonparametric bootstrap as `mlo perf` runs it: each resample draws n rows with
 * replacement (as counts per row, so a statistic is one weighted pass over the data,
 * never a copy), with a seeded generator.
 *
 * - Up to 50,000 rows: 1,000 resamples and the percentile interval (scipy.stats.
 *   bootstrap(method="percentile"), numpy's linear quantiles).
 * - Beyond: 200 resamples of a fixed random subsample of at most 200,000 rows, and the
 *   standard-error interval: estimate ± z·sd·√(m/n). For smooth statistics such as AUC
 *   and F1 the bootstrap distribution is close to normal at these sizes, and the
 *   spread of a mean-like statistic shrinks as 1/√n, so the subsample's standard error
 *   rescales to the full data. This bounds the work at 4·10^7 row visits per metric.
 */
import { normalTwoSided } from '../../stats/index.js';
import { zFor } from './distributions.js';
import type { Interval } from './proportions.js';
import type { Random } from './random.js';

export type BootstrapMethod = 'percentile' | 'standard-error';

export interface BootstrapSettings {
  /** resamples (default: 1,000, or 200 beyond `exactRows`) */
  resamples?: number;
  /** rows up to which every row is resampled and the percentile interval used (default 50,000) */
  exactRows?: number;
  /** rows of the subsample resampled beyond `exactRows` (default 200,000) */
  maxRows?: number;
}

export interface BootstrapPlan {
  /** rows of the data */
  n: number;
  /** the rows resampled (indices into the data), or null for all of them */
  rows: Uint32Array | null;
  /** rows per resample */
  m: number;
  resamples: number;
  method: BootstrapMethod;
}

export function planBootstrap(n: number, rng: Random, s: BootstrapSettings = {}): BootstrapPlan {
  const exact = s.exactRows ?? 50_000;
  const maxRows = Math.max(exact, s.maxRows ?? 200_000);
  if (n <= exact) {
    return { n, rows: null, m: n, resamples: s.resamples ?? 1000, method: 'percentile' };
  }
  const m = Math.min(n, maxRows);
  return {
    n,
    rows: m === n ? null : sampleWithoutReplacement(n, m, rng),
    m,
    resamples: s.resamples ?? 200,
    method: 'standard-error',
  };
}

/** m distinct indices of [0, n), sorted (Floyd's algorithm on a bitmap). */
function sampleWithoutReplacement(n: number, m: number, rng: Random): Uint32Array {
  const taken = new Uint8Array(n);
  for (let j = n - m; j < n; j++) {
    const t = Math.floor(rng() * (j + 1));
    if (taken[t]) taken[j] = 1;
    else taken[t] = 1;
  }
  const out = new Uint32Array(m);
  let k = 0;
  for (let i = 0; i < n; i++) if (taken[i]) out[k++] = i;
  return out;
}

/** One resample: how many times each of the m rows was drawn (m draws with replacement). */
export function drawCounts(m: number, rng: Random, out: Uint32Array): Uint32Array {
  out.fill(0);
  for (let i = 0; i < m; i++) out[Math.floor(rng() * m)]++;
  return out;
}

/**
 * Run `statistic` on every resample; it returns one value per named metric (NaN when
 * the metric is undefined on that resample). Returns the values per metric.
 */
export function runBootstrap(
  plan: BootstrapPlan,
  rng: Random,
  names: readonly string[],
  statistic: (counts: Uint32Array) => number[],
): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const name of names) out[name] = new Float64Array(plan.resamples);
  const counts = new Uint32Array(plan.m);
  for (let b = 0; b < plan.resamples; b++) {
    const values = statistic(drawCounts(plan.m, rng, counts));
    names.forEach((name, j) => (out[name][b] = values[j]));
  }
  return out;
}

/** numpy's linear-interpolation quantile of sorted values. */
export function quantileLinear(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function finiteSorted(values: Float64Array): Float64Array {
  const out = values.filter((v) => Number.isFinite(v));
  out.sort();
  return out;
}

function standardDeviation(values: Float64Array): number {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return Math.sqrt(ss / (values.length - 1));
}

/** Resamples on which the metric must be defined for an interval (others are dropped). */
const MIN_DEFINED_SHARE = 0.9;

/**
 * The interval of a bootstrapped statistic around its full-data estimate; null when it
 * was undefined on more than a tenth of the resamples (a class that most resamples
 * lack, say).
 */
export function bootstrapInterval(
  plan: BootstrapPlan,
  estimate: number,
  samples: Float64Array,
  confidence = 0.95,
): Interval | null {
  const values = finiteSorted(samples);
  if (values.length < 2 || values.length < MIN_DEFINED_SHARE * samples.length) return null;
  const alpha = 1 - confidence;
  if (plan.method === 'percentile') {
    return { low: quantileLinear(values, alpha / 2), high: quantileLinear(values, 1 - alpha / 2) };
  }
  const half = zFor(confidence) * standardDeviation(values) * Math.sqrt(plan.m / plan.n);
  return { low: estimate - half, high: estimate + half };
}

/**
 * Interval and two-sided p-value of a difference from its bootstrap distribution
 * (resample b of one side minus resample b of the other, or of a paired resample).
 */
export function bootstrapDifference(
  plan: BootstrapPlan,
  estimate: number,
  samples: Float64Array,
  confidence = 0.95,
): { interval: Interval; pvalue: number } | null {
  const values = finiteSorted(samples);
  if (values.length < 2 || values.length < MIN_DEFINED_SHARE * samples.length) return null;
  const interval = bootstrapInterval(plan, estimate, samples, confidence)!;
  if (plan.method === 'percentile') {
    let below = 0;
    let above = 0;
    for (const v of values) {
      if (v <= 0) below++;
      if (v >= 0) above++;
    }
    return { interval, pvalue: Math.min(1, (2 * Math.min(below, above)) / values.length) };
  }
  const se = standardDeviation(values) * Math.sqrt(plan.m / plan.n);
  const z = se === 0 ? (estimate === 0 ? 0 : Infinity) : estimate / se;
  return { interval, pvalue: Math.min(1, normalTwoSided(z)) };
}

/**
 * Reading a numeric profile's distribution the same way whether it kept its values
 * or only a sketch: shares below a point, quantiles, histograms, and the weighted
 * sample the ECDF walk takes.
 */
import { unitWeighted, type WeightedSample } from '../stats/ecdf.js';
import { countAtOrBelow, countBelow, quantileSorted } from '../stats/quantile.js';
import type { NumericProfile } from './numeric.js';

export interface ProfileHistogram {
  /** bin edges; bins are [e_i, e_i+1) and the last one also holds its right edge */
  edges: number[];
  /** values per bin (estimated when the profile is a sketch) */
  counts: number[];
}

const weightedCache = new WeakMap<object, WeightedSample>();

/** The profile's distribution as sorted points with cumulative weights (cached). */
export function weightedOf(p: NumericProfile): WeightedSample {
  const key = p.values ?? p.sketch;
  if (!key) return { values: new Float64Array(0), cumWeights: new Float64Array(0), count: 0 };
  let w = weightedCache.get(key);
  if (!w) {
    w = p.values ? unitWeighted(p.values) : p.sketch!.toWeighted();
    weightedCache.set(key, w);
  }
  return w;
}

/** Share of the profile's values that are < x. */
export function shareBelow(p: NumericProfile, x: number): number {
  if (p.count === 0) return 0;
  if (p.values) return countBelow(p.values, x) / p.values.length;
  const w = weightedOf(p);
  const i = countBelow(w.values, x);
  return i === 0 ? 0 : w.cumWeights[i - 1] / w.cumWeights[w.cumWeights.length - 1];
}

/** Share of the profile's values that are <= x. */
export function shareAtOrBelow(p: NumericProfile, x: number): number {
  if (p.count === 0) return 0;
  if (p.values) return countAtOrBelow(p.values, x) / p.values.length;
  const w = weightedOf(p);
  const i = countAtOrBelow(w.values, x);
  return i === 0 ? 0 : w.cumWeights[i - 1] / w.cumWeights[w.cumWeights.length - 1];
}

/**
 * Quantile q: numpy's linear interpolation on exact values; on a sketch, the
 * support point holding 0-based rank q*(n-1) (the sketch's rank error dwarfs any
 * interpolation).
 */
export function quantileOf(p: NumericProfile, q: number): number {
  if (p.count === 0) return NaN;
  if (p.values) return quantileSorted(p.values, q);
  const w = weightedOf(p);
  const total = w.cumWeights[w.cumWeights.length - 1];
  const rank = q * (total - 1);
  let lo = 0;
  let hi = w.values.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (w.cumWeights[mid] > rank) hi = mid;
    else lo = mid + 1;
  }
  return w.values[lo];
}

/** Values per bin of `edges` (numpy.histogram's convention: the last bin is closed). */
export function histogramOf(p: NumericProfile, edges: number[]): ProfileHistogram {
  const counts: number[] = [];
  if (edges.length < 2 || p.count === 0) return { edges, counts: edges.length < 2 ? [] : [0] };
  const below = (x: number, last: boolean): number =>
    (last ? shareAtOrBelow(p, x) : shareBelow(p, x)) * p.count;
  let prev = below(edges[0], false);
  for (let i = 1; i < edges.length; i++) {
    const cur = below(edges[i], i === edges.length - 1);
    counts.push(p.values ? cur - prev : Math.round(cur - prev));
    prev = cur;
  }
  return { edges, counts };
}

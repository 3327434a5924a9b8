/**
 * 1-D Wasserstein-1 distance with scipy.stats.wasserstein_distance semantics
 * (unweighted empirical distributions): ∫ |F_u(x) - F_v(x)| dx over the merged
 * support. The normalised form divides by max(population std of the reference,
 * 0.001), Evidently's `wasserstein` stat test.
 */
import { MloError } from '../../errors.js';
import { walkSorted } from './ecdf.js';
import { sortedFinite } from './finite.js';

/** The floor Evidently puts under the reference std before dividing. */
export const WASSERSTEIN_STD_FLOOR = 0.001;

/** wasserstein_distance on raw values (NaN and ±inf dropped as nulls). */
export function wassersteinDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  return wassersteinSorted(sortedFinite(u).values, sortedFinite(v).values);
}

/** wasserstein_distance on two sorted arrays of finite values. */
export function wassersteinSorted(u: Float64Array, v: Float64Array): number {
  if (u.length === 0 || v.length === 0) {
    throw new MloError(
      'INVALID',
      'wasserstein_distance needs at least one finite value in each sample',
    );
  }
  return walkSorted(u, v).area / u.length / v.length;
}

/** Population standard deviation (numpy's np.std, ddof=0), two-pass. */
export function populationStd(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / n);
}

/** The distance divided by max(referenceStd, 0.001). */
export function normalizeWasserstein(distance: number, referenceStd: number): number {
  return distance / Math.max(referenceStd, WASSERSTEIN_STD_FLOOR);
}

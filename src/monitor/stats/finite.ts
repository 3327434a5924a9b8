/**
 * Null handling shared by every statistic: NaN, +inf and -inf count as nulls and
 * are left out of every statistic (as are the nulls a reader reports as NaN).
 * -0 is stored as +0 so that equal values have equal bit patterns.
 */
import { sortFloat64 } from './sort.js';

export interface FiniteValues {
  /** the finite values, in input order (or sorted, from `sortedFinite`) */
  values: Float64Array;
  /** how many inputs were NaN, +inf or -inf */
  nulls: number;
}

/** Copy the finite values out of `input`; count the rest as nulls. */
export function splitFinite(input: ArrayLike<number>): FiniteValues {
  const n = input.length;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = input[i];
    // v - v is NaN exactly for NaN and ±inf
    if (v - v === 0) out[k++] = v === 0 ? 0 : v;
  }
  return { values: k === n ? out : out.slice(0, k), nulls: n - k };
}

/** The finite values of `input`, sorted ascending (a fresh array; the input is untouched). */
export function sortedFinite(input: ArrayLike<number>): FiniteValues {
  const f = splitFinite(input);
  sortFloat64(f.values);
  return f;
}

/** True when `values` is sorted ascending and holds only finite numbers. */
export function isSortedFinite(values: ArrayLike<number>): boolean {
  let prev = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= prev) || v === Infinity) return false;
    prev = v;
  }
  return true;
}

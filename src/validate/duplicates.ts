/**
 * Duplicates among per-row numeric keys, found by sorting instead of hashing. For a
 * column of a million mostly distinct numbers (ids, measurements, combined keys of
 * several columns) a radix sort and one sequential scan cost a fraction of a hash
 * table that has to grow to a million entries.
 */
import { sortFloat64 } from '../monitor/index.js';

export interface DuplicateSummary {
  /** rows with a key */
  keyed: number;
  /** distinct keys */
  distinct: number;
  /** rows whose key occurs more than once */
  duplicateRows: number;
  /** keys that occur more than once */
  duplicateKeys: number;
  /** the first `limit` rows (0-based, in row order) whose key occurs more than once */
  first: { row: number; key: number }[];
}

/**
 * Duplicates among `rowKeys`: one key per row, in row order, NaN for a row without
 * a key (missing, or left out).
 */
export function summarizeDuplicates(rowKeys: Float64Array, limit: number): DuplicateSummary {
  let keyed = 0;
  for (let r = 0; r < rowKeys.length; r++) if (rowKeys[r] === rowKeys[r]) keyed++;
  const sorted = new Float64Array(keyed);
  let k = 0;
  for (let r = 0; r < rowKeys.length; r++) {
    const v = rowKeys[r];
    if (v === v) sorted[k++] = v === 0 ? 0 : v;
  }
  sortFloat64(sorted);
  let distinct = 0;
  let duplicateRows = 0;
  const dupKeys: number[] = [];
  for (let i = 0; i < keyed;) {
    let j = i + 1;
    while (j < keyed && sorted[j] === sorted[i]) j++;
    distinct++;
    if (j - i > 1) {
      duplicateRows += j - i;
      dupKeys.push(sorted[i]);
    }
    i = j;
  }
  const first: { row: number; key: number }[] = [];
  if (dupKeys.length > 0 && limit > 0) {
    for (let r = 0; r < rowKeys.length && first.length < limit; r++) {
      const v = rowKeys[r];
      if (v === v && contains(dupKeys, v)) first.push({ row: r, key: v });
    }
  }
  return { keyed, distinct, duplicateRows, duplicateKeys: dupKeys.length, first };
}

function contains(sorted: readonly number[], v: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = sorted[mid];
    if (m === v) return true;
    if (m < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

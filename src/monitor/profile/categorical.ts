/**
 * Categorical column profiles: counts per category, nulls, and the top-K rule.
 *
 * Counting is exact while the column has at most `trackLimit` distinct categories
 * (default 100,000); values of categories first met after that are counted in
 * "other". The finished profile keeps the `topK` most frequent categories (default
 * 1,000; ties broken by name) and folds the rest into "other" too. A profile with
 * other = 0 is exact: every category with its count.
 *
 * Input is what the tabular readers produce, dictionary-encoded strings (a code per
 * row into a dictionary; a negative code or a null dictionary entry is a null), or
 * a plain array of strings with null/undefined for nulls.
 */
import { MloError } from '../../errors.js';

export const DEFAULT_TOP_K = 1000;
export const DEFAULT_TRACK_LIMIT = 100_000;

export interface DictionaryColumn {
  codes: ArrayLike<number>;
  dictionary: readonly (string | null)[];
}

export interface CategoricalProfileOptions {
  /** categories kept in the finished profile (default 1,000) */
  topK?: number;
  /** distinct categories counted exactly while profiling (default 100,000) */
  trackLimit?: number;
}

export interface CategoricalProfile {
  kind: 'categorical';
  /** non-null values */
  count: number;
  nulls: number;
  /** kept categories, most frequent first */
  categories: string[];
  counts: number[];
  /** values of categories not kept */
  other: number;
  /** distinct categories in the data; null when tracking stopped and it is unknown */
  distinctCount: number | null;
  options: Required<CategoricalProfileOptions>;
}

function resolveOptions(o: CategoricalProfileOptions = {}): Required<CategoricalProfileOptions> {
  const r = { topK: o.topK ?? DEFAULT_TOP_K, trackLimit: o.trackLimit ?? DEFAULT_TRACK_LIMIT };
  if (!Number.isInteger(r.topK) || r.topK < 1) {
    throw new MloError('INVALID', `topK must be a positive integer, got ${o.topK}`);
  }
  if (!Number.isInteger(r.trackLimit) || r.trackLimit < r.topK) {
    throw new MloError('INVALID', `trackLimit must be an integer >= topK, got ${o.trackLimit}`);
  }
  return r;
}

/** Builds a CategoricalProfile from batches: `add` each batch, then `finish`. */
export class CategoricalProfiler {
  private readonly opts: Required<CategoricalProfileOptions>;
  private readonly counts = new Map<string, number>();
  private count = 0;
  private nulls = 0;
  /** values counted in "other" because tracking was full */
  private untracked = 0;

  constructor(options: CategoricalProfileOptions = {}) {
    this.opts = resolveOptions(options);
  }

  add(batch: DictionaryColumn | readonly (string | null | undefined)[]): void {
    if (isDictionaryColumn(batch)) this.addDictionary(batch);
    else this.addStrings(batch);
  }

  /** Add counts directly (e.g. from another aggregation). */
  addCounts(category: string, n: number): void {
    if (n <= 0) return;
    this.count += n;
    const have = this.counts.get(category);
    if (have !== undefined) this.counts.set(category, have + n);
    else if (this.counts.size < this.opts.trackLimit) this.counts.set(category, n);
    else this.untracked += n;
  }

  addNulls(n: number): void {
    this.nulls += n;
  }

  finish(): CategoricalProfile {
    return topK(
      this.counts,
      this.count,
      this.nulls,
      this.untracked,
      this.untracked > 0 ? null : this.counts.size,
      this.opts,
    );
  }

  private addDictionary(col: DictionaryColumn): void {
    const dict = col.dictionary;
    const perCode = new Float64Array(dict.length);
    this.nulls += countCodes(col.codes, perCode);
    for (let c = 0; c < perCode.length; c++) {
      const n = perCode[c];
      if (n === 0) continue;
      const name = dict[c];
      if (name === null || name === undefined) this.nulls += n;
      else this.addCounts(name, n);
    }
  }

  private addStrings(values: readonly (string | null | undefined)[]): void {
    for (const v of values) {
      if (v === null || v === undefined) this.nulls++;
      else this.addCounts(v, 1);
    }
  }
}

/**
 * Count each code into perCode; returns the codes outside it (nulls). A function of
 * its own: the loop over a batch's codes stays optimized while the per-category part
 * of addDictionary sees a different dictionary (and map) for every column.
 */
function countCodes(codes: ArrayLike<number>, perCode: Float64Array): number {
  let nulls = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c >= 0 && c < perCode.length) perCode[c]++;
    else nulls++;
  }
  return nulls;
}

function isDictionaryColumn(b: unknown): b is DictionaryColumn {
  return typeof b === 'object' && b !== null && 'codes' in b && 'dictionary' in b;
}

/** Keep the top K categories (count desc, then name) and fold the rest into other. */
function topK(
  counts: Map<string, number>,
  count: number,
  nulls: number,
  untracked: number,
  distinctCount: number | null,
  options: Required<CategoricalProfileOptions>,
): CategoricalProfile {
  const entries = [...counts].sort(
    (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
  );
  const kept = entries.slice(0, options.topK);
  let other = untracked;
  for (let i = options.topK; i < entries.length; i++) other += entries[i][1];
  return {
    kind: 'categorical',
    count,
    nulls,
    categories: kept.map((e) => e[0]),
    counts: kept.map((e) => e[1]),
    other,
    distinctCount,
    options,
  };
}

/**
 * One profile for the data of both. Exact when neither folded anything into
 * "other"; otherwise a category's count may miss what the other side lumped.
 */
export function mergeCategoricalProfiles(
  a: CategoricalProfile,
  b: CategoricalProfile,
): CategoricalProfile {
  const map = new Map<string, number>();
  a.categories.forEach((c, i) => map.set(c, a.counts[i]));
  b.categories.forEach((c, i) => map.set(c, (map.get(c) ?? 0) + b.counts[i]));
  let untracked = a.other + b.other;
  const limited = new Map<string, number>();
  for (const [k, v] of map) {
    if (limited.size < a.options.trackLimit) limited.set(k, v);
    else untracked += v;
  }
  const exact = a.distinctCount !== null && b.distinctCount !== null && untracked === 0;
  return topK(
    limited,
    a.count + b.count,
    a.nulls + b.nulls,
    untracked,
    exact ? limited.size : null,
    a.options,
  );
}

/** Profile one column in one call. */
export function profileCategorical(
  values: DictionaryColumn | readonly (string | null | undefined)[],
  options?: CategoricalProfileOptions,
): CategoricalProfile {
  const p = new CategoricalProfiler(options);
  p.add(values);
  return p.finish();
}

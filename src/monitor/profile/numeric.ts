/**
 * Numeric column profiles: what a baseline stores about a numeric column, built
 * over batches in one pass, mergeable, and enough to compute every drift statistic
 * later without the original data.
 *
 * - count (finite values), nulls (null, NaN, ±inf), mean, population std, min, max;
 * - the values themselves, sorted, while the column has at most `exactLimit` of
 *   them (default 100,000): every statistic is then exact, as scipy computes it;
 * - beyond that a KLL sketch (kll.ts) with a per-profile error bound;
 * - value counts while the column has at most `distinctLimit` distinct values, so
 *   discrete columns get exact chi-square / z / Jensen–Shannon tests and bar charts;
 * - a display summary: quantiles and a 20-bin histogram.
 *
 * Memory: values are buffered (up to `bufferLimit`, default max(exactLimit, 2^20))
 * and folded into the sketch as one sorted run whenever the buffer fills, so a
 * column of any length is profiled in bounded memory with one sort per buffer.
 */
import { MloError } from '../../errors.js';
import { quantileSorted } from '../stats/quantile.js';
import { sortFloat64 } from '../stats/sort.js';
import { KLL_DEFAULT_K, KllSketch } from './kll.js';
import { histogramOf, quantileOf, type ProfileHistogram } from './view.js';

export const DEFAULT_EXACT_LIMIT = 100_000;
export const DEFAULT_DISTINCT_LIMIT = 1000;
export const SUMMARY_QUANTILES = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];
const SUMMARY_BINS = 20;
const GROW_WHOLE = 1 << 16;
const GROW_TO = 1 << 20;

export interface NumericProfileOptions {
  /** keep every value while there are at most this many (default 100,000) */
  exactLimit?: number;
  /** KLL k once there are more (default 16,384; rank error ~1e-4) */
  sketchK?: number;
  /** keep value counts while there are at most this many distinct values (default 1000) */
  distinctLimit?: number;
  /** values held in memory before being folded into the sketch (default max(exactLimit, 2^20)) */
  bufferLimit?: number;
}

export interface ValueCounts {
  /** distinct values, ascending */
  values: Float64Array;
  counts: Float64Array;
}

export interface NumericProfile {
  kind: 'numeric';
  /** finite values */
  count: number;
  /** null, NaN, +inf and -inf */
  nulls: number;
  /** null when count is 0 (likewise std, min, max) */
  mean: number | null;
  /** population standard deviation (numpy's np.std, ddof=0) */
  std: number | null;
  min: number | null;
  max: number | null;
  /** Σ (x - mean)², kept so profiles merge exactly */
  m2: number;
  /** all finite values, sorted, when count <= exactLimit; else null */
  values: Float64Array | null;
  /** KLL sketch when count > exactLimit; else null */
  sketch: KllSketch | null;
  /** counts per distinct value when there are at most distinctLimit; else null */
  distinct: ValueCounts | null;
  /** SUMMARY_QUANTILES, numpy-linear when exact, from the sketch otherwise */
  quantiles: { q: number; value: number }[];
  histogram: ProfileHistogram;
  options: Required<Omit<NumericProfileOptions, 'bufferLimit'>>;
}

function resolveOptions(o: NumericProfileOptions = {}): Required<NumericProfileOptions> {
  const exactLimit = o.exactLimit ?? DEFAULT_EXACT_LIMIT;
  const r = {
    exactLimit,
    sketchK: o.sketchK ?? KLL_DEFAULT_K,
    distinctLimit: o.distinctLimit ?? DEFAULT_DISTINCT_LIMIT,
    // the buffer must hold an exact column whole
    bufferLimit: Math.max(o.bufferLimit ?? 1 << 20, exactLimit, 1),
  };
  if (!Number.isInteger(r.exactLimit) || r.exactLimit < 0) {
    throw new MloError('INVALID', `exactLimit must be a non-negative integer, got ${o.exactLimit}`);
  }
  if (!Number.isInteger(r.distinctLimit) || r.distinctLimit < 0) {
    throw new MloError(
      'INVALID',
      `distinctLimit must be a non-negative integer, got ${o.distinctLimit}`,
    );
  }
  return r;
}

/** Builds a NumericProfile from batches: `add` each batch, then `finish`. */
export class NumericProfiler {
  private readonly opts: Required<NumericProfileOptions>;
  private count = 0;
  private nulls = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private buffer: Float64Array;
  private buffered = 0;
  private sketch: KllSketch | null = null;
  /** null once there are more distinct values than the limit */
  private distinct: Map<number, number> | null = new Map();
  private finished = false;

  constructor(options: NumericProfileOptions = {}) {
    this.opts = resolveOptions(options);
    this.buffer = new Float64Array(0);
  }

  /**
   * Add a batch. NaN and ±inf count as nulls; so do `extraNulls` (nulls a reader
   * reports separately from the values array).
   */
  add(values: ArrayLike<number>, extraNulls = 0): void {
    if (this.finished) throw new MloError('INTERNAL', 'NumericProfiler.add after finish');
    this.nulls += extraNulls;
    // one filtering pass straight into the buffer; the moments are taken per flush
    let at = 0;
    while (at < values.length) {
      if (this.buffered === this.opts.bufferLimit) this.flush();
      const take = Math.min(this.opts.bufferLimit - this.buffered, values.length - at);
      this.reserve(this.buffered + take);
      const buf = this.buffer;
      let k = this.buffered;
      let lo = this.min;
      let hi = this.max;
      for (let i = at; i < at + take; i++) {
        const v = values[i];
        if (v - v !== 0) continue; // NaN, +inf, -inf
        const x = v === 0 ? 0 : v;
        buf[k++] = x;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      this.nulls += take - (k - this.buffered);
      this.min = lo;
      this.max = hi;
      this.buffered = k;
      at += take;
    }
  }

  /** The profile of everything added. The profiler is spent afterwards. */
  finish(): NumericProfile {
    if (this.finished) throw new MloError('INTERNAL', 'NumericProfiler.finish called twice');
    this.finished = true;
    const sorted = sortFloat64(this.buffer.subarray(0, this.buffered));
    this.addMoments(sorted);
    this.buffer = new Float64Array(0);
    const distinct = this.distinct ? addRuns(this.distinct, sorted, this.opts.distinctLimit) : null;
    let values: Float64Array | null = null;
    let sketch: KllSketch | null = null;
    if (this.sketch === null && this.count <= this.opts.exactLimit) {
      // the buffer's own memory when it is (nearly) full, a right-sized copy otherwise
      values = sorted.buffer.byteLength <= sorted.byteLength * 1.25 ? sorted : sorted.slice();
    } else {
      sketch = this.sketch ?? new KllSketch(this.opts.sketchK);
      sketch.updateSorted(sorted);
    }
    return assemble({
      count: this.count,
      nulls: this.nulls,
      mean: this.mean,
      m2: this.m2,
      min: this.min,
      max: this.max,
      values,
      sketch,
      distinct: distinct ? countsFromMap(distinct) : null,
      options: this.opts,
    });
  }

  /**
   * Fold a sorted run's mean and M2 into the totals. Taken over the sorted run, they
   * depend only on which values the run holds, not on how batches cut them up (a file
   * read on two threads is cut differently than on one).
   */
  private addMoments(sorted: Float64Array): void {
    const n = sorted.length;
    if (n === 0) return;
    const mean = sumOf(sorted) / n;
    this.combineMoments(n, mean, squaredDeviations(sorted, mean));
  }

  private combineMoments(n: number, mean: number, m2: number): void {
    const total = this.count + n;
    const delta = mean - this.mean;
    this.mean += (delta * n) / total;
    this.m2 += m2 + (delta * delta * this.count * n) / total;
    this.count = total;
  }

  private reserve(size: number): void {
    if (size <= this.buffer.length) return;
    // Past GROW_WHOLE values a column is likely long: take GROW_TO values (the whole
    // default buffer) at once. Pages are only faulted in as they are written, where
    // doubling wrote (and faulted) every value about twice over. Beyond GROW_TO (a
    // big --exact-limit) it doubles again: at most 8 MB is reserved and never used.
    const doubled = Math.max(size, this.buffer.length * 2);
    const want = size > GROW_WHOLE ? Math.max(doubled, GROW_TO) : doubled;
    const grown = new Float64Array(Math.min(this.opts.bufferLimit, want));
    grown.set(this.buffer.subarray(0, this.buffered));
    this.buffer = grown;
  }

  /** Fold the buffer into the sketch as one sorted run. */
  private flush(): void {
    const sorted = sortFloat64(this.buffer.subarray(0, this.buffered));
    this.addMoments(sorted);
    this.noteDistinct(sorted);
    this.sketch ??= new KllSketch(this.opts.sketchK);
    this.sketch.updateSorted(sorted);
    this.buffered = 0;
  }

  private noteDistinct(sorted: Float64Array): void {
    if (this.distinct === null) return;
    this.distinct = addRuns(this.distinct, sorted, this.opts.distinctLimit);
  }
}

// The two loops of addMoments, each a function of its own: V8 then optimizes each
// after it has run, instead of compiling the first on-stack and deoptimizing when it
// reaches the second, not yet run, for every column.
function sumOf(a: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i];
  return sum;
}

function squaredDeviations(a: Float64Array, mean: number): number {
  let m2 = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - mean;
    m2 += d * d;
  }
  return m2;
}

/** Count the runs of a sorted array into `map`; null when it passes `limit` distinct values. */
function addRuns(
  map: Map<number, number>,
  sorted: Float64Array,
  limit: number,
): Map<number, number> | null {
  let i = 0;
  while (i < sorted.length) {
    const v = sorted[i];
    let j = i + 1;
    while (j < sorted.length && sorted[j] === v) j++;
    map.set(v, (map.get(v) ?? 0) + (j - i));
    if (map.size > limit) return null;
    i = j;
  }
  return map;
}

function countsFromMap(map: Map<number, number>): ValueCounts {
  const values = Float64Array.from(map.keys()).sort();
  const counts = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) counts[i] = map.get(values[i])!;
  return { values, counts };
}

interface ProfileParts {
  count: number;
  nulls: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
  values: Float64Array | null;
  sketch: KllSketch | null;
  distinct: ValueCounts | null;
  options: Required<Omit<NumericProfileOptions, 'bufferLimit'>>;
}

/** Build the profile object, with its display summary, from its parts. */
export function assemble(parts: ProfileParts): NumericProfile {
  const empty = parts.count === 0;
  const { exactLimit, sketchK, distinctLimit } = parts.options;
  const profile: NumericProfile = {
    kind: 'numeric',
    count: parts.count,
    nulls: parts.nulls,
    mean: empty ? null : parts.mean,
    std: empty ? null : Math.sqrt(parts.m2 / parts.count),
    min: empty ? null : parts.min,
    max: empty ? null : parts.max,
    m2: parts.m2,
    values: parts.values,
    sketch: parts.sketch,
    distinct: parts.distinct,
    quantiles: [],
    histogram: { edges: [], counts: [] },
    options: { exactLimit, sketchK, distinctLimit },
  };
  if (!empty) {
    profile.quantiles = SUMMARY_QUANTILES.map((q) => ({
      q,
      value: profile.values ? quantileSorted(profile.values, q) : quantileOf(profile, q),
    }));
    profile.histogram = histogramOf(profile, equalWidthEdges(parts.min, parts.max, SUMMARY_BINS));
  }
  return profile;
}

/** `bins` equal-width bins over [lo, hi]; one bin when lo == hi. */
export function equalWidthEdges(lo: number, hi: number, bins: number): number[] {
  if (!(hi > lo)) return [lo, hi];
  const edges: number[] = [];
  for (let i = 0; i <= bins; i++) edges.push(i === bins ? hi : lo + ((hi - lo) * i) / bins);
  return edges;
}

/** One profile for the data of both (same options expected; a's win). */
export function mergeNumericProfiles(a: NumericProfile, b: NumericProfile): NumericProfile {
  if (a.options.sketchK !== b.options.sketchK && (a.sketch || b.sketch)) {
    throw new MloError(
      'INVALID',
      'cannot merge numeric profiles built with different sketch sizes',
    );
  }
  const options = a.options;
  const count = a.count + b.count;
  const meanA = a.mean ?? 0;
  const meanB = b.mean ?? 0;
  const delta = meanB - meanA;
  const mean = count === 0 ? 0 : meanA + (delta * b.count) / count;
  const m2 = count === 0 ? 0 : a.m2 + b.m2 + (delta * delta * a.count * b.count) / count;
  let values: Float64Array | null = null;
  let sketch: KllSketch | null = null;
  if (a.values && b.values && count <= options.exactLimit) {
    values = mergeSorted(a.values, b.values);
  } else {
    sketch = a.sketch ? a.sketch.clone() : new KllSketch(options.sketchK);
    if (a.values) sketch.updateSorted(a.values);
    if (b.sketch) sketch.merge(b.sketch);
    if (b.values) sketch.updateSorted(b.values);
  }
  let distinct: ValueCounts | null = null;
  if (a.distinct && b.distinct) {
    const map = new Map<number, number>();
    a.distinct.values.forEach((v, i) => map.set(v, a.distinct!.counts[i]));
    b.distinct.values.forEach((v, i) => map.set(v, (map.get(v) ?? 0) + b.distinct!.counts[i]));
    distinct = map.size <= options.distinctLimit ? countsFromMap(map) : null;
  }
  return assemble({
    count,
    nulls: a.nulls + b.nulls,
    mean,
    m2,
    min: Math.min(a.min ?? Infinity, b.min ?? Infinity),
    max: Math.max(a.max ?? -Infinity, b.max ?? -Infinity),
    values,
    sketch,
    distinct,
    options,
  });
}

function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i] <= b[j] ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/** Profile one array in one call. */
export function profileNumeric(
  values: ArrayLike<number>,
  options?: NumericProfileOptions,
): NumericProfile {
  const p = new NumericProfiler(options);
  p.add(values);
  return p.finish();
}

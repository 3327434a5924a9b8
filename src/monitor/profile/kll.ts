/**
 * KLL quantile sketch (Karnin, Lang & Liberty 2016), the sketch whylogs and Apache
 * DataSketches use for distributions: levels of "compactors"; an item at level h
 * stands for 2^h values. A full level is sorted and every other item (random
 * offset) moves up a level. Sketches merge by concatenating levels.
 *
 * Why KLL: the drift statistics need the reference CDF (KS, PSI buckets) and its
 * integral (Wasserstein). KLL bounds the *rank* error of every CDF value, which is
 * exactly what KS and the PSI proportions need; a value-relative sketch (DDSketch)
 * bounds quantile values instead and says nothing about F(x) for data far from 0
 * with a small spread; t-digest has no guarantee.
 *
 * Error: a compaction at level h changes the rank of any query point by 0 or ±2^h
 * with a fair random sign, so the rank error of a query is a martingale with those
 * increments. We count compactions per level (m_h), so each sketch knows its own
 * bound: by Azuma–Hoeffding, P(|error| >= t) <= 2 exp(-t² / (2 Σ m_h 4^h)), and a
 * union over the retained items gives a bound on sup_x |F̂(x) - F(x)|.
 *
 * No npm package implements KLL (DataSketches has no JavaScript port); DDSketch
 * (@datadog/sketches-js) and `tdigest` are the maintained alternatives, rejected above.
 * Compaction offsets come from a seeded generator so the same data in the same
 * order always gives the same sketch.
 */
import { MloError } from '../../errors.js';
import type { WeightedSample } from '../stats/ecdf.js';
import { sortFloat64 } from '../stats/sort.js';

export const KLL_DEFAULT_K = 16384;
const CAPACITY_RATIO = 2 / 3;
const MIN_CAPACITY = 8;
const SEED = 0x9e3779b9;

export interface KllState {
  k: number;
  /** total weight = number of values summarised */
  n: number;
  /** items per level, level 0 first */
  levels: Float64Array[];
  /** compactions performed at each level (for the error bound) */
  compactions: number[];
  /** xorshift32 state */
  rng: number;
}

export class KllSketch {
  readonly k: number;
  private n = 0;
  private levels: Float64Array[] = [];
  private sizes: number[] = [];
  private compactions: number[] = [];
  private rng = SEED;

  constructor(k = KLL_DEFAULT_K) {
    if (!Number.isInteger(k) || k < MIN_CAPACITY || k > 1 << 20) {
      throw new MloError(
        'INVALID',
        `KLL sketch k must be an integer in [${MIN_CAPACITY}, 1048576]`,
      );
    }
    this.k = k;
    this.addLevel();
  }

  /** how many values the sketch summarises */
  get count(): number {
    return this.n;
  }

  /** how many items it keeps */
  get retained(): number {
    let s = 0;
    for (const z of this.sizes) s += z;
    return s;
  }

  /** Add finite values (the caller has removed nulls, NaN and ±inf). */
  update(values: ArrayLike<number>): void {
    let i = 0;
    while (i < values.length) {
      // lazy KLL: level 0 may use all the slack of the levels above it, and at
      // least k, so big batches are sorted and compacted in few large steps (a
      // compaction's error does not depend on how many items it halves)
      const room = Math.max(this.k, this.totalCapacity() - this.retained);
      const take = Math.min(room, values.length - i);
      this.ensureRoom(0, take);
      const level = this.levels[0];
      let size = this.sizes[0];
      for (let j = 0; j < take; j++) level[size++] = values[i + j]!;
      this.sizes[0] = size;
      this.n += take;
      i += take;
      this.compress();
    }
  }

  /**
   * Add a sorted run of finite values in one cascade: the run is halved level by
   * level (one compaction per level, each a linear pass over sorted items) until it
   * fits in k items. This is how profiles feed whole sorted columns: no comparison
   * sort, and fewer compactions (so a tighter bound) than item-by-item updates.
   */
  updateSorted(sorted: Float64Array): void {
    let run = sorted;
    let h = 0;
    while (run.length > this.k) {
      while (this.levels.length <= h + 1) this.addLevel();
      const odd = run.length % 2;
      if (odd) this.append(h, run.subarray(0, 1));
      const offset = this.nextBit();
      const half = (run.length - odd) / 2;
      // the caller's run is only read; later halvings go in place (item j comes
      // from index >= 2j, already read when j is written)
      const next = run === sorted ? halvingBuffer(half) : run.subarray(0, half);
      takeEveryOther(run, odd + offset, next);
      this.compactions[h]++;
      run = next;
      h++;
    }
    while (this.levels.length <= h) this.addLevel();
    this.append(h, run);
    this.n += sorted.length;
    this.compress();
  }

  /** Fold another sketch into this one. Both must have the same k. */
  merge(other: KllSketch): void {
    if (other.k !== this.k) {
      throw new MloError('INVALID', `cannot merge KLL sketches with k=${this.k} and k=${other.k}`);
    }
    while (this.levels.length < other.levels.length) this.addLevel();
    for (let h = 0; h < other.levels.length; h++) {
      const size = other.sizes[h];
      this.ensureRoom(h, size);
      this.levels[h].set(other.levels[h].subarray(0, size), this.sizes[h]);
      this.sizes[h] += size;
      this.compactions[h] += other.compactions[h];
    }
    this.n += other.n;
    this.compress();
  }

  /** A copy that can be changed without touching this one. */
  clone(): KllSketch {
    return KllSketch.fromState(this.toState());
  }

  /**
   * The summarised distribution as sorted support points with cumulative weights.
   * Each level is sorted on its own (a level filled by compactions and sorted runs
   * usually already is) and the levels are merged, instead of one comparator sort of
   * all retained items: a drift check reads this for every sketched column, and the
   * comparator sort took ~10–25 ms per column in a fresh process. The result is the
   * one a stable sort of all items would give: equal values become one support point
   * whatever their order, and weights are powers of two, so the sums are exact.
   */
  toWeighted(): WeightedSample {
    const runs: Float64Array[] = [];
    const weights: number[] = [];
    for (let h = 0; h < this.levels.length; h++) {
      const size = this.sizes[h];
      if (size === 0) continue;
      const run = this.levels[h].slice(0, size);
      if (hasNegativeZero(run)) return this.toWeightedBySort();
      if (!isSorted(run)) sortFloat64(run);
      runs.push(run);
      weights.push(2 ** h);
    }
    return { ...mergeRuns(runs, weights, this.retained), count: this.n };
  }

  /** toWeighted by one stable comparator sort of all items (kept for -0, see above). */
  private toWeightedBySort(): WeightedSample {
    const total = this.retained;
    const values = new Float64Array(total);
    const weights = new Float64Array(total);
    let at = 0;
    for (let h = 0; h < this.levels.length; h++) {
      const size = this.sizes[h];
      values.set(this.levels[h].subarray(0, size), at);
      weights.fill(2 ** h, at, at + size);
      at += size;
    }
    const order = new Uint32Array(total);
    for (let i = 0; i < total; i++) order[i] = i;
    order.sort((a, b) => values[a] - values[b]);
    const steps = new SupportPoints(total);
    for (let i = 0; i < total; i++) steps.add(values[order[i]], weights[order[i]]);
    return { ...steps.result(), count: this.n };
  }

  /**
   * A bound on sup_x |F̂(x) - F(x)| (as a share of n) that holds with probability
   * 1 - delta: Azuma–Hoeffding for one query, union over the retained items.
   * 0 while nothing has been compacted (the sketch is then exact).
   */
  rankErrorBound(delta = 0.01): number {
    let variance = 0;
    for (let h = 0; h < this.compactions.length; h++) variance += this.compactions[h] * 4 ** h;
    if (variance === 0 || this.n === 0) return 0;
    const points = this.retained + 1;
    return Math.sqrt(2 * Math.log((2 * points) / delta) * variance) / this.n;
  }

  toState(): KllState {
    return {
      k: this.k,
      n: this.n,
      levels: this.levels.map((l, h) => l.slice(0, this.sizes[h])),
      compactions: [...this.compactions],
      rng: this.rng,
    };
  }

  static fromState(state: KllState): KllSketch {
    const s = new KllSketch(state.k);
    s.levels = [];
    s.sizes = [];
    s.compactions = [];
    for (let h = 0; h < state.levels.length; h++) {
      s.addLevel();
      const items = state.levels[h];
      s.ensureRoom(h, items.length);
      s.levels[h].set(items);
      s.sizes[h] = items.length;
      s.compactions[h] = state.compactions[h] ?? 0;
    }
    if (s.levels.length === 0) s.addLevel();
    s.n = state.n;
    s.rng = state.rng >>> 0 || SEED;
    return s;
  }

  private append(h: number, items: Float64Array): void {
    this.ensureRoom(h, items.length);
    this.levels[h].set(items, this.sizes[h]);
    this.sizes[h] += items.length;
  }

  private addLevel(): void {
    this.levels.push(new Float64Array(MIN_CAPACITY));
    this.sizes.push(0);
    this.compactions.push(0);
  }

  private ensureRoom(h: number, extra: number): void {
    const level = this.levels[h];
    const need = this.sizes[h] + extra;
    if (need <= level.length) return;
    const grown = new Float64Array(Math.max(need, level.length * 2));
    grown.set(level.subarray(0, this.sizes[h]));
    this.levels[h] = grown;
  }

  /** The top level holds k items; each level below holds 2/3 of the one above. */
  private capacity(h: number): number {
    const depth = this.levels.length - 1 - h;
    return Math.max(MIN_CAPACITY, Math.ceil(this.k * CAPACITY_RATIO ** depth));
  }

  private totalCapacity(): number {
    let s = 0;
    for (let h = 0; h < this.levels.length; h++) s += this.capacity(h);
    return s;
  }

  /** Compact the lowest full level until the sketch fits its capacity again. */
  private compress(): void {
    while (this.retained > this.totalCapacity()) {
      let h = 0;
      while (h < this.levels.length && this.sizes[h] < this.capacity(h)) h++;
      if (h === this.levels.length) h = this.levels.length - 1;
      this.compactLevel(h);
    }
  }

  private compactLevel(h: number): void {
    if (h + 1 === this.levels.length) this.addLevel();
    const size = this.sizes[h];
    const items = this.levels[h].subarray(0, size);
    sortFloat64(items);
    // an odd item stays behind, unweighted by the coin flip
    const odd = size % 2;
    const start = odd;
    const offset = this.nextBit();
    const promoted = (size - odd) / 2;
    this.ensureRoom(h + 1, promoted);
    const up = this.levels[h + 1];
    let at = this.sizes[h + 1];
    for (let i = start + offset; i < size; i += 2) up[at++] = items[i]!;
    this.sizes[h + 1] = at;
    this.sizes[h] = odd;
    this.compactions[h]++;
  }

  private nextBit(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng & 1;
  }
}

// The loops below are functions of their own so that V8 optimizes each once it has
// run, rather than compiling their callers on-stack and deoptimizing at the next loop.

/** to[j] = from[start + 2j]; `to` may be `from` itself (each read is ahead of its write). */
function takeEveryOther(from: Float64Array, start: number, to: Float64Array): void {
  for (let i = start, j = 0; j < to.length; i += 2, j++) to[j] = from[i]!;
}

/**
 * Sorted runs with a weight each, merged into support points and cumulative weights:
 * equal values become one point. Among equal heads the lowest run goes first (the
 * runs hold no -0, so which one cannot change the output).
 */
function mergeRuns(
  runs: Float64Array[],
  weights: number[],
  total: number,
): { values: Float64Array; cumWeights: Float64Array } {
  const steps = new SupportPoints(total);
  const at = new Array<number>(runs.length).fill(0);
  for (let i = 0; i < total; i++) {
    let best = -1;
    let v = Infinity;
    for (let r = 0; r < runs.length; r++) {
      const k = at[r];
      if (k < runs[r].length && (best < 0 || runs[r][k] < v)) {
        best = r;
        v = runs[r][k];
      }
    }
    at[best]++;
    steps.add(v, weights[best]);
  }
  return steps.result();
}

/**
 * Support points and cumulative weights of (value, weight) pairs added in ascending
 * order: equal values become one point, so a walk's CDF steps are right.
 */
class SupportPoints {
  private readonly values: Float64Array;
  private readonly cum: Float64Array;
  private m = 0;
  private total = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
    this.cum = new Float64Array(capacity);
  }

  add(v: number, weight: number): void {
    this.total += weight;
    const m = this.m;
    if (m > 0 && this.values[m - 1] === v) this.cum[m - 1] = this.total;
    else {
      this.values[m] = v;
      this.cum[m] = this.total;
      this.m = m + 1;
    }
  }

  result(): { values: Float64Array; cumWeights: Float64Array } {
    return { values: this.values.slice(0, this.m), cumWeights: this.cum.slice(0, this.m) };
  }
}

function isSorted(a: Float64Array): boolean {
  for (let i = 1; i < a.length; i++) if (a[i] < a[i - 1]) return false;
  return true;
}

/** -0 and +0 compare equal but print differently: their order would matter. */
function hasNegativeZero(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] === 0 && 1 / a[i] < 0) return true;
  return false;
}

/**
 * Where updateSorted halves a run, kept between calls: a baseline halves one column
 * of up to 2^20 values after another, and fresh buffers cost page faults each time.
 * What it holds is copied into the levels before updateSorted returns.
 */
let halving: Float64Array | null = null;
const HALVING_KEEP = 1 << 20;

function halvingBuffer(length: number): Float64Array {
  if (length > HALVING_KEEP) return new Float64Array(length);
  if (halving === null || halving.length < length) halving = new Float64Array(length);
  return halving.subarray(0, length);
}

/**
 * Sorting Float64Arrays, the one cost every numeric drift statistic shares.
 *
 * V8's native `Float64Array.prototype.sort()` is a comparison sort (~115 ms for
 * 1,000,000 doubles on an idle core here). This is a radix sort over the IEEE-754
 * bit patterns, ordered so that continuous data needs two passes instead of four:
 *
 * 1. keys: flip every bit of negative numbers and only the sign bit of the others,
 *    so unsigned comparison of (hi word, lo word) orders the doubles;
 * 2. two stable 16-bit LSD passes sort by the hi word (sign, exponent and 20
 *    mantissa bits), skipping a pass whose digit is the same for every value;
 * 3. values whose hi words tie (a few neighbours in continuous data, long runs in
 *    discrete or very dense data) are then ordered by the lo word: runs already in
 *    order (integers, repeated values) are left alone, short runs get an insertion
 *    sort, long ones a byte-wise LSD sort of their own.
 *
 * Small arrays use the native sort: the 65,536-bucket histograms cost more than
 * they save below ~30,000 values.
 */
import { endianness } from 'node:os';

const RADIX_MIN = 32768;
const DIGITS = 65536;
const INSERTION_MAX = 48;
const LITTLE_ENDIAN = endianness() === 'LE';

/** Sort `values` in place, ascending. NaN must already be removed; -0 sorts before +0. */
export function sortFloat64(values: Float64Array): Float64Array {
  if (values.length < RADIX_MIN || !LITTLE_ENDIAN) return values.sort();
  radixSort(values);
  return values;
}

function radixSort(values: Float64Array): void {
  const n = values.length;
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const counts = new Uint32Array(2 * DIGITS);
  const loVaries = toKeys(words, n, counts);
  let from: Uint32Array = words;
  let to: Uint32Array = scratchOf(2 * n);
  for (let pass = 0; pass < 2; pass++) {
    const base = pass * DIGITS;
    if (!toOffsets(counts, base, n)) continue;
    if (pass === 0) scatterHiLow(from, to, n, counts);
    else scatterHiHigh(from, to, n, counts);
    const t = from;
    from = to;
    to = t;
  }
  // after an odd number of passes `to` is `words` itself: use the other buffer as scratch
  const spare = from === words ? to : from;
  if (from !== words) words.set(from);
  if (loVaries) sortTiesByLo(words, n, spare);
  fromKeys(words, n);
}

// Each pass over the words is a function of its own: V8 optimizes it after it has run
// instead of compiling radixSort on-stack in its first loop and deoptimizing in the
// next one, not yet run, at every column of a fresh process.

/** Turn doubles into sortable keys and count both hi-word digits; whether lo words vary. */
function toKeys(words: Uint32Array, n: number, counts: Uint32Array): boolean {
  let loVaries = false;
  const lo0 = n > 0 ? toKeyLo(words[0], words[1]) : 0;
  for (let i = 0; i < 2 * n; i += 2) {
    let lo = words[i];
    let hi = words[i + 1];
    if (hi & 0x80000000) {
      lo = ~lo >>> 0;
      hi = ~hi >>> 0;
      words[i] = lo;
    } else {
      hi = (hi ^ 0x80000000) >>> 0;
    }
    words[i + 1] = hi;
    if (lo !== lo0) loVaries = true;
    counts[hi & 0xffff]++;
    counts[DIGITS + (hi >>> 16)]++;
  }
  return loVaries;
}

/** Keys back to doubles. */
function fromKeys(words: Uint32Array, n: number): void {
  for (let i = 0; i < 2 * n; i += 2) {
    const hi = words[i + 1];
    if (hi & 0x80000000) {
      words[i + 1] = (hi ^ 0x80000000) >>> 0;
    } else {
      words[i] = ~words[i] >>> 0;
      words[i + 1] = ~hi >>> 0;
    }
  }
}

/**
 * The passes' second buffer, kept between sorts: a profile sorts one column after
 * another, and a fresh 8 MB buffer for each costs ~2,000 page faults (zeroed pages)
 * every time. Bounded by the profilers' buffer (2^20 values by default); bigger
 * sorts get a buffer of their own.
 */
let scratch: Uint32Array | null = null;
const SCRATCH_KEEP = 2 * (1 << 21);

function scratchOf(words: number): Uint32Array {
  if (words > SCRATCH_KEEP) return new Uint32Array(words);
  if (scratch === null || scratch.length < words) scratch = new Uint32Array(words);
  return scratch.subarray(0, words);
}

function toKeyLo(lo: number, hi: number): number {
  return hi & 0x80000000 ? ~lo >>> 0 : lo;
}

/** Turn one pass's counts into start offsets; false when the pass would not move anything. */
function toOffsets(counts: Uint32Array, base: number, n: number): boolean {
  let sum = 0;
  for (let d = 0; d < DIGITS; d++) {
    const c = counts[base + d];
    if (c === n) return false;
    counts[base + d] = sum;
    sum += c;
  }
  return true;
}

function scatterHiLow(from: Uint32Array, to: Uint32Array, n: number, offsets: Uint32Array): void {
  for (let i = 0; i < 2 * n; i += 2) {
    const hi = from[i + 1];
    const p = offsets[hi & 0xffff]++ << 1;
    to[p] = from[i]!;
    to[p + 1] = hi;
  }
}

function scatterHiHigh(from: Uint32Array, to: Uint32Array, n: number, offsets: Uint32Array): void {
  for (let i = 0; i < 2 * n; i += 2) {
    const hi = from[i + 1];
    const p = offsets[DIGITS + (hi >>> 16)]++ << 1;
    to[p] = from[i]!;
    to[p + 1] = hi;
  }
}

/** Order each run of equal hi words by lo word. `scratch` holds at least 2n words. */
function sortTiesByLo(words: Uint32Array, n: number, scratch: Uint32Array): void {
  let i = 0;
  while (i < n) {
    const hi = words[2 * i + 1];
    let j = i + 1;
    let ordered = true;
    while (j < n && words[2 * j + 1] === hi) {
      if (words[2 * j] < words[2 * j - 2]) ordered = false;
      j++;
    }
    if (!ordered) {
      if (j - i <= INSERTION_MAX) insertionByLo(words, i, j);
      else bytewiseByLo(words, i, j, scratch);
    }
    i = j;
  }
}

function insertionByLo(words: Uint32Array, from: number, to: number): void {
  for (let i = from + 1; i < to; i++) {
    const lo = words[2 * i];
    let j = i - 1;
    while (j >= from && words[2 * j] > lo) {
      words[2 * j + 2] = words[2 * j]!;
      j--;
    }
    words[2 * j + 2] = lo;
  }
}

/** LSD radix on the lo words of [from, to), one byte per pass (hi words are all equal). */
function bytewiseByLo(words: Uint32Array, from: number, to: number, scratch: Uint32Array): void {
  const len = to - from;
  let a = scratch.subarray(0, len);
  let b = scratch.subarray(len, 2 * len);
  for (let k = 0; k < len; k++) a[k] = words[2 * (from + k)]!;
  const counts = new Uint32Array(256);
  for (let shift = 0; shift < 32; shift += 8) {
    counts.fill(0);
    for (let k = 0; k < len; k++) counts[(a[k] >>> shift) & 0xff]++;
    if (counts[(a[0] >>> shift) & 0xff] === len) continue;
    let sum = 0;
    for (let d = 0; d < 256; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let k = 0; k < len; k++) {
      const v = a[k];
      b[counts[(v >>> shift) & 0xff]++] = v;
    }
    const t = a;
    a = b;
    b = t;
  }
  for (let k = 0; k < len; k++) words[2 * (from + k)] = a[k]!;
}

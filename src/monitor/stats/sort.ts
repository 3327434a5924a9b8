/**
 * Sorting Float64Arrays, the one cost every numeric drift statistic shares.
 *
 * V8's native `Float64Array.prototype.sort()` is a comparison sort (~115 ms for
 * 1,000,000 doubles here); an LSD radix sort over the IEEE-754 bit patterns does the
 * same job in ~70 ms and is faster still on discrete data, where whole digit passes
 * are skipped. Small arrays use the native sort: the radix histograms cost more
 * than they save below a few thousand values.
 */
import { endianness } from 'node:os';

const RADIX_MIN = 32768;
const DIGITS = 65536;
const LITTLE_ENDIAN = endianness() === 'LE';

/** Sort `values` in place, ascending. NaN must already be removed; -0 sorts before +0. */
export function sortFloat64(values: Float64Array): Float64Array {
  if (values.length < RADIX_MIN || !LITTLE_ENDIAN) return values.sort();
  radixSort(values);
  return values;
}

/**
 * Keys: flip every bit of negative numbers and only the sign bit of the others, so
 * that unsigned comparison of (hi, lo) orders the doubles numerically. Four 16-bit
 * digit passes over interleaved (lo, hi) words; a pass whose digit is the same for
 * every value is skipped.
 */
function radixSort(values: Float64Array): void {
  const n = values.length;
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const counts = new Uint32Array(4 * DIGITS);
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
    counts[lo & 0xffff]++;
    counts[DIGITS + (lo >>> 16)]++;
    counts[2 * DIGITS + (hi & 0xffff)]++;
    counts[3 * DIGITS + (hi >>> 16)]++;
  }
  let from: Uint32Array = words;
  let to: Uint32Array = new Uint32Array(2 * n);
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * DIGITS;
    if (!toOffsets(counts, base, n)) continue;
    scatter(from, to, n, counts, base, pass);
    const t = from;
    from = to;
    to = t;
  }
  if (from !== words) words.set(from);
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

// One loop per digit position keeps each loop monomorphic and branch-free.
function scatter(
  from: Uint32Array,
  to: Uint32Array,
  n: number,
  offsets: Uint32Array,
  base: number,
  pass: number,
): void {
  const end = 2 * n;
  if (pass === 0) {
    for (let i = 0; i < end; i += 2) {
      const lo = from[i];
      const p = offsets[base + (lo & 0xffff)]++ << 1;
      to[p] = lo;
      to[p + 1] = from[i + 1]!;
    }
  } else if (pass === 1) {
    for (let i = 0; i < end; i += 2) {
      const lo = from[i];
      const p = offsets[base + (lo >>> 16)]++ << 1;
      to[p] = lo;
      to[p + 1] = from[i + 1]!;
    }
  } else if (pass === 2) {
    for (let i = 0; i < end; i += 2) {
      const hi = from[i + 1];
      const p = offsets[base + (hi & 0xffff)]++ << 1;
      to[p] = from[i]!;
      to[p + 1] = hi;
    }
  } else {
    for (let i = 0; i < end; i += 2) {
      const hi = from[i + 1];
      const p = offsets[base + (hi >>> 16)]++ << 1;
      to[p] = from[i]!;
      to[p + 1] = hi;
    }
  }
}

/**
 * LSD radix sort for float arrays. V8's TypedArray#sort takes ~120 ms per million
 * values and sorting is most of roc_auc and the latency percentiles. Digits are 11
 * bits: 2048 buckets keep the scatter's write targets in cache, which matters more
 * than the pass count. Order matches TypedArray#sort for non-NaN input (-0 before
 * +0); callers reject NaN first.
 */
import { endianness } from 'node:os';

const SMALL = 1024;
const LITTLE_ENDIAN = endianness() === 'LE';
const BITS = 11;
const BUCKETS = 1 << BITS;
const MASK = BUCKETS - 1;

/** Sort in place and return the same array. */
export function sortFloats<T extends Float64Array | Float32Array>(values: T): T {
  if (values.length < SMALL || !LITTLE_ENDIAN) {
    values.sort();
    return values;
  }
  if (values instanceof Float32Array) sortFloat32(values);
  else if (allFloat32(values)) sortAsFloat32(values);
  else sortFloat64(values);
  return values;
}

/**
 * Model outputs are float32 even when handed over as doubles; such values sort
 * losslessly as 32-bit keys, in half the passes.
 */
function allFloat32(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Math.fround(v) !== v) return false;
  }
  return true;
}

function sortAsFloat32(values: Float64Array): void {
  const narrow = Float32Array.from(values);
  sortFloat32(narrow);
  for (let i = 0; i < narrow.length; i++) values[i] = narrow[i];
}

// IEEE floats compare like unsigned integers once negatives have every bit flipped
// and non-negatives have the sign bit set.
function toKey(word: number): number {
  return (word & 0x80000000 ? ~word : word | 0x80000000) >>> 0;
}

function fromKey(key: number): number {
  return (key & 0x80000000 ? key & 0x7fffffff : ~key) >>> 0;
}

/** Turn counts into start offsets; true when every key has the same digit (nothing to do). */
function prefixOrSkip(counts: Uint32Array, n: number): boolean {
  let sum = 0;
  for (let d = 0; d < counts.length; d++) {
    const c = counts[d];
    if (c === n) return true;
    counts[d] = sum;
    sum += c;
  }
  return false;
}

function sortFloat32(values: Float32Array): void {
  const n = values.length;
  const keys = new Uint32Array(values.buffer, values.byteOffset, n);
  const counts = new Uint32Array(3 * BUCKETS);
  for (let i = 0; i < n; i++) {
    const k = toKey(keys[i]);
    keys[i] = k;
    counts[k & MASK]++;
    counts[BUCKETS + ((k >>> BITS) & MASK)]++;
    counts[2 * BUCKETS + (k >>> (2 * BITS))]++;
  }
  let src: Uint32Array = keys;
  let dst: Uint32Array = new Uint32Array(n);
  for (let pass = 0; pass < 3; pass++) {
    const shift = pass * BITS;
    const offsets = counts.subarray(pass * BUCKETS, (pass + 1) * BUCKETS);
    if (prefixOrSkip(offsets, n)) continue;
    for (let i = 0; i < n; i++) {
      const k = src[i];
      dst[offsets[(k >>> shift) & MASK]++] = k;
    }
    [src, dst] = [dst, src];
  }
  for (let i = 0; i < n; i++) keys[i] = fromKey(src[i]);
}

/** The 11-bit digit `pass` (0 = least significant) of the 64-bit key hi:lo. */
function digit64(hi: number, lo: number, pass: number): number {
  switch (pass) {
    case 0:
      return lo & MASK;
    case 1:
      return (lo >>> 11) & MASK;
    case 2:
      return (lo >>> 22) | ((hi & 0x1) << 10);
    case 3:
      return (hi >>> 1) & MASK;
    case 4:
      return (hi >>> 12) & MASK;
    default:
      return hi >>> 23;
  }
}

function sortFloat64(values: Float64Array): void {
  const n = values.length;
  // little-endian: word 2i is the low half of values[i], word 2i + 1 the high half
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  // one read pass converts to keys and counts all six digits
  const counts = new Uint32Array(6 * BUCKETS);
  for (let i = 0; i < n; i++) {
    let h = words[2 * i + 1];
    let l = words[2 * i];
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else {
      h = (h | 0x80000000) >>> 0;
    }
    hi[i] = h;
    lo[i] = l;
    for (let pass = 0; pass < 6; pass++) counts[pass * BUCKETS + digit64(h, l, pass)]++;
  }
  let hi2 = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  for (let pass = 0; pass < 6; pass++) {
    const offsets = counts.subarray(pass * BUCKETS, (pass + 1) * BUCKETS);
    if (prefixOrSkip(offsets, n)) continue;
    for (let i = 0; i < n; i++) {
      const h = hi[i];
      const l = lo[i];
      const at = offsets[digit64(h, l, pass)]++;
      hi2[at] = h;
      lo2[at] = l;
    }
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
  }
  for (let i = 0; i < n; i++) {
    const h = hi[i];
    const l = lo[i];
    if (h & 0x80000000) {
      words[2 * i + 1] = h & 0x7fffffff;
      words[2 * i] = l;
    } else {
      words[2 * i + 1] = ~h >>> 0;
      words[2 * i] = ~l >>> 0;
    }
  }
}

/**
 * Rearrange `values` so that values[k] is the k-th smallest, everything before it
 * is <= and everything after it is >= (numpy's partition; percentiles need only a
 * few order statistics, not a full sort). Works within [from, to).
 */
export function selectInPlace(values: Float64Array, k: number, from = 0, to = values.length): void {
  let lo = from;
  let hi = to - 1;
  // Past this many rounds the pivots are unlucky: finish the range with a sort.
  let budget = 2 * Math.ceil(Math.log2(to - from + 1)) + 8;
  while (hi > lo) {
    if (hi - lo < 32 || budget-- === 0) {
      sortFloats(values.subarray(lo, hi + 1));
      return;
    }
    // median of three as the pivot
    const mid = (lo + hi) >>> 1;
    const a = values[lo];
    const b = values[mid];
    const c = values[hi];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    // now [lo, j] <= pivot <= [i, hi], and anything strictly between equals the pivot
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

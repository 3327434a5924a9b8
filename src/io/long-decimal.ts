/**
 * Plain decimals with 16 to 19 significant digits, read from bytes without making a
 * string. JavaScript prints most doubles with 17 digits, so a CSV written from
 * JavaScript or pandas is mostly such cells; reading each through a string and
 * Number() made ~40 bytes of garbage per cell (120 MB for 300,000 rows × 10 columns),
 * whose collections then landed in whatever ran next (mlo eval's model runs).
 *
 * The digits w (< 10^19) divided by 10^f (f ≤ 22, an exact double) are computed in
 * double-double arithmetic (error-free products and sums, no FMA needed), to ~2^-100
 * relative. Rounding that to a double gives the correctly rounded quotient, the value
 * Number(text) gives, unless the quotient lies within a hair of a midpoint between two
 * doubles; then, and for anything outside this shape, the result is NaN: "read it as
 * text". Tested bit for bit against Number() (test/unit/io/long-decimal.test.ts).
 */

/** 10^0 … 10^22, every one exact as a double: the decimal parsers divide by them. */
export const POW10: number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Veltkamp's splitter for doubles: 2^27 + 1 */
const SPLIT = 134217729;
/** 2^(e - 1075): the spacing of doubles whose biased exponent is e */
const ULP: Float64Array = Float64Array.from({ length: 2047 }, (_, e) => 2 ** (e - 1075));
/** how close to a midpoint (in units of the last place) counts as too close to call */
const MARGIN = 2 ** -20;

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
// the high word of a double is words[1] on little-endian machines, words[0] otherwise
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** The rounding error of a * b (exact: a * b === p + the result), by Dekker's method. */
function productError(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/**
 * Write the value of [+-]digits[.digits] in buf[start, end) (up to 19 significant
 * digits and 22 after the point, correctly rounded) to out[at] and return true; false,
 * leaving out[at] alone, for any other shape and for the rare value too close to a
 * rounding midpoint to decide here. Storing instead of returning the double keeps it
 * unboxed: a double returned from a call that is not inlined is a heap object.
 */
export function longDecimalInto(
  buf: Uint8Array,
  start: number,
  end: number,
  out: Float64Array | Float32Array,
  at: number,
): boolean {
  let i = start;
  let neg = false;
  const s = buf[i];
  if (s === 45) {
    neg = true;
    i++;
  } else if (s === 43) i++;
  // w = a * 10^kb + b: the first 15 significant digits in a, up to 4 more in b
  let a = 0;
  let b = 0;
  let kb = 0;
  let sig = 0;
  let digits = 0;
  let frac = 0;
  let point = false;
  for (; i < end; i++) {
    const c = buf[i];
    if (c === 46 && !point) {
      point = true;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return false;
    digits++;
    if (point) frac++;
    if (sig === 0 && d === 0) continue;
    if (sig < 15) a = a * 10 + d;
    else if (sig < 19) {
      b = b * 10 + d;
      kb++;
    } else return false;
    sig++;
  }
  if (digits === 0 || frac > 22) return false;
  let v: number;
  if (sig <= 15) {
    // Clinger's fast path: both exact, one correctly rounded division
    v = a / POW10[frac];
  } else {
    // w exactly, as wh + wl
    const k = POW10[kb];
    const p = a * k;
    const e = productError(a, k, p);
    const sum = p + b;
    const bv = sum - p;
    const t = p - (sum - bv) + (b - bv) + e;
    const wh = sum + t;
    const wl = t - (wh - sum);
    // w / 10^f as q1 + q2: q1 rounded, q2 the quotient of the exact remainder
    const pf = POW10[frac];
    const q1 = wh / pf;
    const ph = q1 * pf;
    const pl = productError(q1, pf, ph);
    const q2 = (wh - ph - pl + wl) / pf;
    v = q1 + q2;
    // where q1 + q2 lies between v and its neighbours: too near a midpoint, let
    // Number() decide (as it must at a power of two, whose lower neighbour is closer)
    bits[0] = v;
    const hi = words[HI];
    if ((hi & 0xfffff) === 0 && words[LO] === 0) return false;
    const ulp = ULP[(hi >>> 20) & 0x7ff];
    const off = q1 - v + q2;
    if (Math.abs(Math.abs(off) - ulp / 2) <= ulp * MARGIN) return false;
  }
  out[at] = neg ? -v : v;
  return true;
}

const one = new Float64Array(1);

/** longDecimalInto's value, or NaN for "read it as text". */
export function parseLongDecimalBytes(buf: Uint8Array, start: number, end: number): number {
  return longDecimalInto(buf, start, end, one, 0) ? one[0] : NaN;
}

/**
 * The normal and Student t distributions, for confidence intervals and tests: CDFs and
 * quantiles. The normal tail comes from the incomplete gamma function the drift
 * statistics already use (2(1 − Φ(|z|)) = Q(½, z²/2)); the quantile starts from
 * Acklam's rational approximation and is polished by Newton steps on that CDF, so it
 * agrees with scipy.stats.norm.ppf to ~1e-15. The t CDF is the regularized incomplete
 * beta function (continued fraction, Numerical Recipes §6.4); its quantile is found by
 * bisection-safeguarded Newton iteration. Checked against scipy in
 * test/unit/monitor/perf-stats.test.ts.
 */
import { logGamma, normalTwoSided } from '../../stats/index.js';

/** Φ(z): P(Z <= z) for a standard normal Z. */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const tail = normalTwoSided(z) / 2;
  return z >= 0 ? 1 - tail : tail;
}

const A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
  -3.066479806614716e1, 2.506628277459239,
];
const B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
  -1.328068155288572e1,
];
const C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
  4.374664141464968, 2.938163982698783,
];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/** Φ⁻¹(p), the standard normal quantile (scipy.stats.norm.ppf). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  // the upper half by symmetry: 1 − p is exact there, and the lower tail's CDF has no
  // cancellation for Newton to trip on
  if (p > 0.5) return -normalQuantile(1 - p);
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
      (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  }
  // Newton on the exact lower tail: Acklam is good to ~1e-9, two steps reach double precision
  for (let i = 0; i < 3; i++) {
    const e = normalTwoSided(x) / 2 - p;
    const density = Math.exp(-(x * x) / 2) / Math.sqrt(2 * Math.PI);
    if (density === 0) break;
    x -= e / density;
  }
  return x;
}

/** The z of a two-sided interval at this confidence level (0.95 → 1.959964). */
export function zFor(confidence: number): number {
  return normalQuantile(1 - (1 - confidence) / 2);
}

/** I_x(a, b), the regularized incomplete beta function. */
export function betaRegularized(x: number, a: number, b: number): number {
  if (!(x >= 0 && x <= 1)) return NaN;
  if (x === 0 || x === 1) return x;
  const logFront =
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  // the continued fraction converges fast for x < (a + 1) / (a + b + 2); use symmetry beyond
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 2e-16) break;
  }
  return h;
}

/** P(T <= t) for T ~ Student t with `dof` degrees of freedom (scipy.stats.t.cdf). */
export function tCdf(t: number, dof: number): number {
  if (Number.isNaN(t) || !(dof > 0)) return NaN;
  if (!Number.isFinite(t)) return t > 0 ? 1 : 0;
  const tail = betaRegularized(dof / (dof + t * t), dof / 2, 0.5) / 2;
  return t >= 0 ? 1 - tail : tail;
}

/** The t quantile (scipy.stats.t.ppf). */
export function tQuantile(p: number, dof: number): number {
  if (!(p > 0 && p < 1) || !(dof > 0)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  if (p > 0.5) return -tQuantile(1 - p, dof);
  if (p === 0.5) return 0;
  // solve lowerTail(x) = p for x < 0; the tail is I_{ν/(ν+x²)}(ν/2, ½)/2, no cancellation
  const tail = (x: number): number => betaRegularized(dof / (dof + x * x), dof / 2, 0.5) / 2;
  const logNorm = logGamma((dof + 1) / 2) - logGamma(dof / 2) - 0.5 * Math.log(dof * Math.PI);
  const density = (x: number): number =>
    Math.exp(logNorm - ((dof + 1) / 2) * Math.log1p((x * x) / dof));
  let lo = -1;
  while (tail(lo) > p) lo *= 2;
  let hi = 0;
  let x = Math.max(lo, Math.min(normalQuantile(p), hi));
  for (let i = 0; i < 200; i++) {
    const f = tail(x) - p;
    if (f === 0) break;
    if (f > 0) hi = x;
    else lo = x;
    const next = x - f / density(x);
    const step = next > lo && next < hi ? next : (lo + hi) / 2;
    if (Math.abs(step - x) <= 1e-16 * Math.abs(x)) {
      x = step;
      break;
    }
    x = step;
  }
  return x;
}

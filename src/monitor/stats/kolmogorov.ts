/**
 * The two-sided one-sample Kolmogorov–Smirnov distribution, survival function only:
 * P(D_n >= x). scipy's `ks_2samp` uses it (as `kstwo.sf(d, round(m*n/(m+n)))`) for
 * its asymptotic p-value, so this follows scipy 1.10's `_kolmogn` choice of method
 * case by case (Simard & L'Ecuyer 2011): Ruben–Gambino closed forms at the extremes,
 * Durbin's matrix (Marsaglia–Tsang–Wang), Pomeranz's recursion, Pelz–Good's
 * asymptotic series, and twice the one-sided Smirnov tail. Matching the method, not
 * just the value, is what keeps p-values within 1e-6 of scipy where the
 * approximations themselves differ by more.
 */

import { logGamma } from './gamma.js';

const SQRT2PI = Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);
const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const MIN_LOG = -708;
/** cephes MINLOG: log of the smallest subnormal double */
const CEPHES_MINLOG = -745.1332191019412;
const SCALE_UP = 2 ** 128;
const SCALE_DOWN = 2 ** -128;
const EPS = Number.EPSILON;
const SMIRNOV_MAX_COMPUTE_N = 1_000_000;

/** Bernoulli-number coefficients of Stirling's series, B_2j/(2j(2j-1)), j = 8..1. */
const STIRLING = [
  -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417,
  -0.0005952380952380953, 0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
];

const clip01 = (p: number): number => (p < 0 ? 0 : p > 1 ? 1 : p);

/** P(D_n >= x) for the two-sided one-sample statistic with n observations. */
export function kolmogorovSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(x)) return NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    // Ruben–Gambino: 1/2n <= x <= 1/n
    if (t <= 0.5) return 1;
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= i * (1 / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - cdf);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n);
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));

  const nxSquared = t * x;
  if (n <= 140) {
    if (nxSquared <= 0.754693) return clip01(1 - durbinCdf(n, x));
    if (nxSquared <= 4) return clip01(1 - pomeranzCdf(n, x));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return clip01(2 * smirnovSf(n, x));
  let cdf: number;
  if (nxSquared >= 18) cdf = 1;
  else if (n <= 100000 && n * x ** 1.5 <= 1.4) cdf = durbinCdf(n, x);
  else cdf = pelzGoodCdf(n, x);
  return clip01(1 - cdf);
}

/** log(n! / n^n) by Stirling's series, with n*log(n) removed up front. */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  let poly = 0;
  for (const c of STIRLING) poly = poly * (rn / n) + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/** x * 2^e without overflowing intermediate powers of two. */
function ldexp(x: number, e: number): number {
  let r = x;
  let k = e;
  while (k > 1000) {
    r *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    r *= 2 ** -1000;
    k += 1000;
  }
  return r * 2 ** k;
}

/**
 * Durbin's matrix algorithm as Marsaglia, Tsang & Wang evaluate it: P(D_n < d) is
 * n!/n^n times one entry of H^n, with H of size (2k-1) for k = ceil(n*d).
 */
function durbinCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;

  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1]!;
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;

  let P: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) P[i * m + i] = 1;
  let expnt = 0;
  let hExpnt = 0;
  const kk = (k - 1) * m + (k - 1);
  for (let nn = n; nn > 0; nn = Math.floor(nn / 2)) {
    if (nn % 2) {
      P = matmul(P, H, m);
      expnt += hExpnt;
    }
    H = matmul(H, H, m);
    hExpnt *= 2;
    if (Math.abs(H[kk]) > SCALE_UP) {
      for (let i = 0; i < m * m; i++) H[i] /= SCALE_UP;
      hExpnt += 128;
    }
  }
  let p = P[kk];
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < SCALE_DOWN) {
      p *= SCALE_UP;
      expnt -= 128;
    }
  }
  if (expnt !== 0) p = ldexp(p, expnt);
  return clip01(p);
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l];
      if (ail === 0) continue;
      const bRow = l * m;
      const oRow = i * m;
      for (let j = 0; j < m; j++) out[oRow + j] += ail * b[bRow + j];
    }
  }
  return out;
}

function pomeranzBounds(
  i: number,
  n: number,
  ll: number,
  ceilf: number,
  roundf: number,
): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const half = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - 1 - ll - roundf - 1;
        j2 = half + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** Pomeranz's recursion (1974): P(D_n <= x), two rows of convolutions with Poisson terms. */
function pomeranzCdf(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1;
  twogpower[0] = 1;
  onem2gpower[0] = 1;
  let expnt = 0;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1] * gOverN) / m;
    twogpower[m] = (twogpower[m - 1] * twoGOverN) / m;
    onem2gpower[m] = (onem2gpower[m - 1] * oneMinusTwoGOverN) / m;
  }

  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let [j1, j2] = pomeranzBounds(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    [j1, j2] = pomeranzBounds(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      // conv = convolve(V0[k1-V0s : k1-V0s+ln2], pwrs[:ln2]); keep conv[j1-k1 .. j2-k1]
      // (numpy slices stop at the array's end, so both factors may be shorter than ln2)
      const start = k1 - V0s;
      const la = Math.max(0, Math.min(start + ln2, npwrs) - start);
      const lb = Math.min(ln2, npwrs);
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      let max = 0;
      for (let c = 0; c < convLen; c++) {
        const idx = convStart + c;
        let s = 0;
        const lo = Math.max(0, idx - lb + 1);
        const hi = Math.min(idx, la - 1);
        for (let a = lo; a <= hi; a++) s += V0[start + a] * pwrs[idx - a];
        V1[c] = s;
        if (s > max) max = s;
      }
      if (max > 0 && max < SCALE_DOWN) {
        for (let c = 0; c < convLen; c++) V1[c] *= SCALE_UP;
        expnt -= 128;
      }
      V1s = V0s + j1 - k1;
    }
  }
  let ans = V1[n - V1s];
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > SCALE_UP) {
      ans *= SCALE_DOWN;
      expnt += 128;
    }
    ans *= m;
  }
  if (expnt !== 0) ans = ldexp(ans, expnt);
  return clip01(ans);
}

/**
 * Pelz & Good (1976): the Li-Chien/Korolyuk expansion in 1/sqrt(n), rewritten with
 * Jacobi theta identities so it converges for small z = x*sqrt(n).
 */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);

  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;

  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qpower = q ** (8 * k);
    const coeffs = [
      1,
      k1a + k1b * m2,
      k2a + k2b * m2 + k2c * m4,
      k3a + k3b * m2 + k3c * m4 + k3d * m6,
    ];
    for (let i = 0; i < 4; i++) K[i] = K[i] * qpower + coeffs[i];
  }
  const denoms = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i] * q * SQRT2PI) / denoms[i];

  q = Math.exp(-PI2 / 2 / z2);
  const sqrt3z = Math.sqrt(3) * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qp = q ** k2;
    const kpi = Math.PI * k;
    k2extra += k2 * qp;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qp;
  }
  K[2] += k2extra * ((PI2 * SQRT2PI) / (-36 * z3));
  K[3] += k3extra * ((PI2 * SQRT2PI) / (216 * z6));
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i] / n ** (i / 2);
  return sum;
}

// ---- One-sided Smirnov tail, P(D+_n >= x) (scipy.special.smirnov) ----

/** a*b as an unevaluated sum hi + lo (Dekker), so floor(n*x) is exact. */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const split = (v: number): [number, number] => {
    const c = 134217729 * v;
    const hi = c - (c - v);
    return [hi, v - hi];
  };
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  const err = ah * bh - p + ah * bl + al * bh + al * bl;
  return [p, err];
}

/** floor(n*x) and its fractional part, computed without rounding n*x first. */
function floorProduct(n: number, x: number): { floor: number; frac: number; nx: number } {
  const [hi, lo] = twoProduct(n, x);
  let fl = Math.floor(hi);
  let frac = hi - fl + lo;
  if (frac < 0) {
    fl -= 1;
    frac += 1;
  }
  if (frac >= 1) {
    fl += 1;
    frac = 0;
  }
  return { floor: fl, frac, nx: hi + lo };
}

/**
 * P(D+_n >= x), the Birnbaum–Tingey sum of positive terms
 * x * Σ_{v} C(n,v) (x+v/n)^(v-1) (1-x-v/n)^(n-v), evaluated in logs. scipy sums
 * the same terms in double-double; all terms are positive, so doubles lose nothing
 * that matters at 1e-6. Special cases and the large-n approximation follow scipy.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const { floor: nxfl, frac: alpha, nx } = floorProduct(n, x);
  let lastLower = n - nxfl - (alpha === 0 ? 0 : 1);
  if (alpha === 0) lastLower -= 1;

  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    return clip01(1 - x * (1 + x) ** (n - 1));
  }
  if (-2 * n * x * x < CEPHES_MINLOG) return 0;
  if (nxfl >= n - 1) return clip01((1 - x) ** n);
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -((6 * nx + 1) ** 2) / 18 / n;
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp);
  }
  const nTerms = lastLower + 1;
  if (nTerms > STRIDED_MIN_TERMS) {
    const strided = stridedSmirnovSum(n, nxfl, alpha, nTerms);
    if (strided !== undefined) return clip01(x * strided);
  }
  const vmid = Math.floor(n / 2);
  let sum = 0;
  let logC = 0;
  for (let v = 0; v < nTerms; v++) {
    // x + v/n and 1 - x - v/n from the exact split of n*x, so the last terms keep precision
    const up = (nxfl + v + alpha) / n;
    const down = (n - nxfl - v - alpha) / n;
    const logA = logC + (v - 1) * Math.log(up) + (n - v) * Math.log(down);
    const a = Math.exp(logA);
    if (Number.isFinite(a)) sum += a;
    if (a !== 0) {
      if (4 * (nTerms - v) * a < EPS * sum && v !== nTerms - 1 && v > 0) break;
    } else if (v > vmid) {
      break;
    }
    logC += Math.log((n - v) / (v + 1));
  }
  return clip01(x * sum);
}

const STRIDED_MIN_TERMS = 50_000;

/**
 * For large n the sum has up to n terms that form one smooth, wide bump (every
 * term tiny, the sum not). Summing every s-th term times s then equals the full
 * sum up to an exponentially small error (Poisson summation: both are the
 * integral of the bump plus its Fourier transform at frequencies 1/s and 1). That
 * holds only for a bump that is smooth on the scale of s and negligible at both
 * ends, so both are checked: the ends must be e^-50 below the peak, and the sums
 * with strides s and 2s must agree to 1e-10; otherwise undefined (sum every term).
 * ~sqrt(n)*8 terms instead of n: 1 ms instead of ~30 ms at n = 500,000.
 */
function stridedSmirnovSum(
  n: number,
  nxfl: number,
  alpha: number,
  nTerms: number,
): number | undefined {
  const stride = Math.max(2, Math.floor(Math.sqrt(n) / 8));
  const logFactN = logGamma(n + 1);
  const logTerm = (v: number): number =>
    logFactN -
    logGamma(v + 1) -
    logGamma(n - v + 1) +
    (v - 1) * Math.log((nxfl + v + alpha) / n) +
    (n - v) * Math.log((n - nxfl - v - alpha) / n);
  const logs: number[] = [];
  let peak = -Infinity;
  for (let v = 0; v < nTerms; v += stride) {
    const l = logTerm(v);
    logs.push(l);
    if (l > peak) peak = l;
  }
  const tail = logTerm(nTerms - 1);
  if (!(logs[0] < peak - 50 && tail < peak - 50)) return undefined;
  let sum = 0;
  let sumEven = 0;
  for (let k = 0; k < logs.length; k++) {
    const t = Math.exp(logs[k] - peak);
    sum += t;
    if (k % 2 === 0) sumEven += t;
  }
  const fine = stride * sum;
  const coarse = 2 * stride * sumEven;
  if (!(Math.abs(fine - coarse) <= 1e-10 * fine)) return undefined;
  return fine * Math.exp(peak);
}

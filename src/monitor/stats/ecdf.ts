/**
 * One merge walk over two sorted samples yields both the Kolmogorov–Smirnov
 * extremes and the Wasserstein-1 integral, so a numeric column is walked once.
 *
 * Exact samples keep the ECDF difference as the integer i*n2 - j*n1 (i, j = how
 * many values of each sample are <= the current point), which is what scipy's
 * searchsorted(..., 'right') computes, without rounding. Weighted samples (a
 * reference that only survives as a sketch) use cumulative weights instead.
 */

/** A sample summarised by sorted support points with cumulative weights. */
export interface WeightedSample {
  /** sorted ascending, finite */
  values: Float64Array;
  /** cumulative weight up to and including values[i]; the last entry is the total */
  cumWeights: Float64Array;
  /** how many observations the sample stands for (for p-values) */
  count: number;
}

export interface SortedWalk {
  /** max over points of i*n2 - j*n1 (>= 0) */
  maxDiff: number;
  /** -min over points of i*n2 - j*n1 (>= 0) */
  minDiff: number;
  /** Σ |i*n2 - j*n1| * (next point - point), compensated */
  area: number;
}

/** Walk two sorted finite samples. Scale `area` by 1/(n1*n2) for the Wasserstein distance. */
export function walkSorted(a: Float64Array, b: Float64Array): SortedWalk {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxDiff = 0;
  let minDiff = 0;
  const area = new CompensatedSum();
  // One value per step; the ECDFs are compared only where the next merged value is
  // larger (inside a run of equal values the state is not a point of either ECDF).
  // Equal heads advance together.
  while (i < n1 && j < n2) {
    const va = a[i];
    const vb = b[j];
    const takeA = va <= vb;
    const takeB = vb <= va;
    if (takeA) i++;
    if (takeB) j++;
    const v = takeA ? va : vb;
    const na = i < n1 ? a[i] : Infinity;
    const nb = j < n2 ? b[j] : Infinity;
    const next = na < nb ? na : nb;
    if (next !== v) {
      const diff = i * n2 - j * n1;
      if (diff > maxDiff) maxDiff = diff;
      else if (-diff > minDiff) minDiff = -diff;
      if (next !== Infinity) area.add(Math.abs(diff) * (next - v));
    }
  }
  // one sample is used up: the difference now moves monotonically back to 0, so
  // only the area still grows
  while (i < n1) {
    const v = a[i++];
    if (i < n1 && a[i] !== v) area.add(Math.abs(i * n2 - j * n1) * (a[i] - v));
  }
  while (j < n2) {
    const v = b[j++];
    if (j < n2 && b[j] !== v) area.add(Math.abs(i * n2 - j * n1) * (b[j] - v));
  }
  return { maxDiff, minDiff, area: area.value() };
}

/** Neumaier's compensated summation: the walks add up to millions of terms. */
class CompensatedSum {
  private sum = 0;
  private comp = 0;

  add(term: number): void {
    const t = this.sum + term;
    this.comp += Math.abs(this.sum) >= Math.abs(term) ? this.sum - t + term : term - t + this.sum;
    this.sum = t;
  }

  value(): number {
    return this.sum + this.comp;
  }
}

export interface WeightedWalk {
  /** sup of F_a - F_b (>= 0) */
  dPlus: number;
  /** sup of F_b - F_a (>= 0) */
  dMinus: number;
  /** ∫ |F_a - F_b| dx */
  area: number;
}

/** The same walk over two weighted samples, in probabilities. */
export function walkWeighted(a: WeightedSample, b: WeightedSample): WeightedWalk {
  return walk(a, b.values, b.cumWeights);
}

/**
 * walkWeighted(a, unitWeighted(b)) without building b's cumulative weights: b's
 * share at or below its j-th value is j / n, the very division the general walk makes
 * of unit weights, so the results are the same to the bit. A drift check compares
 * every exact current column this way (a million values: 8 MB and a pass saved).
 */
export function walkWeightedUnit(a: WeightedSample, bv: Float64Array): WeightedWalk {
  return walk(a, bv, null);
}

/** The walk of both: `bc` null means unit weights, whose cumulative sum at j is j. */
function walk(a: WeightedSample, bv: Float64Array, bc: Float64Array | null): WeightedWalk {
  const av = a.values;
  const ac = a.cumWeights;
  const n1 = av.length;
  const n2 = bv.length;
  const wa = n1 > 0 ? ac[n1 - 1] : 1;
  const wb = n2 === 0 ? 1 : bc === null ? n2 : bc[n2 - 1];
  let i = 0;
  let j = 0;
  let dPlus = 0;
  let dMinus = 0;
  const area = new CompensatedSum();
  let diff = 0;
  let prev = NaN;
  while (i < n1 || j < n2) {
    const va = i < n1 ? av[i] : Infinity;
    const vb = j < n2 ? bv[j] : Infinity;
    const v = va < vb ? va : vb;
    if (diff !== 0) {
      area.add(Math.abs(diff) * (v - prev));
    }
    while (i < n1 && av[i] === v) i++;
    while (j < n2 && bv[j] === v) j++;
    const fa = i === n1 ? 1 : i === 0 ? 0 : ac[i - 1] / wa;
    const fb = j === n2 ? 1 : j === 0 ? 0 : (bc === null ? j : bc[j - 1]) / wb;
    diff = fa - fb;
    if (diff > dPlus) dPlus = diff;
    else if (-diff > dMinus) dMinus = -diff;
    prev = v;
  }
  return { dPlus, dMinus, area: area.value() };
}

/** An exact sorted sample seen as a weighted one (unit weights). */
export function unitWeighted(values: Float64Array): WeightedSample {
  const cum = new Float64Array(values.length);
  for (let i = 0; i < cum.length; i++) cum[i] = i + 1;
  return { values, cumWeights: cum, count: values.length };
}

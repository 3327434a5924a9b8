/**
 * Drift of one column: a reference profile against a current profile. Every
 * statistic that applies is computed whatever test decides; the deciding test is
 * Evidently's default (stats/choose.ts) unless the caller overrides it.
 *
 * Exactness: when both profiles kept their values (count <= exactLimit) the
 * numbers are scipy's, to the tolerances the tests check. When either side is a
 * KLL sketch the ECDF of that side is approximate: with ε = the sum of the two
 * sketches' rank-error bounds (99%),
 * - |KS statistic - exact| <= ε (the statistic is a sup of CDF differences), and
 *   the p-value is the asymptotic one at the true sample sizes, as scipy's would be
 *   at those sizes (> 10,000);
 * - |Wasserstein - exact| <= Σ ε_side * (max - min of that side) (F̂ and F agree
 *   outside [min, max], which the profile keeps exactly);
 * - PSI: the edges are the sketch's deciles (within ε in rank of the exact ones),
 *   and each bucket share is within 2ε; `errorBound.psi` is the first-order effect
 *   of those share errors on PSI for the edges used.
 * Categorical profiles are exact unless a side folded categories into "other".
 *
 * Nothing here returns NaN: an empty side (no non-null values) gives a result with
 * `status: 'no-data'`, null scores and drifted = false, for the caller to report.
 */
import { MloError } from '../../errors.js';
import { chi2Drift } from '../stats/chi2.js';
import {
  chooseTest,
  DEFAULT_THRESHOLD,
  isDrifted,
  TEST_KINDS,
  type DriftColumnKind,
  type DriftTest,
} from '../stats/choose.js';
import { walkSorted, walkWeighted, walkWeightedUnit } from '../stats/ecdf.js';
import { jensenShannon } from '../stats/jensenshannon.js';
import { ksFromWalk, ksPvalue, type KsMethod } from '../stats/ks.js';
import { psiCategorical, psiSorted, psiWithEdges, type PsiResult } from '../stats/psi.js';
import { normalizeWasserstein } from '../stats/wasserstein.js';
import { proportionsZTest } from '../stats/ztest.js';
import type { CategoricalProfile } from './categorical.js';
import { equalWidthEdges, type NumericProfile } from './numeric.js';
import { histogramOf, quantileOf, shareAtOrBelow, shareBelow, weightedOf } from './view.js';

export interface DriftOptions {
  /** override the test Evidently's defaults would choose */
  test?: DriftTest;
  /** override the test's threshold */
  threshold?: number;
  /** bins of the numeric histogram for the report (default 20) */
  bins?: number;
  /** most categories drawn in the report's bar chart (default 20; the rest is "other") */
  maxBars?: number;
}

export interface NumericStats {
  ks_statistic: number | null;
  ks_pvalue: number | null;
  wasserstein: number | null;
  wasserstein_norm: number | null;
  psi: number | null;
}

export interface CategoricalStats {
  chi2_pvalue: number | null;
  js_distance: number | null;
  psi: number | null;
}

/** What the HTML report draws: shares per bin or per category, reference vs current. */
export type DriftChart =
  | {
      type: 'histogram';
      /** bin edges; the first and last bins also hold anything beyond them */
      edges: number[];
      reference: number[];
      current: number[];
    }
  | { type: 'bars'; labels: string[]; reference: number[]; current: number[] };

export interface CategoryShare {
  category: string;
  reference: number;
  current: number;
  /** this category's term of the PSI sum */
  psi: number;
}

interface DriftBase {
  /** 'ok', or 'no-data' when a side has no non-null values */
  status: 'ok' | 'no-data';
  /** why the status is not ok, for the report */
  message?: string;
  test: DriftTest;
  /** the deciding test's value: a p-value or a distance */
  score: number | null;
  threshold: number;
  drifted: boolean;
  referenceCount: number;
  currentCount: number;
  referenceNulls: number;
  currentNulls: number;
  /** distinct non-null values over both samples; null when above the tracking limit */
  distinctValues: number | null;
  /** true when a statistic came from a sketch rather than the values */
  approximate: boolean;
  chart: DriftChart | null;
}

export interface NumericDrift extends DriftBase {
  kind: 'numeric';
  stats: NumericStats;
  ksMethod: KsMethod | null;
  /** bounds on |approximate - exact| when `approximate` (99%) */
  errorBound: { cdf: number; ks_statistic: number; wasserstein: number; psi: number } | null;
}

export interface CategoricalDrift extends DriftBase {
  kind: 'categorical';
  stats: CategoricalStats;
  /** per category shares and PSI terms, largest |PSI term| first */
  categories: CategoryShare[];
  /** current categories the reference never had (only when the reference is exact) */
  unseen: string[];
}

export type ColumnDrift = NumericDrift | CategoricalDrift;

function resolveTest(
  kind: DriftColumnKind,
  referenceCount: number,
  distinctValues: number,
  options: DriftOptions,
): { test: DriftTest; threshold: number } {
  if (options.test !== undefined && !TEST_KINDS[options.test].includes(kind)) {
    throw new MloError('INVALID', `drift test "${options.test}" does not apply to ${kind} columns`);
  }
  const chosen = options.test
    ? { test: options.test, threshold: DEFAULT_THRESHOLD[options.test] }
    : chooseTest({ kind, referenceCount, distinctValues });
  return { test: chosen.test, threshold: options.threshold ?? chosen.threshold };
}

// ---------------------------------------------------------------- numeric

/** Drift of a numeric column. */
export function numericDrift(
  reference: NumericProfile,
  current: NumericProfile,
  options: DriftOptions = {},
): NumericDrift {
  const distinct = distinctUnion(reference, current);
  const { test, threshold } = resolveTest(
    'numeric',
    reference.count,
    distinct ?? Infinity,
    options,
  );
  const base = {
    kind: 'numeric' as const,
    test,
    threshold,
    referenceCount: reference.count,
    currentCount: current.count,
    referenceNulls: reference.nulls,
    currentNulls: current.nulls,
    distinctValues: distinct,
  };
  if (reference.count === 0 || current.count === 0) {
    return {
      ...base,
      status: 'no-data',
      message: `${reference.count === 0 ? 'reference' : 'current'} data has no non-null values`,
      score: null,
      drifted: false,
      approximate: false,
      stats: {
        ks_statistic: null,
        ks_pvalue: null,
        wasserstein: null,
        wasserstein_norm: null,
        psi: null,
      },
      ksMethod: null,
      errorBound: null,
      chart: null,
    };
  }

  const exact = reference.values !== null && current.values !== null;
  let ksStatistic: number;
  let ksP: number;
  let ksMethod: KsMethod;
  let wasserstein: number;
  let psi: PsiResult;
  if (exact) {
    const a = reference.values!;
    const b = current.values!;
    const walk = walkSorted(a, b);
    const ks = ksFromWalk(walk.maxDiff, walk.minDiff, a.length, b.length);
    ksStatistic = ks.statistic;
    ksP = ks.pvalue;
    ksMethod = ks.method;
    wasserstein = walk.area / a.length / b.length;
    psi = psiSorted(a, b);
  } else {
    const walk = current.values
      ? walkWeightedUnit(weightedOf(reference), current.values)
      : walkWeighted(weightedOf(reference), weightedOf(current));
    const ks = ksPvalue(Math.max(walk.dPlus, walk.dMinus), reference.count, current.count);
    ksStatistic = ks.statistic;
    ksP = ks.pvalue;
    ksMethod = ks.method;
    wasserstein = walk.area;
    const edges = new Float64Array(9);
    for (let i = 1; i <= 9; i++) edges[i - 1] = quantileOf(reference, i / 10);
    psi = psiWithEdges(
      edges,
      (x) => shareBelow(reference, x),
      (x) => shareBelow(current, x),
    );
  }
  const wassersteinNorm = normalizeWasserstein(wasserstein, reference.std ?? 0);
  const stats: NumericStats = {
    ks_statistic: ksStatistic,
    ks_pvalue: ksP,
    wasserstein,
    wasserstein_norm: wassersteinNorm,
    psi: psi.psi,
  };
  const score = numericScore(test, stats, reference, current, psi);
  return {
    ...base,
    status: 'ok',
    score,
    drifted: isDrifted(test, score, threshold),
    approximate: !exact,
    stats,
    ksMethod,
    errorBound: exact ? null : numericErrorBound(reference, current, psi),
    chart: numericChart(reference, current, options.bins ?? 20),
  };
}

function numericScore(
  test: DriftTest,
  stats: NumericStats,
  reference: NumericProfile,
  current: NumericProfile,
  psi: PsiResult,
): number {
  switch (test) {
    case 'ks':
      return stats.ks_pvalue!;
    case 'wasserstein':
      return stats.wasserstein_norm!;
    case 'psi':
      return stats.psi!;
    default: {
      // chi-square, z and Jensen–Shannon compare value counts; a column with too
      // many distinct values to count is compared over the PSI decile buckets
      const counts = valueCountPair(reference, current);
      const ref = counts ? counts.reference : psi.reference.map((s) => s * reference.count);
      const cur = counts ? counts.current : psi.current.map((s) => s * current.count);
      return countsScore(test, ref, cur);
    }
  }
}

function countsScore(test: DriftTest, ref: number[], cur: number[]): number {
  if (test === 'chisquare') return chi2Drift(ref, cur).pvalue;
  if (test === 'jensenshannon') return jensenShannon(ref, cur, 2);
  if (test === 'z') {
    const present = ref.map((r, i) => r + cur[i]).filter((t) => t > 0).length;
    if (present > 2) {
      throw new MloError(
        'INVALID',
        `the z-test needs at most 2 distinct values, the column has ${present}`,
      );
    }
    // the first value present is the "0" of the proportion, as Evidently orders keys
    const first = ref.findIndex((r, i) => r + cur[i] > 0);
    const nr = ref.reduce((s, v) => s + v, 0);
    const nc = cur.reduce((s, v) => s + v, 0);
    return proportionsZTest(nr - ref[first], nr, nc - cur[first], nc).pvalue;
  }
  throw new MloError('INTERNAL', `no count-based score for test ${test}`);
}

/** Value counts of both sides aligned on the union of values, when both kept them. */
function valueCountPair(
  a: NumericProfile,
  b: NumericProfile,
): { values: number[]; reference: number[]; current: number[] } | null {
  if (!a.distinct || !b.distinct) return null;
  const values = [...new Set([...a.distinct.values, ...b.distinct.values])].sort((x, y) => x - y);
  const index = new Map(values.map((v, i) => [v, i]));
  const reference = new Array<number>(values.length).fill(0);
  const current = new Array<number>(values.length).fill(0);
  a.distinct.values.forEach((v, i) => (reference[index.get(v)!] = a.distinct!.counts[i]!));
  b.distinct.values.forEach((v, i) => (current[index.get(v)!] = b.distinct!.counts[i]!));
  return { values, reference, current };
}

function distinctUnion(a: NumericProfile, b: NumericProfile): number | null {
  if (!a.distinct || !b.distinct) return null;
  return new Set([...a.distinct.values, ...b.distinct.values]).size;
}

function numericErrorBound(
  reference: NumericProfile,
  current: NumericProfile,
  psi: PsiResult,
): NonNullable<NumericDrift['errorBound']> {
  const eRef = reference.sketch ? reference.sketch.rankErrorBound() : 0;
  const eCur = current.sketch ? current.sketch.rankErrorBound() : 0;
  const range = (p: NumericProfile): number => (p.max ?? 0) - (p.min ?? 0);
  let psiBound = 0;
  for (let i = 0; i < psi.reference.length; i++) {
    const r = psi.reference[i] || 1e-4;
    const c = psi.current[i] || 1e-4;
    const dRef = Math.abs(-Math.log(c / r) - c / r + 1);
    const dCur = Math.abs(Math.log(c / r) + 1 - r / c);
    psiBound += 2 * eRef * dRef + 2 * eCur * dCur;
  }
  return {
    cdf: eRef + eCur,
    ks_statistic: eRef + eCur,
    wasserstein: eRef * range(reference) + eCur * range(current),
    psi: psiBound,
  };
}

/**
 * Bars per value for columns with few distinct values; otherwise equal-width bins
 * between the 0.5th and 99.5th percentiles of both samples, so one extreme value
 * does not squash the picture (the outer bins hold the tails).
 */
function numericChart(
  reference: NumericProfile,
  current: NumericProfile,
  bins: number,
): DriftChart {
  const counts = valueCountPair(reference, current);
  if (counts && counts.values.length <= bins) {
    return {
      type: 'bars',
      labels: counts.values.map((v) => String(v)),
      reference: counts.reference.map((c) => c / reference.count),
      current: counts.current.map((c) => c / current.count),
    };
  }
  let lo = Math.min(quantileOf(reference, 0.005), quantileOf(current, 0.005));
  let hi = Math.max(quantileOf(reference, 0.995), quantileOf(current, 0.995));
  if (!(hi > lo)) {
    lo = Math.min(reference.min!, current.min!);
    hi = Math.max(reference.max!, current.max!);
  }
  const edges = equalWidthEdges(lo, hi, bins);
  const shares = (p: NumericProfile): number[] => {
    const h = histogramOf(p, edges).counts.map((c) => c / p.count);
    // fold the tails into the outer bins
    h[0] += shareBelow(p, edges[0]);
    h[h.length - 1] += 1 - shareAtOrBelow(p, edges[edges.length - 1]);
    return h;
  };
  return { type: 'histogram', edges, reference: shares(reference), current: shares(current) };
}

// ------------------------------------------------------------ categorical

/**
 * Drift of a categorical column. Categories are aligned on the union of both
 * profiles' kept categories. If the reference folded categories into "other", a
 * current category it did not keep may be hiding there, so such current values are
 * compared against the reference's "other" instead of being called unseen.
 */
export function categoricalDrift(
  reference: CategoricalProfile,
  current: CategoricalProfile,
  options: DriftOptions = {},
): CategoricalDrift {
  const { labels, ref, cur, unseen } = alignCategories(reference, current);
  const distinct = reference.other === 0 && current.other === 0 ? labels.length : null;
  const { test, threshold } = resolveTest(
    'categorical',
    reference.count,
    distinct ?? labels.length,
    options,
  );
  const base = {
    kind: 'categorical' as const,
    test,
    threshold,
    referenceCount: reference.count,
    currentCount: current.count,
    referenceNulls: reference.nulls,
    currentNulls: current.nulls,
    distinctValues: distinct,
    approximate: distinct === null,
  };
  if (reference.count === 0 || current.count === 0) {
    return {
      ...base,
      status: 'no-data',
      message: `${reference.count === 0 ? 'reference' : 'current'} data has no non-null values`,
      score: null,
      drifted: false,
      stats: { chi2_pvalue: null, js_distance: null, psi: null },
      categories: [],
      unseen,
      chart: null,
    };
  }
  const chi2 = chi2Drift(ref, cur);
  const js = jensenShannon(ref, cur, 2);
  const psi = psiCategorical(ref, cur);
  const stats: CategoricalStats = { chi2_pvalue: chi2.pvalue, js_distance: js, psi: psi.psi };
  let score: number;
  if (test === 'chisquare') score = chi2.pvalue;
  else if (test === 'jensenshannon') score = js;
  else if (test === 'psi') score = psi.psi;
  else score = countsScore(test, ref, cur);
  const categories = labels
    .map((category, i) => ({
      category,
      reference: ref[i] / reference.count,
      current: cur[i] / current.count,
      psi: psi.terms[i],
    }))
    .sort((x, y) => Math.abs(y.psi) - Math.abs(x.psi) || (x.category < y.category ? -1 : 1));
  return {
    ...base,
    status: 'ok',
    score,
    drifted: isDrifted(test, score, threshold),
    stats,
    categories,
    unseen,
    chart: categoricalChart(
      labels,
      ref,
      cur,
      reference.count,
      current.count,
      options.maxBars ?? 20,
    ),
  };
}

/** The label used for values of categories a profile did not keep. */
export const OTHER_LABEL = '(other)';

function alignCategories(
  reference: CategoricalProfile,
  current: CategoricalProfile,
): { labels: string[]; ref: number[]; cur: number[]; unseen: string[] } {
  const labels: string[] = [];
  const ref: number[] = [];
  const cur: number[] = [];
  const index = new Map<string, number>();
  reference.categories.forEach((c, i) => {
    index.set(c, labels.length);
    labels.push(c);
    ref.push(reference.counts[i]);
    cur.push(0);
  });
  const unseen: string[] = [];
  let curOther = current.other;
  current.categories.forEach((c, i) => {
    const at = index.get(c);
    if (at !== undefined) cur[at] += current.counts[i];
    else if (reference.other > 0) curOther += current.counts[i];
    else {
      unseen.push(c);
      index.set(c, labels.length);
      labels.push(c);
      ref.push(0);
      cur.push(current.counts[i]);
    }
  });
  if (reference.other > 0 || curOther > 0) {
    labels.push(OTHER_LABEL);
    ref.push(reference.other);
    cur.push(curOther);
  }
  return { labels, ref, cur, unseen };
}

function categoricalChart(
  labels: string[],
  ref: number[],
  cur: number[],
  nRef: number,
  nCur: number,
  maxBars: number,
): DriftChart {
  const order = labels
    .map((_, i) => i)
    .filter((i) => labels[i] !== OTHER_LABEL)
    .sort(
      (a, b) => Math.max(ref[b] / nRef, cur[b] / nCur) - Math.max(ref[a] / nRef, cur[a] / nCur),
    );
  const shown = order.slice(0, maxBars);
  const shownSet = new Set(shown);
  const rest = labels.map((_, i) => i).filter((i) => !shownSet.has(i));
  const out = {
    type: 'bars' as const,
    labels: shown.map((i) => labels[i]),
    reference: shown.map((i) => ref[i] / nRef),
    current: shown.map((i) => cur[i] / nCur),
  };
  if (rest.length > 0) {
    out.labels.push(OTHER_LABEL);
    out.reference.push(rest.reduce((s, i) => s + ref[i], 0) / nRef);
    out.current.push(rest.reduce((s, i) => s + cur[i], 0) / nCur);
  }
  return out;
}

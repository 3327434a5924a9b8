/**
 * Population Stability Index, defined exactly so two tools agree:
 * - numeric: 10 buckets whose 9 inner edges are the reference's deciles (numpy's
 *   default linear quantiles at i/10, duplicates kept, so some buckets may be empty);
 *   the outer buckets are open to -inf and +inf; buckets are left-closed and
 *   right-open; categorical: one bucket per category;
 * - proportions are count / non-null count; a zero proportion becomes 1e-4;
 * - PSI = Σ (current - reference) * ln(current / reference).
 */
import { MloError } from '../../errors.js';
import { countBelow, decileEdges } from './quantile.js';

export const PSI_BUCKETS = 10;
export const PSI_ZERO = 1e-4;

export interface PsiResult {
  psi: number;
  /** the 9 inner edges (numeric) */
  edges: number[];
  reference: number[];
  current: number[];
}

/** PSI of two sorted finite samples over the reference's decile buckets. */
export function psiSorted(reference: Float64Array, current: Float64Array): PsiResult {
  if (reference.length === 0 || current.length === 0) {
    throw new MloError('INVALID', 'psi needs at least one finite value in each sample');
  }
  const edges = decileEdges(reference);
  return psiWithEdges(
    edges,
    (x) => countBelow(reference, x) / reference.length,
    (x) => countBelow(current, x) / current.length,
  );
}

/**
 * PSI over given inner edges, from each sample's "share of values below x". The
 * sketch path passes approximate shares here; the exact path passes counts.
 */
export function psiWithEdges(
  edges: ArrayLike<number>,
  refBelow: (x: number) => number,
  curBelow: (x: number) => number,
): PsiResult {
  const ref: number[] = [];
  const cur: number[] = [];
  let prevRef = 0;
  let prevCur = 0;
  for (let b = 0; b <= edges.length; b++) {
    const r = b < edges.length ? refBelow(edges[b]) : 1;
    const c = b < edges.length ? curBelow(edges[b]) : 1;
    ref.push(r - prevRef);
    cur.push(c - prevCur);
    prevRef = r;
    prevCur = c;
  }
  return {
    psi: psiFromProportions(ref, cur),
    edges: Array.from(edges),
    reference: ref,
    current: cur,
  };
}

/** Σ (c - r) ln(c / r) with zero proportions replaced by 1e-4. */
export function psiFromProportions(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
): number {
  let psi = 0;
  for (let i = 0; i < reference.length; i++) psi += psiTerm(reference[i], current[i]);
  return psi;
}

export function psiTerm(reference: number, current: number): number {
  const r = reference === 0 ? PSI_ZERO : reference;
  const c = current === 0 ? PSI_ZERO : current;
  return (c - r) * Math.log(c / r);
}

export interface CategoricalPsi {
  psi: number;
  /** each category's term of the sum, in input order */
  terms: number[];
}

/** PSI over categories: counts per category, same order on both sides. */
export function psiCategorical(
  referenceCounts: ArrayLike<number>,
  currentCounts: ArrayLike<number>,
): CategoricalPsi {
  let nr = 0;
  let nc = 0;
  for (let i = 0; i < referenceCounts.length; i++) {
    nr += referenceCounts[i];
    nc += currentCounts[i];
  }
  if (!(nr > 0) || !(nc > 0))
    throw new MloError('INVALID', 'psi needs at least one value in each sample');
  const terms: number[] = [];
  let psi = 0;
  for (let i = 0; i < referenceCounts.length; i++) {
    const t = psiTerm(referenceCounts[i] / nr, currentCounts[i] / nc);
    terms.push(t);
    psi += t;
  }
  return { psi, terms };
}

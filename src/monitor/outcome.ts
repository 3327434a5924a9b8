/**
 * One column's comparison, as a plain object that crosses a worker boundary: the
 * drift result (or the error that stopped it) and both sides' summaries. The main
 * thread and the profile worker compute it the same way.
 */
import { isMloError, type MloErrorCode } from '../errors.js';
import { psiCategorical } from './stats/index.js';
import {
  categoricalDrift,
  numericDrift,
  quantileOf,
  type ColumnDrift,
  type ColumnProfile,
  type DriftOptions,
} from './profile/index.js';
import type { SideSummary } from './report.js';

export interface ColumnOutcome {
  drift: ColumnDrift | null;
  /** the PSI severity is read from (see report.ts); null when not checked */
  severityPsi: number | null;
  /** the test could not score this column (an override that does not fit its data) */
  error: { code: MloErrorCode; message: string } | null;
  current: { count: number; nulls: number; summary: SideSummary };
}

export function computeOutcome(
  reference: ColumnProfile,
  current: ColumnProfile,
  options: DriftOptions,
): ColumnOutcome {
  const side = { count: current.count, nulls: current.nulls, summary: summaryOf(current) };
  const failed = (code: MloErrorCode, message: string): ColumnOutcome => ({
    drift: null,
    severityPsi: null,
    error: { code, message },
    current: side,
  });
  try {
    let drift: ColumnDrift;
    if (reference.kind === 'numeric' && current.kind === 'numeric') {
      drift = numericDrift(reference, current, options);
    } else if (reference.kind === 'categorical' && current.kind === 'categorical') {
      drift = categoricalDrift(reference, current, options);
    } else {
      return failed('INTERNAL', 'reference and current profiles differ in kind');
    }
    const severityPsi = severityPsiOf(drift, reference, current);
    return { drift, severityPsi, error: null, current: side };
  } catch (err) {
    if (!isMloError(err)) throw err;
    return failed(err.code, err.message);
  }
}

const COUNT_TESTS = new Set(['chisquare', 'z', 'jensenshannon']);

/**
 * The decile PSI cannot see a shift between a few discrete values (every decile edge
 * may be the same value), so a numeric column whose test compared value counts is
 * graded by the PSI over those values, as a categorical column would be.
 */
function severityPsiOf(
  drift: ColumnDrift,
  reference: ColumnProfile,
  current: ColumnProfile,
): number | null {
  if (drift.status !== 'ok') return null;
  if (
    drift.kind === 'numeric' &&
    COUNT_TESTS.has(drift.test) &&
    reference.kind === 'numeric' &&
    current.kind === 'numeric' &&
    reference.distinct &&
    current.distinct
  ) {
    const index = new Map<number, number>();
    for (const v of reference.distinct.values) if (!index.has(v)) index.set(v, index.size);
    for (const v of current.distinct.values) if (!index.has(v)) index.set(v, index.size);
    const ref = new Array<number>(index.size).fill(0);
    const cur = new Array<number>(index.size).fill(0);
    const r = reference.distinct;
    const c = current.distinct;
    r.values.forEach((v, i) => (ref[index.get(v)!] += r.counts[i]));
    c.values.forEach((v, i) => (cur[index.get(v)!] += c.counts[i]));
    return psiCategorical(ref, cur).psi;
  }
  return drift.stats.psi;
}

export function finiteOrNull(x: number | null | undefined): number | null {
  return x !== null && x !== undefined && Number.isFinite(x) ? x : null;
}

export function summaryOf(p: ColumnProfile): SideSummary {
  if (p.kind === 'categorical') return { distinct: p.distinctCount };
  return {
    mean: finiteOrNull(p.mean),
    std: finiteOrNull(p.std),
    min: finiteOrNull(p.min),
    median: p.count > 0 ? finiteOrNull(quantileOf(p, 0.5)) : null,
    max: finiteOrNull(p.max),
    distinct: p.distinct ? p.distinct.values.length : null,
  };
}

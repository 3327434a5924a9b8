/**
 * One column's comparison, as a plain object that crosses a worker boundary: the
 * drift result (or the error that stopped it) and both sides' summaries. The main
 * thread and the profile worker compute it the same way.
 */
import { isMloError, type MloErrorCode } from '../errors.js';
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
  try {
    let drift: ColumnDrift;
    if (reference.kind === 'numeric' && current.kind === 'numeric') {
      drift = numericDrift(reference, current, options);
    } else if (reference.kind === 'categorical' && current.kind === 'categorical') {
      drift = categoricalDrift(reference, current, options);
    } else {
      return {
        drift: null,
        error: { code: 'INTERNAL', message: 'profile kinds differ' },
        current: side,
      };
    }
    return { drift, error: null, current: side };
  } catch (err) {
    if (!isMloError(err)) throw err;
    return { drift: null, error: { code: err.code, message: err.message }, current: side };
  }
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

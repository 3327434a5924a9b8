/**
 * Pearson's chi-square test of independence on a contingency table, as
 * scipy.stats.chi2_contingency(observed) computes it with its defaults
 * (correction=True, lambda_=None): expected = row sum * column sum / total,
 * dof = (rows-1)(cols-1), Yates' continuity correction when dof == 1 (each cell moved
 * toward its expectation by at most 0.5), and p = chi2.sf(statistic, dof).
 *
 * For drift the table has two rows, reference and current, and one column per
 * category; columns that are zero in both rows carry no information and are
 * dropped first (scipy would refuse the table: a zero expected frequency).
 */
import { MloError } from '../../errors.js';
import { chi2Sf } from './gamma.js';

export interface Chi2Result {
  statistic: number;
  pvalue: number;
  dof: number;
}

/** chi2_contingency on a table given as rows of non-negative counts. */
export function chi2Contingency(observed: readonly (readonly number[])[]): Chi2Result {
  const rows = observed.length;
  const cols = rows > 0 ? observed[0].length : 0;
  if (rows === 0 || cols === 0)
    throw new MloError('INVALID', 'chi2_contingency: the table is empty');
  const rowSums = new Float64Array(rows);
  const colSums = new Float64Array(cols);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const row = observed[r];
    if (row.length !== cols)
      throw new MloError('INVALID', 'chi2_contingency: rows differ in length');
    for (let c = 0; c < cols; c++) {
      const v = row[c];
      if (!(v >= 0)) throw new MloError('INVALID', 'chi2_contingency: counts must be non-negative');
      rowSums[r] += v;
      colSums[c] += v;
      total += v;
    }
  }
  for (let r = 0; r < rows; r++) {
    if (rowSums[r] === 0) throw new MloError('INVALID', `chi2_contingency: row ${r} has no counts`);
  }
  for (let c = 0; c < cols; c++) {
    if (colSums[c] === 0)
      throw new MloError('INVALID', `chi2_contingency: column ${c} has no counts`);
  }
  const dof = rows * cols - rows - cols + 1;
  if (dof === 0) return { statistic: 0, pvalue: 1, dof: 0 };
  let statistic = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const expected = (rowSums[r] * colSums[c]) / total;
      let obs = observed[r][c];
      if (dof === 1) {
        const diff = expected - obs;
        obs += Math.sign(diff) * Math.min(0.5, Math.abs(diff));
      }
      const d = obs - expected;
      statistic += (d * d) / expected;
    }
  }
  return { statistic, pvalue: chi2Sf(statistic, dof), dof };
}

/**
 * The drift form: reference and current counts per category (same order), with
 * categories absent from both dropped. One category left means nothing to test
 * (dof 0, p = 1, as scipy returns for a single-column table).
 */
export function chi2Drift(reference: ArrayLike<number>, current: ArrayLike<number>): Chi2Result {
  const ref: number[] = [];
  const cur: number[] = [];
  for (let i = 0; i < reference.length; i++) {
    const a = reference[i];
    const b = current[i];
    if (a + b > 0) {
      ref.push(a);
      cur.push(b);
    }
  }
  return chi2Contingency([ref, cur]);
}

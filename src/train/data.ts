/** Training inputs: feature rows to a dense matrix, labels to class indices, with checks. */
import { MloError } from '../errors.js';

/** Feature rows: `number[][]`, or an array of typed-array rows. */
export type Features = readonly ArrayLike<number>[];
export type Label = number | string;

export interface Dense {
  /** row-major nRows × nFeatures */
  data: Float64Array;
  nRows: number;
  nFeatures: number;
}

export function toDense(X: Features, options: { allowNaN?: boolean } = {}): Dense {
  const nRows = X.length;
  if (nRows === 0) throw new MloError('INVALID', 'no training rows');
  const nFeatures = X[0].length;
  if (nFeatures === 0) throw new MloError('INVALID', 'training rows have no features');
  const data = new Float64Array(nRows * nFeatures);
  for (let i = 0; i < nRows; i++) {
    const row = X[i];
    if (row.length !== nFeatures) {
      throw new MloError('INVALID', `row ${i} has ${row.length} features, expected ${nFeatures}`);
    }
    for (let j = 0; j < nFeatures; j++) {
      const v = row[j];
      if (!Number.isFinite(v) && !(options.allowNaN && Number.isNaN(v))) {
        throw new MloError('INVALID', `row ${i}, feature ${j}: ${v} is not a finite number`, {
          hint: options.allowNaN ? undefined : 'impute missing values before training this model',
        });
      }
      data[i * nFeatures + j] = v;
    }
  }
  return { data, nRows, nFeatures };
}

/** Classes in sorted order (as scikit-learn orders `classes_`) and each row's class index. */
export function encodeLabels(
  y: readonly Label[],
  nRows: number,
): { classes: Label[]; index: Int32Array } {
  if (y.length !== nRows) {
    throw new MloError('INVALID', `${y.length} labels for ${nRows} rows`);
  }
  const kinds = new Set(y.map((v) => typeof v));
  if (kinds.size > 1) throw new MloError('INVALID', 'labels mix numbers and strings');
  for (let i = 0; i < y.length; i++) {
    if (typeof y[i] === 'number' && !Number.isSafeInteger(y[i])) {
      throw new MloError('INVALID', `label ${i}: ${y[i]} is not an integer class label`);
    }
  }
  const classes = [...new Set(y)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (classes.length < 2) {
    throw new MloError('INVALID', `need at least two classes, found ${classes.length}`);
  }
  const pos = new Map(classes.map((c, i) => [c, i]));
  const index = Int32Array.from(y, (v) => pos.get(v) ?? 0);
  return { classes, index };
}

export function checkTargets(y: readonly number[], nRows: number): Float64Array {
  if (y.length !== nRows) throw new MloError('INVALID', `${y.length} targets for ${nRows} rows`);
  return Float64Array.from(y, (v, i) => {
    if (!Number.isFinite(v))
      throw new MloError('INVALID', `target ${i}: ${v} is not a finite number`);
    return v;
  });
}

/** Per-feature mean and standard deviation (1 for constant features, so they stay put). */
export function standardization(d: Dense): { mean: number[]; scale: number[] } {
  const { data, nRows, nFeatures } = d;
  const mean = new Array<number>(nFeatures).fill(0);
  const scale = new Array<number>(nFeatures).fill(0);
  for (let j = 0; j < nFeatures; j++) {
    let s = 0;
    for (let i = 0; i < nRows; i++) s += data[i * nFeatures + j];
    const m = s / nRows;
    let v = 0;
    for (let i = 0; i < nRows; i++) v += (data[i * nFeatures + j] - m) ** 2;
    const sd = Math.sqrt(v / nRows);
    mean[j] = m;
    scale[j] = sd > 1e-12 ? sd : 1;
  }
  return { mean, scale };
}

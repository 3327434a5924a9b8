/**
 * Linear regression (ridge when l2 > 0), solved exactly: normal equations on
 * standardised features by Cholesky, with the scaling folded back into the weights.
 */
import { MloError } from '../errors.js';
import { checkTargets, standardization, toDense, type Features } from './data.js';

export interface LinearRegressionOptions {
  /** L2 strength on standardised coefficients, relative to the mean squared error (default 0) */
  l2?: number;
  featureNames?: readonly string[];
}

export interface LinearRegressionModel {
  kind: 'linear';
  /** raw-feature-space weights */
  coefficients: number[];
  intercept: number;
  nFeatures: number;
  featureNames: string[] | null;
  standardization: { mean: number[]; scale: number[] };
  /** mean squared error on the training rows */
  trainMse: number;
}

export function trainLinearRegression(
  X: Features,
  y: readonly number[],
  options: LinearRegressionOptions = {},
): LinearRegressionModel {
  const d = toDense(X);
  const t = checkTargets(y, d.nRows);
  const { nRows: n, nFeatures: F, data } = d;
  const { mean, scale } = standardization(d);
  const yMean = t.reduce((a, b) => a + b, 0) / n;

  // A = Z'Z / n + (l2 + ε) I, r = Z'(y - ȳ) / n. ε keeps constant features (all-zero
  // standardised columns) from making A singular; their weight comes out 0.
  const A = new Float64Array(F * F);
  const r = new Float64Array(F);
  const z = new Float64Array(F);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < F; j++) z[j] = (data[i * F + j] - mean[j]) / scale[j];
    const yc = t[i] - yMean;
    for (let j = 0; j < F; j++) {
      r[j] += z[j] * yc;
      for (let k = 0; k <= j; k++) A[j * F + k] += z[j] * z[k];
    }
  }
  const ridge = (options.l2 ?? 0) + 1e-10;
  for (let j = 0; j < F; j++) {
    r[j] /= n;
    for (let k = 0; k <= j; k++) {
      A[j * F + k] /= n;
      A[k * F + j] = A[j * F + k];
    }
    A[j * F + j] += ridge;
  }
  const wStd = solveCholesky(A, r, F);
  const coefficients = Array.from(wStd, (w, j) => w / scale[j]);
  const intercept = yMean - coefficients.reduce((s, w, j) => s + w * mean[j], 0);

  let sse = 0;
  for (let i = 0; i < n; i++) {
    let p = intercept;
    for (let j = 0; j < F; j++) p += coefficients[j] * data[i * F + j];
    sse += (t[i] - p) ** 2;
  }
  return {
    kind: 'linear',
    coefficients,
    intercept,
    nFeatures: F,
    featureNames: options.featureNames ? [...options.featureNames] : null,
    standardization: { mean, scale },
    trainMse: sse / n,
  };
}

export function predictLinear(model: LinearRegressionModel, X: Features): number[] {
  const d = toDense(X);
  const F = model.nFeatures;
  return Array.from({ length: d.nRows }, (_, i) => {
    let p = model.intercept;
    for (let j = 0; j < F; j++) p += model.coefficients[j] * d.data[i * F + j];
    return p;
  });
}

/** Solve A x = b for symmetric positive definite A (n × n, row-major). */
function solveCholesky(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (s <= 0) throw new MloError('INVALID', 'features are collinear; add l2 regularisation');
        L[i * n + i] = Math.sqrt(s);
      } else {
        L[i * n + j] = s / L[j * n + j];
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/**
 * Logistic regression: binary (sigmoid) or multinomial (softmax), L2-penalised,
 * fitted by L-BFGS on standardised features. The standardisation is folded back into
 * the coefficients, so the exported model takes raw features and needs no scaler.
 */
import {
  encodeLabels,
  standardization,
  toDense,
  type Dense,
  type Features,
  type Label,
} from './data.js';
import { minimize } from './lbfgs.js';

export interface LogisticOptions {
  /**
   * L2 strength on the mean log-loss, applied to standardised coefficients
   * (default 1 / nRows, which matches scikit-learn's C = 1 on standardised data)
   */
  l2?: number;
  /** weight classes inversely to their frequency, like scikit-learn's class_weight='balanced' */
  classWeight?: 'balanced';
  maxIterations?: number;
  featureNames?: readonly string[];
}

export interface LogisticModel {
  kind: 'logistic';
  /** sorted; probability columns follow this order */
  classes: Label[];
  /** raw-feature-space weights: one row for binary (positive = classes[1]), else one per class */
  coefficients: number[][];
  intercepts: number[];
  nFeatures: number;
  featureNames: string[] | null;
  /** the scaling the fit used, already folded into coefficients (kept for the record) */
  standardization: { mean: number[]; scale: number[] };
  iterations: number;
  converged: boolean;
  /** final penalised mean log-loss */
  loss: number;
}

export function trainLogisticRegression(
  X: Features,
  y: readonly Label[],
  options: LogisticOptions = {},
): LogisticModel {
  const d = toDense(X);
  const { classes, index } = encodeLabels(y, d.nRows);
  const { mean, scale } = standardization(d);
  const Z = standardize(d, mean, scale);
  const K = classes.length === 2 ? 1 : classes.length;
  const F = d.nFeatures;
  const n = d.nRows;
  const l2 = options.l2 ?? 1 / n;
  const sw = sampleWeights(index, classes.length, options.classWeight);

  const objective =
    K === 1 ? binaryObjective(Z, F, index, sw, l2) : softmaxObjective(Z, F, K, index, sw, l2);
  const result = minimize(objective, new Float64Array(K * (F + 1)), {
    maxIterations: options.maxIterations ?? 1000,
  });

  // Fold x' = (x - mean) / scale into the weights: w = w' / scale, b = b' - Σ w·mean.
  const coefficients: number[][] = [];
  const intercepts: number[] = [];
  for (let k = 0; k < K; k++) {
    const w = Array.from({ length: F }, (_, j) => result.x[k * F + j] / scale[j]);
    coefficients.push(w);
    intercepts.push(result.x[K * F + k] - w.reduce((s, wj, j) => s + wj * mean[j], 0));
  }
  return {
    kind: 'logistic',
    classes,
    coefficients,
    intercepts,
    nFeatures: F,
    featureNames: options.featureNames ? [...options.featureNames] : null,
    standardization: { mean, scale },
    iterations: result.iterations,
    converged: result.converged,
    loss: result.value,
  };
}

/** Class probabilities per row, in `model.classes` order. */
export function predictLogisticProba(model: LogisticModel, X: Features): number[][] {
  const d = toDense(X);
  const F = model.nFeatures;
  const out: number[][] = [];
  for (let i = 0; i < d.nRows; i++) {
    const z = model.coefficients.map((w, k) => {
      let s = model.intercepts[k];
      for (let j = 0; j < F; j++) s += w[j] * d.data[i * F + j];
      return s;
    });
    if (z.length === 1) {
      const p = sigmoid(z[0]);
      out.push([1 - p, p]);
    } else {
      out.push(softmax(z));
    }
  }
  return out;
}

function standardize(d: Dense, mean: number[], scale: number[]): Float64Array {
  const Z = new Float64Array(d.data.length);
  for (let i = 0; i < d.nRows; i++) {
    for (let j = 0; j < d.nFeatures; j++) {
      const k = i * d.nFeatures + j;
      Z[k] = (d.data[k] - mean[j]) / scale[j];
    }
  }
  return Z;
}

/** Per-row weights normalised to mean 1, so `l2` means the same with or without them. */
function sampleWeights(
  index: Int32Array,
  nClasses: number,
  mode: 'balanced' | undefined,
): Float64Array {
  const n = index.length;
  if (mode !== 'balanced') return new Float64Array(n).fill(1);
  const counts = new Array<number>(nClasses).fill(0);
  for (const c of index) counts[c]++;
  return Float64Array.from(index, (c) => n / (nClasses * counts[c]));
}

function binaryObjective(
  Z: Float64Array,
  F: number,
  index: Int32Array,
  sw: Float64Array,
  l2: number,
) {
  const n = index.length;
  return (x: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    const b = x[F];
    for (let i = 0; i < n; i++) {
      let z = b;
      const off = i * F;
      for (let j = 0; j < F; j++) z += x[j] * Z[off + j];
      const yi = index[i];
      // log(1 + e^z) - y·z, computed without overflow
      loss += sw[i] * (softplus(z) - yi * z);
      const r = (sw[i] * (sigmoid(z) - yi)) / n;
      for (let j = 0; j < F; j++) grad[j] += r * Z[off + j];
      grad[F] += r;
    }
    let penalty = 0;
    for (let j = 0; j < F; j++) {
      penalty += x[j] * x[j];
      grad[j] += l2 * x[j];
    }
    return loss / n + 0.5 * l2 * penalty;
  };
}

function softmaxObjective(
  Z: Float64Array,
  F: number,
  K: number,
  index: Int32Array,
  sw: Float64Array,
  l2: number,
) {
  const n = index.length;
  const z = new Float64Array(K);
  return (x: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const off = i * F;
      let max = -Infinity;
      for (let k = 0; k < K; k++) {
        let s = x[K * F + k];
        for (let j = 0; j < F; j++) s += x[k * F + j] * Z[off + j];
        z[k] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let k = 0; k < K; k++) sum += Math.exp(z[k] - max);
      const lse = max + Math.log(sum);
      loss += sw[i] * (lse - z[index[i]]);
      for (let k = 0; k < K; k++) {
        const r = (sw[i] * (Math.exp(z[k] - lse) - (index[i] === k ? 1 : 0))) / n;
        for (let j = 0; j < F; j++) grad[k * F + j] += r * Z[off + j];
        grad[K * F + k] += r;
      }
    }
    let penalty = 0;
    for (let j = 0; j < K * F; j++) {
      penalty += x[j] * x[j];
      grad[j] += l2 * x[j];
    }
    return loss / n + 0.5 * l2 * penalty;
  };
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export function softmax(z: readonly number[]): number[] {
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

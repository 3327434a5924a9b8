/**
 * Seeded synthetic data sets for tests, examples and benches: nothing is downloaded,
 * and the same seed gives the same rows everywhere.
 */
import { MloError } from '../errors.js';
import { softmax } from './logistic.js';
import { createRng } from './rng.js';

export interface SyntheticClassificationOptions {
  nRows: number;
  nFeatures: number;
  /** default 2 */
  nClasses?: number;
  seed?: number;
  /**
   * How separable the classes are: labels are drawn from softmax(sep · W·x), so
   * larger is cleaner (default 3).
   */
  separation?: number;
}

export interface SyntheticData<Y> {
  X: number[][];
  y: Y[];
  /** the generating weights (one row per class) and intercepts */
  weights: number[][];
  intercepts: number[];
}

/** Features ~ N(0, 1) scaled per column; labels from a random linear softmax model. */
export function makeClassification(options: SyntheticClassificationOptions): SyntheticData<number> {
  const { nRows, nFeatures } = options;
  const K = options.nClasses ?? 2;
  if (K < 2) throw new MloError('USAGE', 'nClasses must be at least 2');
  const rng = createRng(options.seed ?? 0);
  const sep = options.separation ?? 3;
  const colScale = Array.from({ length: nFeatures }, () => 0.5 + 4 * rng.next());
  const colShift = Array.from({ length: nFeatures }, () => 10 * rng.normal());
  const weights = Array.from({ length: K }, () =>
    Array.from({ length: nFeatures }, () => rng.normal()),
  );
  const intercepts = Array.from({ length: K }, () => 0.5 * rng.normal());
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < nRows; i++) {
    const z = Array.from({ length: nFeatures }, () => rng.normal());
    const p = softmax(
      weights.map((w, k) => sep * (intercepts[k] + w.reduce((s, wj, j) => s + wj * z[j], 0))),
    );
    let u = rng.next();
    let label = K - 1;
    for (let k = 0; k < K; k++) {
      if (u < p[k]) {
        label = k;
        break;
      }
      u -= p[k];
    }
    // Real features are neither centred nor unit-scaled: the trainers must cope.
    X.push(z.map((v, j) => v * colScale[j] + colShift[j]));
    y.push(label);
  }
  return { X, y, weights, intercepts };
}

export interface SyntheticRegressionOptions {
  nRows: number;
  nFeatures: number;
  seed?: number;
  /** standard deviation of the added noise (default 0.1) */
  noise?: number;
}

/** y = w·x + b + noise with x ~ N(shift, scale²) per column. */
export function makeRegression(options: SyntheticRegressionOptions): SyntheticData<number> {
  const { nRows, nFeatures } = options;
  const rng = createRng(options.seed ?? 0);
  const w = Array.from({ length: nFeatures }, () => 2 * rng.normal());
  const b = 5 * rng.normal();
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < nRows; i++) {
    const x = Array.from({ length: nFeatures }, () => rng.normal() * 3 + 1);
    X.push(x);
    y.push(b + w.reduce((s, wj, j) => s + wj * x[j], 0) + (options.noise ?? 0.1) * rng.normal());
  }
  return { X, y, weights: [w], intercepts: [b] };
}

import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import {
  exportOnnx,
  makeRegression,
  predictValues,
  trainLinearRegression,
} from '../../../src/train/index.js';
import { asFloat32Rows, maxAbsDiff, runExported } from './helpers.js';

describe('trainLinearRegression', () => {
  const data = makeRegression({ nRows: 1500, nFeatures: 5, seed: 7, noise: 0.05 });
  const X = asFloat32Rows(data.X);

  it('recovers the generating weights; both exports reproduce its predictions', async () => {
    const model = trainLinearRegression(X, data.y);
    model.coefficients.forEach((w, j) => expect(w).toBeCloseTo(data.weights[0][j], 2));
    expect(model.intercept).toBeCloseTo(data.intercepts[0], 1);
    expect(model.trainMse).toBeLessThan(0.05 ** 2 * 1.2);

    const expected = predictValues(model, X);
    const scale = Math.max(...expected.map(Math.abs));
    for (const standardize of ['fold', 'scaler'] as const) {
      const out = await runExported(await exportOnnx(model, { standardize }), X);
      expect(out.task).toBe('regression');
      expect(maxAbsDiff(out.values!, expected) / scale).toBeLessThan(1e-6);
    }
  });

  it('the residuals are orthogonal to every feature (normal equations hold)', () => {
    const model = trainLinearRegression(X, data.y);
    const resid = X.map(
      (x, i) =>
        data.y[i] - model.intercept - x.reduce((s, v, j) => s + v * model.coefficients[j], 0),
    );
    expect(Math.abs(resid.reduce((a, b) => a + b, 0) / resid.length)).toBeLessThan(1e-8);
    for (let j = 0; j < 5; j++) {
      const c = X.reduce((s, x, i) => s + x[j] * resid[i], 0) / X.length;
      expect(Math.abs(c)).toBeLessThan(1e-7);
    }
  });

  it('l2 shrinks the coefficients; a constant feature gets weight 0', () => {
    const plain = trainLinearRegression(X, data.y);
    const ridge = trainLinearRegression(X, data.y, { l2: 1 });
    const norm = (w: number[]): number => Math.hypot(...w);
    expect(norm(ridge.coefficients)).toBeLessThan(norm(plain.coefficients) * 0.8);
    const withConstant = trainLinearRegression(
      X.map((x) => [...x, 3]),
      data.y,
    );
    expect(withConstant.coefficients[5]).toBe(0);
  });

  it('refuses mismatched targets', () => {
    expect(() => trainLinearRegression(X, data.y.slice(1))).toThrow(MloError);
    expect(() => trainLinearRegression(X, data.y.slice(1))).toThrow('1499 targets for 1500 rows');
  });
});

import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import { readSignature } from '../../../src/onnx/index.js';
import {
  exportOnnx,
  makeClassification,
  predictLabels,
  predictProba,
  trainLogisticRegression,
} from '../../../src/train/index.js';
import { accuracy, asFloat32Rows, maxAbsDiff, runExported } from './helpers.js';

function split(nClasses: number, seed: number) {
  const { X, y } = makeClassification({ nRows: 3000, nFeatures: 6, nClasses, seed });
  const rows = asFloat32Rows(X);
  return {
    train: rows.slice(0, 2000),
    yTrain: y.slice(0, 2000),
    test: rows.slice(2000),
    yTest: y.slice(2000),
  };
}

describe('trainLogisticRegression', () => {
  it('binary: accurate on held-out rows; the ONNX export reproduces its probabilities', async () => {
    const { train, yTrain, test, yTest } = split(2, 1);
    const model = trainLogisticRegression(train, yTrain, {
      featureNames: ['a', 'b', 'c', 'd', 'e', 'f'],
    });
    expect(model.converged).toBe(true);
    expect(model.coefficients).toHaveLength(1);
    expect(accuracy(predictLabels(model, test), yTest)).toBeGreaterThan(0.93);

    const bytes = await exportOnnx(model);
    const out = await runExported(bytes, test);
    expect(maxAbsDiff(out.probabilities!, predictProba(model, test).flat())).toBeLessThan(1e-5);
    expect(out.labels).toEqual(predictLabels(model, test));
    const sig = await readSignature(bytes, { verify: false });
    expect(sig.metadata['mlo.feature_names']).toBe('["a","b","c","d","e","f"]');
  });

  it('the fit is the optimum: the penalised log-loss gradient vanishes', () => {
    const { train, yTrain } = split(2, 2);
    const l2 = 0.01;
    const m = trainLogisticRegression(train, yTrain, { l2 });
    // Gradient in standardised space, recomputed here from the raw-space coefficients.
    const { mean, scale } = m.standardization;
    const F = train[0].length;
    const wStd = m.coefficients[0].map((w, j) => w * scale[j]);
    const grad = new Array<number>(F + 1).fill(0);
    train.forEach((x, i) => {
      const z = m.intercepts[0] + x.reduce((s, v, j) => s + v * m.coefficients[0][j], 0);
      const r = (1 / (1 + Math.exp(-z)) - yTrain[i]) / train.length;
      for (let j = 0; j < F; j++) grad[j] += (r * (x[j] - mean[j])) / scale[j];
      grad[F] += r;
    });
    for (let j = 0; j < F; j++) grad[j] += l2 * wStd[j];
    expect(Math.max(...grad.map(Math.abs))).toBeLessThan(1e-5);
  });

  it('multinomial with string labels: classes sorted, export matches', async () => {
    const { train, yTrain, test, yTest } = split(3, 3);
    const names = ['gold', 'bronze', 'silver'];
    const model = trainLogisticRegression(
      train,
      yTrain.map((c) => names[c]),
    );
    expect(model.classes).toEqual(['bronze', 'gold', 'silver']);
    expect(
      accuracy(
        predictLabels(model, test),
        yTest.map((c) => names[c]),
      ),
    ).toBeGreaterThan(0.85);
    const expected = predictProba(model, test).flat();
    const scaled = await runExported(await exportOnnx(model, { standardize: 'scaler' }), test);
    expect(scaled.classLabels).toEqual(['bronze', 'gold', 'silver']);
    expect(maxAbsDiff(scaled.probabilities!, expected)).toBeLessThan(1e-5);
    expect(scaled.labels).toEqual(predictLabels(model, test));
    // This data set's folded intercepts reach ~240: float32 scores then carry ~1e-5 of
    // rounding, which is why the Scaler export exists.
    const folded = await runExported(await exportOnnx(model), test);
    expect(Math.max(...model.intercepts.map(Math.abs))).toBeGreaterThan(100);
    expect(maxAbsDiff(folded.probabilities!, expected)).toBeLessThan(5e-5);
  });

  it('balanced class weights predict the rare class more often', () => {
    const { X, y } = makeClassification({ nRows: 2000, nFeatures: 4, seed: 4, separation: 0.7 });
    // Keep one positive in five to make the classes unequal.
    const keep = y.map((c, i) => c === 0 || i % 5 === 0);
    const Xs = X.filter((_, i) => keep[i]);
    const ys = y.filter((_, i) => keep[i]);
    const plain = predictLabels(trainLogisticRegression(Xs, ys), Xs).filter((c) => c === 1).length;
    const balanced = predictLabels(
      trainLogisticRegression(Xs, ys, { classWeight: 'balanced' }),
      Xs,
    ).filter((c) => c === 1).length;
    expect(balanced).toBeGreaterThan(plain * 1.5);
  });

  it('is deterministic', () => {
    const { train, yTrain } = split(3, 5);
    expect(trainLogisticRegression(train, yTrain)).toEqual(trainLogisticRegression(train, yTrain));
  });

  it('names the bad cell, and refuses a single class', () => {
    const bad = (fn: () => unknown): MloError => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(MloError);
        return e as MloError;
      }
      throw new Error('did not throw');
    };
    expect(
      bad(() =>
        trainLogisticRegression(
          [
            [1, 2],
            [3, NaN],
          ],
          [0, 1],
        ),
      ).message,
    ).toBe('row 1, feature 1: NaN is not a finite number');
    expect(bad(() => trainLogisticRegression([[1], [2]], [1, 1])).message).toBe(
      'need at least two classes, found 1',
    );
    expect(bad(() => trainLogisticRegression([[1], [2]], [1])).code).toBe('INVALID');
  });
});

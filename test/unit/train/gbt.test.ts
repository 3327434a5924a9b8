import { describe, expect, it } from 'vitest';
import { readSignature } from '../../../src/onnx/index.js';
import {
  createRng,
  exportOnnx,
  gbtScores,
  makeClassification,
  predictLabels,
  predictProba,
  predictValues,
  trainGradientBoostingClassifier,
  trainGradientBoostingRegressor,
  trainLogisticRegression,
} from '../../../src/train/index.js';
import { accuracy, asFloat32Rows, maxAbsDiff, runExported } from './helpers.js';

/** Two informative features in an XOR pattern plus noise columns: no linear model fits it. */
function xorData(n: number, seed: number, missingRate = 0) {
  const rng = createRng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = [rng.normal(), rng.normal(), rng.normal(), rng.next() * 100];
    let label = x[0] > 0 !== x[1] > 0.5 ? 1 : 0;
    if (rng.next() < missingRate) {
      // a missing first feature means "positive" in this world
      x[0] = NaN;
      label = 1;
    }
    X.push(x.map(Math.fround));
    y.push(label);
  }
  return { X, y };
}

describe('gradient-boosted trees', () => {
  it('binary: learns XOR that logistic regression cannot; export reproduces its probabilities', async () => {
    const { X, y } = xorData(2000, 1);
    const [train, yTrain, test, yTest] = [
      X.slice(0, 1500),
      y.slice(0, 1500),
      X.slice(1500),
      y.slice(1500),
    ];
    const linear = trainLogisticRegression(train, yTrain);
    expect(accuracy(predictLabels(linear, test), yTest)).toBeLessThan(0.7);

    const model = trainGradientBoostingClassifier(train, yTrain, { nRounds: 60, maxDepth: 3 });
    expect(model.trees).toHaveLength(60);
    expect(accuracy(predictLabels(model, test), yTest)).toBeGreaterThan(0.93);

    const bytes = await exportOnnx(model);
    const out = await runExported(bytes, test);
    expect(maxAbsDiff(out.probabilities!, predictProba(model, test).flat())).toBeLessThan(1e-5);
    expect(out.labels).toEqual(predictLabels(model, test));
    const sig = await readSignature(bytes, { verify: false });
    expect(sig.classLabels).toEqual([0, 1]);
  });

  it('respects maxDepth and minSamplesLeaf', () => {
    const { X, y } = xorData(500, 2);
    const model = trainGradientBoostingClassifier(X, y, {
      nRounds: 5,
      maxDepth: 2,
      minSamplesLeaf: 40,
    });
    for (const tree of model.trees) {
      const depthOf = (i: number): number => {
        const n = tree.nodes[i];
        return 'value' in n ? 0 : 1 + Math.max(depthOf(n.left), depthOf(n.right));
      };
      expect(depthOf(0)).toBeLessThanOrEqual(2);
      // every leaf holds at least 40 training rows
      const counts = new Map<number, number>();
      for (const x of X) {
        let i = 0;
        for (;;) {
          const n = tree.nodes[i];
          if ('value' in n) break;
          i = (Number.isNaN(x[n.feature]) ? n.missingGoesLeft : x[n.feature] <= n.threshold)
            ? n.left
            : n.right;
        }
        counts.set(i, (counts.get(i) ?? 0) + 1);
      }
      for (const c of counts.values()) expect(c).toBeGreaterThanOrEqual(40);
    }
  });

  it('learns where missing values go, and the export sends them the same way', async () => {
    const { X, y } = xorData(2000, 3, 0.15);
    const model = trainGradientBoostingClassifier(X, y, { nRounds: 40 });
    const missing = X.map((x, i) => [x, i] as const).filter(([x]) => Number.isNaN(x[0]));
    expect(missing.length).toBeGreaterThan(200);
    const missRows = missing.map(([x]) => x);
    expect(
      accuracy(
        predictLabels(model, missRows),
        missing.map(([, i]) => y[i]),
      ),
    ).toBeGreaterThan(0.97);
    const out = await runExported(await exportOnnx(model), missRows);
    expect(maxAbsDiff(out.probabilities!, predictProba(model, missRows).flat())).toBeLessThan(1e-5);
  });

  it('multiclass: softmax over one tree per class per round', async () => {
    const { X, y } = makeClassification({ nRows: 1500, nFeatures: 5, nClasses: 3, seed: 4 });
    const rows = asFloat32Rows(X);
    const labels = y.map((c) => ['a', 'b', 'c'][c]);
    const model = trainGradientBoostingClassifier(rows.slice(0, 1000), labels.slice(0, 1000), {
      nRounds: 30,
    });
    expect(model.trees).toHaveLength(90);
    expect(model.trees.slice(0, 3).map((t) => t.target)).toEqual([0, 1, 2]);
    const test = rows.slice(1000);
    expect(accuracy(predictLabels(model, test), labels.slice(1000))).toBeGreaterThan(0.75);
    const out = await runExported(await exportOnnx(model), test);
    expect(out.classLabels).toEqual(['a', 'b', 'c']);
    expect(maxAbsDiff(out.probabilities!, predictProba(model, test).flat())).toBeLessThan(1e-5);
    expect(out.labels).toEqual(predictLabels(model, test));
  });

  it('regression: fits a nonlinear target; export reproduces its values', async () => {
    const rng = createRng(5);
    const X = Array.from({ length: 1500 }, () =>
      [rng.normal() * 2, rng.normal(), rng.next()].map(Math.fround),
    );
    const y = X.map((x) => 3 * Math.sin(x[0]) + x[1] * x[1] + 0.1 * rng.normal());
    const model = trainGradientBoostingRegressor(X, y, { nRounds: 150 });
    const pred = predictValues(model, X);
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    const sse = pred.reduce((s, p, i) => s + (p - y[i]) ** 2, 0);
    const sst = y.reduce((s, v) => s + (v - mean) ** 2, 0);
    expect(1 - sse / sst).toBeGreaterThan(0.9);
    const out = await runExported(await exportOnnx(model), X);
    expect(maxAbsDiff(out.values!, pred)).toBeLessThan(1e-4);
    // raw scores are base + trees, as the ensemble sums them
    expect(gbtScores(model, X.slice(0, 3)).map((s) => s[0])).toEqual(pred.slice(0, 3));
  });

  it('is deterministic for a seed, and the seed matters with subsampling', () => {
    const { X, y } = xorData(600, 6);
    const opts = { nRounds: 10, subsample: 0.7, seed: 1 };
    const a = trainGradientBoostingClassifier(X, y, opts);
    expect(trainGradientBoostingClassifier(X, y, opts)).toEqual(a);
    expect(trainGradientBoostingClassifier(X, y, { ...opts, seed: 2 }).trees).not.toEqual(a.trees);
  });

  it('refuses depths above 6', () => {
    const { X, y } = xorData(50, 7);
    expect(() => trainGradientBoostingClassifier(X, y, { maxDepth: 7 })).toThrow(
      'maxDepth must be 1..6, got 7',
    );
  });
});

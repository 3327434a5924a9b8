/**
 * mlo eval on real ONNX models written in the test (logistic regression, an MLP, tree
 * ensembles, a linear regressor), with predictions and metrics computed here from the
 * weights by plain arithmetic — nothing below reuses src/ to get the expected values.
 */
import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import { evaluateModel, evaluateOrReuse } from '../../../src/evaluate/index.js';
import {
  buildLinearClassifier,
  buildLinearRegressor,
  buildMlp,
  buildTreeEnsembleRegressor,
  type TreeNode,
} from '../../../src/onnx/index.js';
import { registerModel, showModel } from '../../../src/registry/index.js';
import { csv, tempRepo, writeFile } from '../registry/helpers.js';
import { seeded, sigmoid, softmax } from '../onnx/helpers.js';

const f32 = Math.fround;

/** n rows of `f` float32-representable features in [-2, 2). */
function features(n: number, f: number, seed: number): number[][] {
  const r = seeded(seed);
  return Array.from({ length: n }, () => Array.from({ length: f }, () => f32(r(-2, 2))));
}

const dot = (w: readonly number[], x: readonly number[]): number =>
  w.reduce((s, wj, j) => s + wj * x[j], 0);

function accuracy(t: readonly unknown[], p: readonly unknown[]): number {
  return t.filter((v, i) => v === p[i]).length / t.length;
}

function prf(t: readonly unknown[], p: readonly unknown[], pos: unknown) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  t.forEach((v, i) => {
    if (p[i] === pos && v === pos) tp++;
    else if (p[i] === pos) fp++;
    else if (v === pos) fn++;
  });
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/** Mann–Whitney AUC by comparing every positive with every negative (ties count half). */
function auc(t: readonly number[], score: readonly number[]): number {
  let wins = 0;
  let pairs = 0;
  t.forEach((ti, i) => {
    if (ti !== 1) return;
    t.forEach((tj, j) => {
      if (tj !== 0) return;
      pairs++;
      wins += score[i] > score[j] ? 1 : score[i] === score[j] ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('evaluateModel: classification', () => {
  it('logistic regression: features mapped by name, metrics equal the arithmetic', async () => {
    const { dir, repo } = tempRepo();
    const w = [1.5, -2, 0.75];
    const b = 0.25;
    const bytes = await buildLinearClassifier({ coefficients: [w], intercepts: [b] });
    await registerModel(repo, {
      name: 'lr',
      path: writeFile(dir, 'lr.onnx', bytes),
      features: ['a', 'b', 'c'],
    });
    const X = features(400, 3, 11);
    const noise = seeded(12);
    const p1 = X.map((x) => sigmoid(dot(w, x) + b));
    // labels: the model's rule with some flips, so no metric is trivially 1
    const y = p1.map((p) => (p > 0.5 !== noise(0, 1) < 0.15 ? 1 : 0));
    const region = X.map((_, i) => (i % 3 === 0 ? 'north' : 'south'));
    // columns in another order than the model's, plus columns the model does not use
    const rows = X.map((x, i) => [i, x[2], y[i], x[0], region[i], x[1]]);
    writeFile(dir, 'holdout.csv', csv(['id', 'c', 'churned', 'a', 'region', 'b'], rows));

    const r = await evaluateModel(repo, {
      model: 'lr',
      data: 'holdout.csv',
      target: 'churned',
      slices: ['region'],
      batchRows: 37, // many batches, a short last one
    });
    const pred = p1.map((p) => (p > 0.5 ? 1 : 0));
    const { precision, recall, f1 } = prf(y, pred, 1);
    const logLoss = -mean(y.map((t, i) => Math.log(t === 1 ? p1[i] : 1 - p1[i])));
    expect(r.task).toBe('classification');
    expect(r.features).toEqual(['a', 'b', 'c']);
    expect(r.featuresFrom).toBe('registered');
    expect(r.data.rows).toBe(400);
    expect(r.metrics.accuracy).toBeCloseTo(accuracy(y, pred), 12);
    expect(r.metrics.precision).toBeCloseTo(precision, 12);
    expect(r.metrics.recall).toBeCloseTo(recall, 12);
    expect(r.metrics.f1).toBeCloseTo(f1, 12);
    expect(r.metrics.log_loss).toBeCloseTo(logLoss, 5);
    expect(r.metrics.roc_auc).toBeCloseTo(auc(y, p1), 3);
    const tn = y.filter((t, i) => t === 0 && pred[i] === 0).length;
    expect(r.classes?.confusionMatrix.matrix[0][0]).toBe(tn);

    const acc = (g: string): number => {
      const idx = region.map((v, i) => (v === g ? i : -1)).filter((i) => i >= 0);
      return accuracy(
        idx.map((i) => y[i]),
        idx.map((i) => pred[i]),
      );
    };
    expect(r.slices.region.gaps.accuracy.value).toBeCloseTo(
      Math.abs(acc('north') - acc('south')),
      12,
    );
    expect(r.slices.region.groups.map((g) => [g.group, g.rows])).toEqual([
      ['north', 134],
      ['south', 266],
    ]);

    expect(r.latency.samples).toBe(400);
    const { p50_ms, p95_ms, p99_ms, rows_per_s } = r.metrics;
    expect(p50_ms).toBeGreaterThan(0);
    expect(p95_ms).toBeGreaterThanOrEqual(p50_ms ?? Infinity);
    expect(p99_ms).toBeGreaterThanOrEqual(p95_ms ?? Infinity);
    expect(rows_per_s).toBeGreaterThan(0);

    // stored, and shown with the model
    expect(r.id).not.toBeNull();
    expect(showModel(repo, 'lr@1').evaluations.map((e) => [e.id, e.data.hash, e.rows])).toEqual([
      [r.id, r.data.hash, 400],
    ]);
  });

  it('a single probability column (sigmoid head) gives the same metrics as label + probabilities', async () => {
    const { dir, repo } = tempRepo();
    const w = [0.5, 1, -1];
    const X = features(120, 3, 5);
    const y = X.map((x, i) => (dot(w, x) + (i % 7 === 0 ? 3 : 0) > 0 ? 1 : 0));
    writeFile(
      dir,
      'd.csv',
      csv(
        ['a', 'b', 'c', 'y'],
        X.map((x, i) => [...x, y[i]]),
      ),
    );
    for (const outputs of ['tensors', 'score'] as const) {
      const bytes = await buildLinearClassifier({ coefficients: [w], intercepts: [0], outputs });
      await registerModel(repo, { name: outputs, path: writeFile(dir, `${outputs}.onnx`, bytes) });
    }
    const a = await evaluateModel(repo, { model: 'tensors', data: 'd.csv', target: 'y' });
    const s = await evaluateModel(repo, { model: 'score', data: 'd.csv', target: 'y' });
    expect(a.featuresFrom).toBe('data-columns');
    for (const k of ['accuracy', 'f1', 'roc_auc'] as const) expect(s.metrics[k]).toBe(a.metrics[k]);
    expect(s.metrics.log_loss).toBeCloseTo(a.metrics.log_loss ?? NaN, 6);
    const pred = X.map((x) => (sigmoid(dot(w, x)) > 0.5 ? 1 : 0));
    expect(s.metrics.accuracy).toBeCloseTo(accuracy(y, pred), 12);
  });

  it('an MLP with string classes: macro scores and log loss from a hand-run forward pass', async () => {
    const { dir, repo } = tempRepo();
    const W1 = [
      [0.8, -0.5],
      [-0.3, 0.9],
      [0.5, 0.5],
      [-1, 0.2],
    ];
    const b1 = [0.1, -0.2, 0, 0.3];
    const W2 = [
      [1, -1, 0.5, 0.2],
      [-0.5, 1, -0.3, 0.8],
      [0.2, 0.3, 1, -1],
    ];
    const b2 = [0, 0.1, -0.1];
    const classes = ['bronze', 'gold', 'silver'];
    const bytes = await buildMlp({
      layers: [
        { weights: W1, bias: b1, activation: 'relu' },
        { weights: W2, bias: b2 },
      ],
      task: 'classification',
      classes,
    });
    await registerModel(repo, {
      name: 'mlp',
      path: writeFile(dir, 'mlp.onnx', bytes),
      features: ['x1', 'x2'],
    });
    const X = features(300, 2, 21);
    const probs = X.map((x) => {
      const h = W1.map((w, k) => Math.max(0, dot(w, x) + b1[k]));
      return softmax(W2.map((w, k) => dot(w, h) + b2[k]));
    });
    const pred = probs.map((p) => classes[p.indexOf(Math.max(...p))]);
    const r0 = seeded(22);
    const y = pred.map((c) => (r0(0, 1) < 0.2 ? classes[(classes.indexOf(c) + 1) % 3] : c));
    writeFile(
      dir,
      'd.csv',
      csv(
        ['x2', 'tier', 'x1'],
        X.map((x, i) => [x[1], y[i], x[0]]),
      ),
    );

    const r = await evaluateModel(repo, { model: 'mlp@1', data: 'd.csv', target: 'tier' });
    const f1s = classes.map((c) => prf(y, pred, c).f1);
    expect(r.metrics.accuracy).toBeCloseTo(accuracy(y, pred), 12);
    expect(r.metrics.f1_macro).toBeCloseTo(mean(f1s), 12);
    expect(r.metrics.f1).toBeCloseTo(mean(f1s), 12);
    expect(r.metrics.log_loss).toBeCloseTo(
      -mean(y.map((t, i) => Math.log(probs[i][classes.indexOf(t)]))),
      5,
    );
    expect(r.classes?.labels).toEqual(classes);
  });

  it('a boolean target meets 0/1 labels as the same classes', async () => {
    const { dir, repo } = tempRepo();
    const bytes = await buildLinearClassifier({ coefficients: [[1, 1]], intercepts: [0] });
    await registerModel(repo, { name: 'm', path: writeFile(dir, 'm.onnx', bytes) });
    const X = features(50, 2, 3);
    const y = X.map((x) => x[0] + x[1] > 0);
    writeFile(
      dir,
      'd.csv',
      csv(
        ['a', 'b', 'y'],
        X.map((x, i) => [...x, y[i]]),
      ),
    );
    const r = await evaluateModel(repo, { model: 'm', data: 'd.csv', target: 'y' });
    expect(r.metrics.accuracy).toBe(1);
  });
});

describe('evaluateModel: regression', () => {
  it('a tree ensemble: rmse, mae, r2 and mape from walking the trees by hand', async () => {
    const { dir, repo } = tempRepo();
    const t1: TreeNode[] = [
      { feature: 0, threshold: 0, left: 1, right: 2 },
      { value: -1.5 },
      { feature: 1, threshold: 0.5, left: 3, right: 4 },
      { value: 2 },
      { value: 3.25 },
    ];
    const t2: TreeNode[] = [
      { feature: 1, threshold: -1, left: 1, right: 2 },
      { value: 0.5 },
      { value: -0.25 },
    ];
    const base = 10;
    const bytes = await buildTreeEnsembleRegressor({
      nFeatures: 2,
      trees: [{ nodes: t1 }, { nodes: t2 }],
      baseValues: [base],
    });
    await registerModel(repo, {
      name: 'trees',
      path: writeFile(dir, 't.onnx', bytes),
      features: ['u', 'v'],
    });
    const walk = (nodes: TreeNode[], x: number[]): number => {
      let n = nodes[0];
      while (!('value' in n)) n = nodes[x[n.feature] <= n.threshold ? n.left : n.right];
      return n.value as number;
    };
    const X = features(200, 2, 8);
    const pred = X.map((x) => base + walk(t1, x) + walk(t2, x));
    const r0 = seeded(9);
    const y = pred.map((p) => p + r0(-1, 1));
    writeFile(
      dir,
      'd.csv',
      csv(
        ['u', 'v', 'price'],
        X.map((x, i) => [...x, y[i]]),
      ),
    );

    const r = await evaluateModel(repo, { model: 'trees', data: 'd.csv', target: 'price' });
    const err = y.map((t, i) => pred[i] - t);
    const my = mean(y);
    expect(r.task).toBe('regression');
    expect(r.metrics.rmse).toBeCloseTo(Math.sqrt(mean(err.map((e) => e * e))), 5);
    expect(r.metrics.mae).toBeCloseTo(mean(err.map(Math.abs)), 5);
    expect(r.metrics.r2).toBeCloseTo(
      1 - err.reduce((s, e) => s + e * e, 0) / y.reduce((s, t) => s + (t - my) ** 2, 0),
      5,
    );
    expect(r.metrics.mape).toBeCloseTo(mean(err.map((e, i) => Math.abs(e) / Math.abs(y[i]))), 5);
    expect(r.classes).toBeNull();
  });

  it('a linear regressor with a [N] output vector', async () => {
    const { dir, repo } = tempRepo();
    const w = [2, -1, 0.5];
    const bytes = await buildLinearRegressor({
      coefficients: w,
      intercept: 1,
      outputShape: 'vector',
    });
    await registerModel(repo, { name: 'lin', path: writeFile(dir, 'l.onnx', bytes) });
    const X = features(64, 3, 4);
    const y = X.map((x, i) => dot(w, x) + 1 + (i % 2 ? 0.5 : -0.5));
    writeFile(
      dir,
      'd.csv',
      csv(
        ['a', 'b', 'c', 'y'],
        X.map((x, i) => [...x, y[i]]),
      ),
    );
    const r = await evaluateModel(repo, { model: 'lin', data: 'd.csv', target: 'y' });
    expect(r.metrics.rmse).toBeCloseTo(0.5, 5);
    expect(r.metrics.mae).toBeCloseTo(0.5, 5);
  });
});

describe('evaluateModel: bad data is a clear error (exit 2)', () => {
  async function setup(features?: string[]) {
    const ctx = tempRepo();
    const bytes = await buildLinearClassifier({ coefficients: [[1, 1, 1]], intercepts: [0] });
    await registerModel(ctx.repo, {
      name: 'm',
      path: writeFile(ctx.dir, 'm.onnx', bytes),
      features,
    });
    return ctx;
  }
  async function failure(p: Promise<unknown>): Promise<MloError> {
    try {
      await p;
    } catch (err) {
      if (err instanceof MloError) return err;
      throw err;
    }
    throw new Error('expected a failure');
  }

  it('a missing feature column is named, with the columns there are', async () => {
    const { dir, repo } = await setup(['a', 'b', 'c']);
    writeFile(dir, 'd.csv', csv(['a', 'B', 'y'], [[1, 2, 0]]));
    const err = await failure(evaluateModel(repo, { model: 'm', data: 'd.csv', target: 'y' }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(
      'd.csv: no columns "b", "c" (needed by the features of m@1); available: "a", "B", "y"',
    );
    expect(err.hint).toMatch(/"b" → "B"/);
    const noTarget = await failure(
      evaluateModel(repo, { model: 'm', data: 'd.csv', target: 'label' }),
    );
    expect(noTarget.message).toMatch(/no column "label" \(needed by the target\)/);
  });

  it('the wrong number of features is named against the model', async () => {
    const { dir, repo } = await setup();
    writeFile(dir, 'd.csv', csv(['a', 'b', 'c', 'd', 'y'], [[1, 2, 3, 4, 0]]));
    const err = await failure(evaluateModel(repo, { model: 'm', data: 'd.csv', target: 'y' }));
    expect(err.message).toBe(
      'm@1 takes 3 features but d.csv has 4 columns besides the target (a, b, c, d)',
    );
    expect(err.hint).toMatch(/--features/);
    const flag = await failure(
      evaluateModel(repo, { model: 'm', data: 'd.csv', target: 'y', features: ['a', 'b'] }),
    );
    expect(flag.message).toBe('m@1 takes 3 features but --features lists 2 (a, b)');
  });

  it('a text feature column, a non-number cell and an empty target are refused with the row', async () => {
    const { dir, repo } = await setup(['a', 'b', 'c']);
    writeFile(dir, 't.csv', csv(['a', 'b', 'c', 'y'], [[1, 'red', 2, 0]]));
    const text = await failure(evaluateModel(repo, { model: 'm', data: 't.csv', target: 'y' }));
    expect(text.message).toMatch(/t\.csv: feature column "b" \(category\) is not numeric/);

    // kinds come from the first 10,000 rows: a later "oops" is a mismatch in a number column
    const rows = Array.from({ length: 10_010 }, (_, i) => [i, i === 10_004 ? 'oops' : 1, 2, i % 2]);
    writeFile(dir, 'm.csv', csv(['a', 'b', 'c', 'y'], rows));
    const cell = await failure(evaluateModel(repo, { model: 'm', data: 'm.csv', target: 'y' }));
    expect(cell.message).toBe('m.csv: data row 10005, column "b": "oops" is not a number');

    writeFile(
      dir,
      'e.csv',
      csv(
        ['a', 'b', 'c', 'y'],
        [
          [1, 2, 3, 0],
          [1, 2, 3, ''],
        ],
      ),
    );
    const empty = await failure(evaluateModel(repo, { model: 'm', data: 'e.csv', target: 'y' }));
    expect(empty.message).toBe('e.csv: data row 2: the target "y" is empty');
  });

  it('a text target against numeric classes is refused; empty feature cells are NaN with a warning', async () => {
    const { dir, repo } = await setup(['a', 'b', 'c']);
    writeFile(dir, 's.csv', csv(['a', 'b', 'c', 'y'], [[1, 2, 3, 'yes']]));
    const err = await failure(evaluateModel(repo, { model: 'm', data: 's.csv', target: 'y' }));
    expect(err.message).toMatch(
      /target "y" holds text \("yes", data row 1\) but the model predicts numeric classes/,
    );
    writeFile(
      dir,
      'n.csv',
      csv(
        ['a', 'b', 'c', 'y'],
        [
          [1, '', 3, 1],
          [1, 1, 1, 1],
        ],
      ),
    );
    const r = await evaluateModel(repo, { model: 'm', data: 'n.csv', target: 'y' });
    expect(r.warnings.join()).toMatch(/1 empty feature value/);
  });
});

describe('stored evaluations', () => {
  it('evaluateOrReuse reuses the same model + data hash, and evaluates anew when the data changes', async () => {
    const { dir, repo } = tempRepo();
    const bytes = await buildLinearClassifier({ coefficients: [[1, -1]], intercepts: [0] });
    await registerModel(repo, {
      name: 'm',
      path: writeFile(dir, 'm.onnx', bytes),
      features: ['a', 'b'],
    });
    writeFile(
      dir,
      'd.csv',
      csv(
        ['a', 'b', 'y', 'g'],
        [
          [1, 0, 1, 'x'],
          [0, 1, 0, 'y'],
          [2, 1, 0, 'x'],
        ],
      ),
    );
    const first = await evaluateModel(repo, { model: 'm', data: 'd.csv', target: 'y' });
    const again = await evaluateOrReuse(repo, { model: 'm', data: 'd.csv', target: 'y' });
    expect([again.reused, again.id]).toEqual([true, first.id]);
    expect(again.metrics).toEqual(first.metrics);
    // a slice the stored one lacks: evaluate again
    const sliced = await evaluateOrReuse(repo, {
      model: 'm',
      data: 'd.csv',
      target: 'y',
      slices: ['g'],
    });
    expect(sliced.reused).toBe(false);
    expect(
      (await evaluateOrReuse(repo, { model: 'm', data: 'd.csv', target: 'y', slices: ['g'] })).id,
    ).toBe(sliced.id);
    writeFile(
      dir,
      'd.csv',
      csv(
        ['a', 'b', 'y', 'g'],
        [
          [1, 0, 0, 'x'],
          [0, 1, 0, 'y'],
        ],
      ),
    );
    const changed = await evaluateOrReuse(repo, { model: 'm', data: 'd.csv', target: 'y' });
    expect(changed.reused).toBe(false);
    expect(changed.data.hash).not.toBe(first.data.hash);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import {
  buildTreeEnsembleClassifier,
  buildTreeEnsembleRegressor,
  createSession,
  readSignature,
  runModel,
  type OnnxSession,
  type Tree,
  type TreeNode,
} from '../../../src/onnx/index.js';
import { argmax, maxAbsDiff, randomMatrix, seeded, sigmoid, softmax } from './helpers.js';

const open: OnnxSession[] = [];
afterAll(async () => {
  for (const s of open) await s.release();
});
async function session(bytes: Uint8Array): Promise<OnnxSession> {
  const s = await createSession(bytes);
  open.push(s);
  return s;
}

const N = 50;
const F = 4;
const { flat: X, rows } = randomMatrix(N, F, 21);

/** A full binary tree of `depth` in pre-order, with float32 thresholds. */
function randomTree(
  depth: number,
  seed: number,
  leaf: (r: () => number) => number | number[],
): TreeNode[] {
  const r = seeded(seed);
  const nodes: TreeNode[] = [];
  const grow = (d: number): number => {
    const i = nodes.length;
    if (d === depth) {
      nodes.push({ value: leaf(() => Math.fround(r(-1, 1))) });
      return i;
    }
    nodes.push({ feature: 0, threshold: 0, left: 0, right: 0 });
    const feature = Math.floor(r(0, F));
    const threshold = Math.fround(r(-1.5, 1.5));
    const left = grow(d + 1);
    const right = grow(d + 1);
    nodes[i] = { feature, threshold, left, right };
    return i;
  };
  grow(0);
  return nodes;
}

/** Walk a tree the way the ONNX spec describes BRANCH_LEQ / BRANCH_LT and missing values. */
function leafOf(nodes: readonly TreeNode[], x: readonly number[]): number | readonly number[] {
  let i = 0;
  for (;;) {
    const n = nodes[i];
    if ('value' in n) return n.value;
    const v = x[n.feature];
    const t = n.threshold;
    const goLeft = Number.isNaN(v)
      ? Boolean(n.missingGoesLeft)
      : (n.mode ?? 'BRANCH_LEQ') === 'BRANCH_LT'
        ? v < t
        : v <= t;
    i = goLeft ? n.left : n.right;
  }
}

describe('TreeEnsembleClassifier', () => {
  it('decision-forest style: per-class leaf weights summed over trees, string labels', async () => {
    const trees: Tree[] = [1, 2, 3].map((seed) => ({
      nodes: randomTree(3, 100 + seed, (r) => {
        const w = [Math.abs(r()), Math.abs(r()), Math.abs(r())];
        return w.map((v) => Math.fround(v / 3));
      }),
    }));
    const classes = ['low', 'mid', 'high'];
    const s = await session(await buildTreeEnsembleClassifier({ nFeatures: F, trees, classes }));
    const out = await runModel(s, X, N, F);
    const expected = rows.map((x) =>
      trees.reduce(
        (acc, t) => acc.map((a, k) => a + (leafOf(t.nodes, x) as number[])[k]),
        [0, 0, 0],
      ),
    );
    expect(out.classCount).toBe(3);
    expect(maxAbsDiff(out.probabilities!, expected.flat())).toBeLessThan(1e-5);
    expect(out.labels).toEqual(expected.map((p) => classes[argmax(p)]));
  });

  it('binary gradient boosting: one score per row, base value, LOGISTIC → [1 - p, p]', async () => {
    const trees: Tree[] = [1, 2, 3, 4].map((seed) => ({
      nodes: randomTree(2, 200 + seed, (r) => r()),
    }));
    const base = Math.fround(-0.3);
    const s = await session(
      await buildTreeEnsembleClassifier({
        nFeatures: F,
        trees,
        baseValues: [base],
        postTransform: 'LOGISTIC',
      }),
    );
    const out = await runModel(s, X, N, F);
    const p = rows.map((x) =>
      sigmoid(base + trees.reduce((a, t) => a + (leafOf(t.nodes, x) as number), 0)),
    );
    expect(
      maxAbsDiff(
        out.probabilities!,
        p.flatMap((v) => [1 - v, v]),
      ),
    ).toBeLessThan(1e-5);
    expect(out.labels).toEqual(p.map((v) => (v > 0.5 ? 1 : 0)));
  });

  it('multiclass gradient boosting: one tree per class per round, SOFTMAX', async () => {
    const trees: Tree[] = [];
    for (let round = 0; round < 2; round++) {
      for (let k = 0; k < 3; k++)
        trees.push({ nodes: randomTree(2, 300 + round * 3 + k, (r) => r()), target: k });
    }
    const base = [0.1, -0.2, 0.05].map(Math.fround);
    const s = await session(
      await buildTreeEnsembleClassifier({
        nFeatures: F,
        trees,
        classes: [7, 8, 9],
        baseValues: base,
        postTransform: 'SOFTMAX',
      }),
    );
    const out = await runModel(s, X, N, F);
    const expected = rows.map((x) => {
      const z = [...base];
      for (const t of trees) z[t.target!] += leafOf(t.nodes, x) as number;
      return softmax(z);
    });
    expect(maxAbsDiff(out.probabilities!, expected.flat())).toBeLessThan(1e-5);
    expect(out.labels).toEqual(expected.map((p) => [7, 8, 9][argmax(p)]));
  });

  it('ZipMap variant is flagged by the signature, with the re-export hint', async () => {
    const trees: Tree[] = [{ nodes: randomTree(1, 400, (r) => [Math.abs(r()), Math.abs(r())]) }];
    const sig = await readSignature(
      await buildTreeEnsembleClassifier({ nFeatures: F, trees, outputs: 'zipmap' }),
    );
    expect(sig.unusableOutputs).toEqual(['output_probability']);
    expect(sig.classLabels).toEqual([0, 1]);
    expect(sig.warnings).toHaveLength(1);
    expect(sig.warnings[0].message).toContain(
      '"output_probability" (seq(map(int64,tensor(float))))',
    );
    expect(sig.warnings[0].message).toContain('usable: output_label');
    expect(sig.warnings[0].hint).toContain("'zipmap': False");
  });

  it('rejects a child index that would loop', async () => {
    await expect(
      buildTreeEnsembleClassifier({
        nFeatures: F,
        trees: [{ nodes: [{ feature: 0, threshold: 0, left: 0, right: 1 }, { value: [1, 0] }] }],
      }),
    ).rejects.toThrow(/tree 0 node 0: child 0 must be a later node/);
  });
});

describe('TreeEnsembleRegressor', () => {
  it('sums trees plus a base value (gradient boosting regressor)', async () => {
    const trees: Tree[] = [1, 2, 3].map((seed) => ({
      nodes: randomTree(3, 500 + seed, (r) => r() * 10),
    }));
    const s = await session(
      await buildTreeEnsembleRegressor({ nFeatures: F, trees, baseValues: [2.5] }),
    );
    const out = await runModel(s, X, N, F);
    const expected = rows.map(
      (x) => 2.5 + trees.reduce((a, t) => a + (leafOf(t.nodes, x) as number), 0),
    );
    expect(out.task).toBe('regression');
    expect(maxAbsDiff(out.values!, expected)).toBeLessThan(1e-4);
  });

  it('averages trees with two targets (random forest regressor)', async () => {
    const trees: Tree[] = [1, 2].map((seed) => ({
      nodes: randomTree(2, 600 + seed, (r) => [r(), r()]),
    }));
    const s = await session(
      await buildTreeEnsembleRegressor({ nFeatures: F, trees, aggregate: 'AVERAGE' }),
    );
    const out = await runModel(s, X, N, F);
    const expected = rows.flatMap((x) => {
      const [a, b] = trees.map((t) => leafOf(t.nodes, x) as number[]);
      return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    });
    expect(out.targetCount).toBe(2);
    expect(maxAbsDiff(out.values!, expected)).toBeLessThan(1e-5);
  });

  it('follows missing-value and strict-comparison rules', async () => {
    const nodes: TreeNode[] = [
      { feature: 0, threshold: 0.5, left: 1, right: 2, mode: 'BRANCH_LT', missingGoesLeft: true },
      { value: 1 },
      { feature: 1, threshold: 0.5, left: 3, right: 4 },
      { value: 2 },
      { value: 3 },
    ];
    const s = await session(await buildTreeEnsembleRegressor({ nFeatures: 2, trees: [{ nodes }] }));
    const inputs = [
      [0.4, 0],
      [0.5, 0], // not < 0.5: right, then 0 <= 0.5: left
      [NaN, 9], // missing goes left
      [1, 0.5], // LEQ holds at equality
      [1, NaN], // missing on a node without the flag goes right
    ];
    const out = await runModel(s, Float32Array.from(inputs.flat()), inputs.length, 2);
    expect(Array.from(out.values!)).toEqual(inputs.map((x) => leafOf(nodes, x)));
    expect(Array.from(out.values!)).toEqual([1, 2, 1, 2, 3]);
  });
});

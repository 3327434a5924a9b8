import { afterAll, describe, expect, it } from 'vitest';
import {
  buildLinearClassifier,
  buildLinearRegressor,
  createSession,
  readSignature,
  runModel,
  type OnnxSession,
} from '../../../src/onnx/index.js';
import {
  argmax,
  dot,
  maxAbsDiff,
  randomMatrix,
  randomWeights,
  sigmoid,
  softmax,
} from './helpers.js';

const open: OnnxSession[] = [];
async function session(bytes: Uint8Array): Promise<OnnxSession> {
  const s = await createSession(bytes);
  open.push(s);
  return s;
}
afterAll(async () => {
  for (const s of open) await s.release();
});

const N = 40;
const F = 5;
const { flat: X, rows } = randomMatrix(N, F, 1);

describe('linear classifier (skl2onnx LogisticRegression shape)', () => {
  it('binary, int labels: label + probabilities equal sigmoid(w·x + b)', async () => {
    const [w] = randomWeights(1, F, 2);
    const b = Math.fround(0.25);
    const s = await session(await buildLinearClassifier({ coefficients: [w], intercepts: [b] }));
    const out = await runModel(s, X, N, F);

    const p1 = rows.map((x) => sigmoid(dot(w, x) + b));
    const expected = p1.flatMap((p) => [1 - p, p]);
    expect(out.task).toBe('classification');
    expect(out.classCount).toBe(2);
    expect(out.classLabels).toEqual([0, 1]);
    expect(maxAbsDiff(out.probabilities!, expected)).toBeLessThan(1e-5);
    expect(out.labels).toEqual(p1.map((p) => (p > 0.5 ? 1 : 0)));
    // int64 labels arrive as plain numbers, not BigInt
    expect(typeof out.labels![0]).toBe('number');
    expect(out.raw.label.type).toBe('int64');
  });

  it('binary, string labels', async () => {
    const [w] = randomWeights(1, F, 3);
    const s = await session(
      await buildLinearClassifier({
        coefficients: [w],
        intercepts: [-0.5],
        classes: ['stay', 'churn'],
      }),
    );
    const out = await runModel(s, X, N, F);
    const p1 = rows.map((x) => sigmoid(dot(w, x) - 0.5));
    expect(out.labels).toEqual(p1.map((p) => (p > 0.5 ? 'churn' : 'stay')));
    expect(out.classLabels).toEqual(['stay', 'churn']);
    expect(
      maxAbsDiff(
        out.probabilities!,
        p1.flatMap((p) => [1 - p, p]),
      ),
    ).toBeLessThan(1e-5);
  });

  it('multinomial: probabilities are softmax of the class scores', async () => {
    const W = randomWeights(3, F, 4);
    const b = [0.1, -0.2, 0.3].map(Math.fround);
    const s = await session(
      await buildLinearClassifier({ coefficients: W, intercepts: b, classes: [10, 20, 30] }),
    );
    const out = await runModel(s, X, N, F);
    const probs = rows.map((x) => softmax(W.map((wk, k) => dot(wk, x) + b[k])));
    expect(out.classCount).toBe(3);
    expect(maxAbsDiff(out.probabilities!, probs.flat())).toBeLessThan(1e-5);
    expect(out.labels).toEqual(probs.map((p) => [10, 20, 30][argmax(p)]));
  });

  it('one-vs-rest: per-class sigmoids normalised to sum 1', async () => {
    const W = randomWeights(3, F, 5);
    const b = [0, 0.5, -0.5];
    const s = await session(
      await buildLinearClassifier({ coefficients: W, intercepts: b, multiClass: 'ovr' }),
    );
    const out = await runModel(s, X, N, F);
    const probs = rows.map((x) => {
      const sig = W.map((wk, k) => sigmoid(dot(wk, x) + b[k]));
      const total = sig.reduce((a, c) => a + c, 0);
      return sig.map((v) => v / total);
    });
    expect(maxAbsDiff(out.probabilities!, probs.flat())).toBeLessThan(1e-5);
    expect(out.labels).toEqual(probs.map(argmax));
  });

  it('single-score output: one probability column read as a binary classifier', async () => {
    const [w] = randomWeights(1, F, 6);
    const bytes = await buildLinearClassifier({
      coefficients: [w],
      intercepts: [0.1],
      outputs: 'score',
    });
    const sig = await readSignature(bytes);
    expect(sig.outputs).toEqual([
      {
        name: 'probability',
        type: 'tensor(float)',
        isTensor: true,
        elementType: 'float32',
        shape: [null, 1],
      },
    ]);
    const s = await session(bytes);
    const out = await runModel(s, X, N, F);
    const p1 = rows.map((x) => sigmoid(dot(w, x) + Math.fround(0.1)));
    expect(out.task).toBe('classification');
    expect(out.classCount).toBe(2);
    expect(
      maxAbsDiff(
        out.probabilities!,
        p1.flatMap((p) => [1 - p, p]),
      ),
    ).toBeLessThan(1e-5);
    expect(out.labels).toEqual(p1.map((p) => (p >= 0.5 ? 1 : 0)));
    const strict = await runModel(s, X, N, F, { threshold: 0.9, classLabels: ['no', 'yes'] });
    expect(strict.labels).toEqual(p1.map((p) => (p >= 0.9 ? 'yes' : 'no')));
  });

  it('with a Scaler first (a StandardScaler pipeline): weights apply to (x - offset) * scale', async () => {
    const [w] = randomWeights(1, F, 9);
    const offset = [1, -1, 0.5, 0, 2].map(Math.fround);
    const scale = [2, 0.5, 1, 3, 0.25];
    const bytes = await buildLinearClassifier({
      coefficients: [w],
      intercepts: [0],
      scaler: { offset, scale },
    });
    const sig = await readSignature(bytes);
    expect(sig.classLabels).toEqual([0, 1]);
    const s = await session(bytes);
    const out = await runModel(s, X, N, F);
    const p1 = rows.map((x) =>
      sigmoid(
        dot(
          w,
          x.map((v, j) => (v - offset[j]) * scale[j]),
        ),
      ),
    );
    expect(
      maxAbsDiff(
        out.probabilities!,
        p1.flatMap((p) => [1 - p, p]),
      ),
    ).toBeLessThan(1e-5);
  });

  it('with ZipMap: runs on the tensor outputs and the signature flags the map output', async () => {
    const [w] = randomWeights(1, F, 7);
    const bytes = await buildLinearClassifier({
      coefficients: [w],
      intercepts: [0],
      outputs: 'zipmap',
    });
    const sig = await readSignature(bytes);
    expect(sig.usableOutputs).toEqual(['output_label']);
    expect(sig.unusableOutputs).toEqual(['output_probability']);
    expect(sig.outputs[1].type).toBe('seq(map(int64,tensor(float)))');
    const s = await session(bytes);
    const out = await runModel(s, X, N, F);
    expect(out.labels).toEqual(rows.map((x) => (sigmoid(dot(w, x)) > 0.5 ? 1 : 0)));
    expect(out.probabilities).toBeNull();
    expect(Object.keys(out.raw)).toEqual(['output_label']);
  });
});

describe('linear regressor', () => {
  const w = randomWeights(1, F, 8)[0];
  const b = Math.fround(3.5);
  const expected = rows.map((x) => dot(w, x) + b);

  it('[N, 1] output (skl2onnx LinearRegressor)', async () => {
    const bytes = await buildLinearRegressor({ coefficients: w, intercept: b });
    const s = await session(bytes);
    const out = await runModel(s, X, N, F);
    expect(out.task).toBe('regression');
    expect(out.targetCount).toBe(1);
    expect(out.raw.variable.dims).toEqual([N, 1]);
    expect(maxAbsDiff(out.values!, expected)).toBeLessThan(1e-5);
  });

  it('[N] output', async () => {
    const s = await session(
      await buildLinearRegressor({ coefficients: w, intercept: b, outputShape: 'vector' }),
    );
    const out = await runModel(s, X, N, F);
    expect(out.raw.variable.dims).toEqual([N]);
    expect(out.targetCount).toBe(1);
    expect(maxAbsDiff(out.values!, expected)).toBeLessThan(1e-5);
  });
});

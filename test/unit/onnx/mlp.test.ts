import { afterAll, describe, expect, it } from 'vitest';
import {
  buildMlp,
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
afterAll(async () => {
  for (const s of open) await s.release();
});
async function session(bytes: Uint8Array): Promise<OnnxSession> {
  const s = await createSession(bytes);
  open.push(s);
  return s;
}

const N = 30;
const F = 4;
const H = 6;
const { flat: X, rows } = randomMatrix(N, F, 11);
const W1 = randomWeights(H, F, 12);
const b1 = randomWeights(1, H, 13)[0];

function forward(x: number[], W2: number[][], b2: number[], act: (v: number) => number): number[] {
  const h = W1.map((w, j) => act(dot(w, x) + b1[j]));
  return W2.map((w, k) => dot(w, h) + b2[k]);
}
const relu = (v: number): number => Math.max(0, v);

describe('MLP', () => {
  const W2 = randomWeights(3, H, 14);
  const b2 = [0.1, 0, -0.1].map(Math.fround);
  const expected = rows.map((x) => softmax(forward(x, W2, b2, relu)));

  for (const matmul of [false, true]) {
    it(`softmax classifier with ${matmul ? 'MatMul+Add' : 'Gemm'} layers`, async () => {
      const bytes = await buildMlp({
        task: 'classification',
        matmul,
        classes: ['a', 'b', 'c'],
        layers: [
          { weights: W1, bias: b1, activation: 'relu' },
          { weights: W2, bias: b2 },
        ],
      });
      const s = await session(bytes);
      const out = await runModel(s, X, N, F);
      expect(maxAbsDiff(out.probabilities!, expected.flat())).toBeLessThan(1e-5);
      expect(out.labels).toEqual(expected.map((p) => ['a', 'b', 'c'][argmax(p)]));
      expect(out.classLabels).toEqual(['a', 'b', 'c']);
    });
  }

  it('default labels are the ArgMax index as int64 → number', async () => {
    const s = await session(
      await buildMlp({
        task: 'classification',
        layers: [
          { weights: W1, bias: b1 },
          { weights: W2, bias: b2 },
        ],
      }),
    );
    const out = await runModel(s, X, N, F);
    expect(out.raw.label.type).toBe('int64');
    expect(out.labels).toEqual(expected.map(argmax));
  });

  it('tanh hidden layer and a sigmoid single-probability head', async () => {
    const W2s = randomWeights(1, H, 15);
    const bytes = await buildMlp({
      task: 'classification',
      layers: [
        { weights: W1, bias: b1, activation: 'tanh' },
        { weights: W2s, bias: [0.2] },
      ],
    });
    const sig = await readSignature(bytes);
    expect(sig.outputs.map((o) => [o.name, o.shape])).toEqual([['probability', [null, 1]]]);
    const s = await session(bytes);
    const out = await runModel(s, X, N, F);
    const p = rows.map((x) => sigmoid(forward(x, W2s, [Math.fround(0.2)], Math.tanh)[0]));
    expect(
      maxAbsDiff(
        out.probabilities!,
        p.flatMap((v) => [1 - v, v]),
      ),
    ).toBeLessThan(1e-5);
  });

  it('regression head with two targets and a sigmoid hidden layer', async () => {
    const W2r = randomWeights(2, H, 16);
    const s = await session(
      await buildMlp({
        task: 'regression',
        layers: [
          { weights: W1, bias: b1, activation: 'sigmoid' },
          { weights: W2r, bias: [1, -1] },
        ],
      }),
    );
    const out = await runModel(s, X, N, F);
    expect(out.task).toBe('regression');
    expect(out.targetCount).toBe(2);
    expect(
      maxAbsDiff(
        out.values!,
        rows.flatMap((x) => forward(x, W2r, [1, -1], sigmoid)),
      ),
    ).toBeLessThan(1e-5);
  });

  it('rejects layers whose sizes do not chain', async () => {
    await expect(
      buildMlp({
        task: 'regression',
        layers: [
          { weights: W1, bias: b1 },
          { weights: [[1, 2]], bias: [0] },
        ],
      }),
    ).rejects.toThrow(/layer 1 weights row 0 has 2 values, expected 6/);
  });
});

/**
 * The eval scorer's pre-allocated path must give exactly what runModel gives, batch by
 * batch, for every model shape it takes on, and hand every other model to runModel.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createScorer, int64WordsToNumbers } from '../../../src/evaluate/scorer.js';
import {
  attr,
  buildLinearClassifier,
  buildLinearRegressor,
  buildMlp,
  createSession,
  GraphBuilder,
  runModel,
  type OnnxSession,
  type RunOptions,
} from '../../../src/onnx/index.js';
import { randomWeights, seeded } from '../onnx/helpers.js';

const F = 4;
const open: OnnxSession[] = [];
afterAll(async () => {
  for (const s of open) await s.release();
});
async function session(bytes: Uint8Array): Promise<OnnxSession> {
  const s = await createSession(bytes);
  open.push(s);
  return s;
}

/** Declares F - 1 probabilities a row but computes F (and labels [N, 1] for [N]). */
async function misdeclaredModel(): Promise<Uint8Array> {
  const g = new GraphBuilder({ name: 'misdeclared' });
  const x = g.input('X', 'float32', [null, F]);
  g.node('ArgMax', [x], ['label'], { axis: attr.int(1), keepdims: attr.int(1) });
  g.node('Softmax', [x], ['probabilities'], { axis: attr.int(1) });
  g.output('label', 'int64', [null]);
  g.output('probabilities', 'float32', [null, F - 1]);
  return g.toBytes();
}

const coef = (rows: number): number[][] => randomWeights(rows, F, 5 + rows);
const cases: {
  name: string;
  model: () => Promise<Uint8Array>;
  direct: boolean;
  wide?: boolean;
  opts?: RunOptions;
}[] = [
  {
    name: 'binary logistic regression, int64 labels',
    model: () => buildLinearClassifier({ coefficients: coef(1), intercepts: [0.1] }),
    direct: true,
  },
  {
    name: 'three classes with their own int labels',
    model: () =>
      buildLinearClassifier({
        coefficients: coef(3),
        intercepts: [0, 0.2, -0.1],
        classes: [3, 7, 11],
      }),
    direct: true,
  },
  {
    name: 'one-vs-rest normalised probabilities',
    model: () =>
      buildLinearClassifier({ coefficients: coef(3), intercepts: [0, 0, 0], multiClass: 'ovr' }),
    direct: true,
  },
  {
    name: 'labels with a ZipMap (probabilities unusable)',
    model: () =>
      buildLinearClassifier({ coefficients: coef(3), intercepts: [0, 0, 0], outputs: 'zipmap' }),
    direct: true,
  },
  {
    name: 'regression column [N, 1]',
    model: () => buildLinearRegressor({ coefficients: coef(1)[0], intercept: 0.5 }),
    direct: true,
  },
  {
    name: 'regression vector [N]',
    model: () =>
      buildLinearRegressor({ coefficients: coef(1)[0], intercept: -1, outputShape: 'vector' }),
    direct: true,
  },
  {
    name: 'regressor read as a classifier (forced task): no label output',
    model: () => buildLinearRegressor({ coefficients: coef(1)[0], intercept: 0 }),
    direct: false,
    opts: { task: 'classification' },
  },
  {
    name: 'string labels',
    model: () =>
      buildLinearClassifier({
        coefficients: coef(3),
        intercepts: [0, 0, 0],
        classes: ['a', 'b', 'c'],
      }),
    direct: false,
  },
  {
    name: 'a single probability column',
    model: () =>
      buildLinearClassifier({ coefficients: coef(1), intercepts: [0], outputs: 'score' }),
    direct: false,
  },
  {
    name: 'an MLP (ArgMax labels, softmax probabilities)',
    model: () =>
      buildMlp({
        layers: [
          { weights: randomWeights(5, F, 1), bias: [0, 0, 0, 0, 0] },
          { weights: randomWeights(3, 5, 2), bias: [0, 0, 0] },
        ],
        task: 'classification',
      }),
    direct: true,
  },
  {
    name: 'a batch pinned to one row',
    model: () => buildLinearClassifier({ coefficients: coef(1), intercepts: [0], batchDim: 1 }),
    direct: false,
  },
  {
    name: 'double input',
    model: () =>
      buildLinearClassifier({ coefficients: coef(1), intercepts: [0], inputType: 'float64' }),
    direct: false,
    wide: true,
  },
  {
    name: 'an output shape other than declared (falls back on the first run)',
    model: misdeclaredModel,
    direct: true,
  },
];

describe('createScorer', () => {
  it.each(cases)('$name: what runModel gives, run after run', async (c) => {
    const s = await session(await c.model());
    const maxRows = 16;
    const scorer = createScorer(s, F, maxRows, c.opts);
    expect(scorer.direct).toBe(c.direct);
    // one matrix refilled for every run, as eval does; sizes include partial batches
    const matrix = c.wide ? new Float64Array(maxRows * F) : new Float32Array(maxRows * F);
    const r = seeded(11);
    for (const rows of [16, 16, 5, 16, 1, 5, 16]) {
      for (let i = 0; i < rows * F; i++) matrix[i] = i % 17 === 3 ? NaN : Math.fround(r(-3, 3));
      const x = rows === maxRows ? matrix : matrix.subarray(0, rows * F);
      const got = await scorer.run(x, rows);
      const want = await runModel(s, x.slice(), rows, F, c.opts);
      expect(got.task).toBe(want.task);
      expect(got.labels === null ? null : Array.from(got.labels)).toEqual(want.labels);
      expect(got.probabilities === null ? null : Array.from(got.probabilities)).toEqual(
        want.probabilities === null ? null : Array.from(want.probabilities),
      );
      expect(got.classCount).toBe(want.classCount);
      expect(got.classLabels).toEqual(want.classLabels);
      expect(got.values === null ? null : Array.from(got.values)).toEqual(
        want.values === null ? null : Array.from(want.values),
      );
      expect(got.targetCount).toBe(want.targetCount);
    }
    if (c.model === misdeclaredModel) expect(scorer.direct).toBe(false);
  });

  it('runs more rows than it was made for through runModel', async () => {
    const s = await session(
      await buildLinearClassifier({ coefficients: coef(2), intercepts: [0, 0] }),
    );
    const scorer = createScorer(s, F, 4);
    const r = seeded(5);
    const x = Float32Array.from({ length: 9 * F }, () => r(-2, 2));
    const got = await scorer.run(x, 9);
    expect(Array.from(got.labels ?? [])).toEqual((await runModel(s, x, 9, F)).labels);
    expect(scorer.direct).toBe(true);
  });

  it.each([true, false])(
    'warm runs the model once per new row count, and runs after it give what they give without (direct: %s)',
    async (direct) => {
      const bytes = await buildLinearClassifier({
        coefficients: coef(1),
        intercepts: [0.1],
        ...(direct ? {} : { outputs: 'score' as const }),
      });
      const s = await session(bytes);
      const cold = await session(bytes);
      // count the session's real runs
      let runs = 0;
      const run = s.ort.run.bind(s.ort);
      s.ort.run = ((...args: Parameters<typeof run>) => {
        runs++;
        return run(...args);
      }) as typeof s.ort.run;
      const scorer = createScorer(s, F, 16);
      const plain = createScorer(cold, F, 16);
      expect(scorer.direct).toBe(direct);
      const r = seeded(8);
      const matrix = Float32Array.from({ length: 16 * F }, () => r(-3, 3));
      const warmedRows: number[] = [];
      for (const rows of [16, 16, 5, 16, 5, 1]) {
        const x = matrix.subarray(0, rows * F);
        const before = runs;
        const ran = await scorer.warm(x, rows);
        if (ran) warmedRows.push(rows);
        expect(runs - before).toBe(ran ? 1 : 0);
        const got = await scorer.run(x, rows);
        const want = await plain.run(x, rows);
        expect(Array.from(got.labels ?? [])).toEqual(Array.from(want.labels ?? []));
        expect(Array.from(got.probabilities ?? [])).toEqual(Array.from(want.probabilities ?? []));
      }
      expect(warmedRows).toEqual([16, 5, 1]);
      // six counted runs and three warm-ups
      expect(runs).toBe(9);
    },
  );

  it('refuses a matrix of the wrong size as runModel does', async () => {
    const s = await session(await misdeclaredModel());
    const scorer = createScorer(s, F, 4);
    await expect(scorer.run(new Float32Array(6), 2)).rejects.toThrow(
      /got 6 feature values; 2 rows × 4 features need 8/,
    );
  });
});

describe('int64WordsToNumbers', () => {
  it('reads int64 values as Number(bigint) does, up to 2^53', () => {
    const r = seeded(3);
    const values: bigint[] = [
      0n,
      1n,
      -1n,
      2n ** 31n,
      -(2n ** 31n),
      2n ** 32n,
      2n ** 32n - 1n,
      -(2n ** 32n),
      2n ** 53n - 1n,
      -(2n ** 53n - 1n),
    ];
    for (let i = 0; i < 500; i++) {
      const mag = Math.floor(r(0, 53));
      values.push(BigInt(Math.floor(r(-1, 1) * 2 ** mag)));
    }
    const src = BigInt64Array.from(values);
    const out = new Float64Array(src.length + 3).fill(-7);
    int64WordsToNumbers(new Int32Array(src.buffer), src.length, out);
    expect(Array.from(out.subarray(0, src.length))).toEqual(values.map(Number));
    // nothing past n is written
    expect(Array.from(out.subarray(src.length))).toEqual([-7, -7, -7]);
  });
});

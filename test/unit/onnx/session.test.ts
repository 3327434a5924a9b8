import { afterAll, describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import {
  GraphBuilder,
  attr,
  buildFailingModel,
  buildLinearClassifier,
  buildLinearRegressor,
  buildSlowModel,
  createSession,
  runModel,
  type OnnxSession,
} from '../../../src/onnx/index.js';
import { dot, maxAbsDiff, randomMatrix, sigmoid } from './helpers.js';

const open: OnnxSession[] = [];
afterAll(async () => {
  for (const s of open) await s.release();
});
async function session(bytes: Uint8Array, options = {}): Promise<OnnxSession> {
  const s = await createSession(bytes, options);
  open.push(s);
  return s;
}
async function rejection(p: Promise<unknown>): Promise<MloError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MloError);
  return err as MloError;
}

const F = 3;
const { flat: X, rows } = randomMatrix(8, F, 31);
const w = [0.5, -1, 0.25];
const regressor = (extra = {}): Promise<Uint8Array> =>
  buildLinearRegressor({ coefficients: w, intercept: 1, ...extra });
const expectedReg = rows.map((x) => dot(w, x) + 1);

describe('createSession / runModel', () => {
  it('int64-only output from a custom graph arrives as numbers', async () => {
    const g = new GraphBuilder();
    g.input('X', 'float32', [null, F]);
    g.node('ArgMax', ['X'], ['idx'], { axis: attr.int(1), keepdims: attr.int(0) });
    g.output('idx', 'int64', [null]);
    const s = await session(await g.toBytes());
    const out = await runModel(s, X, 8, F);
    const expected = rows.map((x) => x.indexOf(Math.max(...x)));
    expect(out.task).toBe('classification');
    expect(out.labels).toEqual(expected);
    expect(out.raw.idx.data).toEqual(expected);
    expect(out.probabilities).toBeNull();
  });

  it('int64 and uint64 values keep their sign and size up to 2^53', async () => {
    const values = [-1, -5_000_000_000, 2 ** 53 - 1, 0, 4_294_967_296, -(2 ** 31)];
    const g = new GraphBuilder();
    g.input('X', 'float32', [null, F]);
    const c = g.initializer('c', { type: 'int64', dims: [values.length], values });
    g.node('Identity', [c], ['signed']);
    const [abs] = g.node('Abs', [c], ['abs']);
    g.node('Cast', [abs], ['unsigned'], { to: attr.int(13) });
    g.output('signed', 'int64', [values.length]);
    g.output('unsigned', 'uint64', [values.length]);
    const s = await session(await g.toBytes());
    const out = await runModel(s, X.subarray(0, F), 1, F);
    expect(out.raw.signed.data).toEqual(values);
    expect(out.raw.unsigned.data).toEqual(values.map(Math.abs));
  });

  it('a model that fails at run time gives an MloError, and the session stays usable', async () => {
    const s = await session(await buildFailingModel({ nFeatures: F }));
    expect(s.signature.outputs.map((o) => o.name)).toEqual(['probabilities']);
    const err = await rejection(runModel(s, X, 8, F));
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toMatch(/^model run failed: /);
    expect(err.message).not.toContain('\n');
    // a second attempt fails the same way instead of crashing the process
    expect((await rejection(runModel(s, X.subarray(0, F), 1, F))).code).toBe('INTERNAL');
  });

  it('the slow model computes row sums', async () => {
    const s = await session(await buildSlowModel({ nFeatures: F, matmuls: 2, size: 64 }));
    const out = await runModel(s, X, 8, F);
    expect(
      maxAbsDiff(
        out.values!,
        rows.map((x) => x[0] + x[1] + x[2]),
      ),
    ).toBeLessThan(1e-5);
  });

  it('checks feature counts against the model and the buffer', async () => {
    const s = await session(await regressor());
    expect(s.nFeatures).toBe(F);
    const wrong = await rejection(runModel(s, new Float32Array(8), 2, 4));
    expect(wrong.code).toBe('INVALID');
    expect(wrong.message).toBe(`the model's input "X" takes 3 features, got 4`);
    const short = await rejection(runModel(s, new Float32Array(5), 2, 3));
    expect(short.message).toBe('got 5 feature values; 2 rows × 3 features need 6');
  });

  it('zero rows: empty outputs without running', async () => {
    const s = await session(await buildLinearClassifier({ coefficients: [w], intercepts: [0] }));
    const out = await runModel(s, new Float32Array(0), 0, F);
    expect(out.labels).toEqual([]);
    expect(out.probabilities).toEqual(new Float32Array(0));
    expect(out.classCount).toBe(2);
  });

  it('a model with its batch fixed to 1 is run row by row', async () => {
    const s = await session(await regressor({ batchDim: 1 }));
    const out = await runModel(s, X, 8, F);
    expect(out.raw.variable.dims).toEqual([8, 1]);
    expect(maxAbsDiff(out.values!, expectedReg)).toBeLessThan(1e-5);
  });

  it('a float64 input is fed doubles', async () => {
    const g = new GraphBuilder();
    g.input('X', 'float64', [null, F]);
    const W = g.initializer('W', { type: 'float64', dims: [F, 1], values: w });
    const [xw] = g.node('MatMul', ['X', W], ['xw']);
    g.node('Sigmoid', [xw], ['probability']);
    g.output('probability', 'float64', [null, 1]);
    const s = await session(await g.toBytes());
    const out = await runModel(s, X, 8, F);
    const p = rows.map((x) => sigmoid(dot(w, x)));
    expect(
      maxAbsDiff(
        out.probabilities!,
        p.flatMap((v) => [1 - v, v]),
      ),
    ).toBeLessThan(1e-6);
  });

  it('one [N, 1] input per feature (skl2onnx per-column inputs)', async () => {
    const g = new GraphBuilder();
    const names = ['age', 'tenure', 'spend'];
    for (const n of names) g.input(n, 'float32', [null, 1]);
    const [x] = g.node('Concat', names, ['x'], { axis: attr.int(1) });
    const W = g.initializer('W', { type: 'float32', dims: [F, 1], values: w });
    const [xw] = g.node('MatMul', [x, W], ['xw']);
    g.node('Identity', [xw], ['variable']);
    g.output('variable', 'float32', [null, 1]);
    const s = await session(await g.toBytes());
    expect(s.feed.kind).toBe('columns');
    expect(s.nFeatures).toBe(3);
    const out = await runModel(s, X, 8, F);
    expect(
      maxAbsDiff(
        out.values!,
        rows.map((r) => dot(w, r)),
      ),
    ).toBeLessThan(1e-5);
    const err = await rejection(runModel(s, new Float32Array(4), 1, 4));
    expect(err.message).toBe('the model takes 3 features (one input each), got 4');
  });

  it('feeds int64, int32 and bool matrix inputs, converting doubles exactly', async () => {
    const ints = [
      [3, -7, 12],
      [0, 1, -2],
      [100_000, -250_000, 9],
    ];
    const x = Float64Array.from(ints.flat());
    for (const inputType of ['int64', 'int32'] as const) {
      const s = await session(await regressor({ inputType }));
      expect(s.feed).toMatchObject({ kind: 'matrix', type: inputType });
      expect(s.wide).toBe(true);
      const out = await runModel(s, x, 3, F);
      expect(
        maxAbsDiff(
          out.values!,
          ints.map((r) => dot(w, r) + 1),
        ),
      ).toBeLessThan(1e-3);
      const bad = await rejection(runModel(s, Float64Array.from([1, 2.5, 3]), 1, F));
      expect(bad.code).toBe('INVALID');
      expect(bad.message).toBe(
        `row 1, feature 2: 2.5 is not a whole number (model input "X" is ${inputType})`,
      );
      const missing = await rejection(runModel(s, Float64Array.from([1, 2, NaN]), 1, F));
      expect(missing.message).toMatch(
        /feature 3: is missing, and an int(64|32) input has no missing value/,
      );
    }
    const big = await session(await regressor({ inputType: 'int64' }));
    const tooBig = await rejection(runModel(big, Float64Array.from([2 ** 53, 0, 0]), 1, F));
    expect(tooBig.message).toMatch(/9007199254740992 is beyond ±\(2\^53 − 1\)/);
    const i32 = await session(await regressor({ inputType: 'int32' }));
    expect(
      (await rejection(runModel(i32, Float64Array.from([2 ** 31, 0, 0]), 1, F))).message,
    ).toMatch(/2147483648 is outside the int32 range/);

    const bools = [
      [1, 0, 1],
      [0, 0, 0],
      [1, 1, 0],
    ];
    const b = await session(await regressor({ inputType: 'bool' }));
    const out = await runModel(b, Float64Array.from(bools.flat()), 3, F);
    expect(
      maxAbsDiff(
        out.values!,
        bools.map((r) => dot(w, r) + 1),
      ),
    ).toBeLessThan(1e-6);
    expect((await rejection(runModel(b, Float64Array.from([1, 2, 0]), 1, F))).message).toBe(
      'row 1, feature 2: 2 is not a boolean (true, false, 1 or 0) (model input "X" is bool)',
    );
  });

  it('a float64 model computes on the doubles it is given, not on float32 roundings', async () => {
    const s = await session(
      await buildLinearRegressor({
        coefficients: [1, 0.5],
        intercept: 0.25,
        inputType: 'float64',
        outputShape: 'vector',
      }),
    );
    expect(s.signature.outputs[0].elementType).toBe('float64');
    const x = [123_456_789.125, 0.1, -987_654_321.5, 1e-9];
    const out = await runModel(s, Float64Array.from(x), 2, 2);
    const expected = [x[0] + 0.5 * x[1] + 0.25, x[2] + 0.5 * x[3] + 0.25];
    expect(Array.from(out.values!)).toEqual(expected);
    // float32 would have made the first 123456792.3
    expect(Math.fround(x[0])).not.toBe(x[0]);
  });

  it('feeds one [N, 1] input per feature, each of its own type', async () => {
    const cw = [0.5, -1.25, 0.75, 0.125];
    const s = await session(
      await buildLinearClassifier({
        coefficients: [cw],
        intercepts: [-0.5],
        columns: [
          { name: 'age', type: 'int64' },
          { name: 'member', type: 'bool' },
          { name: 'income', type: 'float64' },
          { name: 'visits', type: 'int32' },
        ],
      }),
    );
    expect(s.feed).toMatchObject({ kind: 'columns', types: ['int64', 'bool', 'float64', 'int32'] });
    const data = [
      [41, 1, 2.5, 3],
      [19, 0, -1.75, 0],
      [67, 1, 0.5, 12],
    ];
    const out = await runModel(s, Float64Array.from(data.flat()), 3, 4);
    const p1 = data.map((r) => sigmoid(dot(cw, r) - 0.5));
    expect(
      maxAbsDiff(
        Array.from({ length: 3 }, (_, i) => out.probabilities![2 * i + 1]),
        p1,
      ),
    ).toBeLessThan(1e-6);
    expect(out.labels).toEqual(p1.map((p) => (p >= 0.5 ? 1 : 0)));
    const bad = await rejection(runModel(s, Float64Array.from([41, 1, 2.5, 3.5]), 1, 4));
    expect(bad.message).toBe(
      'row 1, feature 4: 3.5 is not a whole number (model input "visits" is int32)',
    );
  });

  it('refuses inputs of other types with the reason', async () => {
    const g = new GraphBuilder();
    g.input('ids', 'string', [null, 2]);
    g.node('Identity', ['ids'], ['out']);
    g.output('out', 'string', [null, 2]);
    const s = await session(await g.toBytes());
    const err = await rejection(runModel(s, new Float32Array(2), 1, 2));
    expect(err.message).toBe(
      'model input "ids" is tensor(string); mlo feeds float, double, int64, int32 or bool features',
    );
  });

  it('options: threads and spinning are accepted; bad counts are a usage error', async () => {
    const s = await session(await regressor(), {
      intraOpThreads: 2,
      interOpThreads: 1,
      spinning: true,
    });
    expect(maxAbsDiff((await runModel(s, X, 8, F)).values!, expectedReg)).toBeLessThan(1e-5);
    const err = await rejection(createSession(await regressor(), { intraOpThreads: -1 }));
    expect(err.code).toBe('USAGE');
  });

  it('concurrent runs on one session each get their own rows back', async () => {
    const s = await session(await regressor());
    const outs = await Promise.all(rows.map((r) => runModel(s, Float32Array.from(r), 1, F)));
    expect(
      maxAbsDiff(
        outs.map((o) => o.values![0]),
        expectedReg,
      ),
    ).toBeLessThan(1e-5);
  });

  it('invalid bytes are INVALID', async () => {
    const err = await rejection(createSession(new Uint8Array([8, 1, 18, 0])));
    expect(err.code).toBe('INVALID');
  });
});

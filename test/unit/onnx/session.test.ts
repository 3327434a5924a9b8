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

  it('refuses to feed an integer input', async () => {
    const g = new GraphBuilder();
    g.input('ids', 'int64', [null, 2]);
    g.node('Identity', ['ids'], ['out']);
    g.output('out', 'int64', [null, 2]);
    const s = await session(await g.toBytes());
    const err = await rejection(runModel(s, new Float32Array(2), 1, 2));
    expect(err.message).toBe('model input "ids" is tensor(int64); mlo feeds float features');
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

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import {
  GraphBuilder,
  buildLinearClassifier,
  buildMlp,
  readSignature,
  type ModelSignature,
} from '../../../src/onnx/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mlo-onnx-sig-'));

async function rejection(p: Promise<unknown>): Promise<MloError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MloError);
  return err as MloError;
}

describe('readSignature', () => {
  it('reads names, element types, symbolic/unknown/fixed dims, labels, opsets', async () => {
    const bytes = await buildLinearClassifier({
      coefficients: [
        [1, 2, 3],
        [0, 1, 0],
        [1, 1, 1],
      ],
      intercepts: [0, 0, 0],
      classes: ['a', 'b', 'c'],
      inputName: 'float_input',
      batchDim: 'batch',
    });
    const path = join(dir, 'lr.onnx');
    writeFileSync(path, bytes);
    const sig: ModelSignature = await readSignature(path);
    expect(sig.inputs).toEqual([
      {
        name: 'float_input',
        type: 'tensor(float)',
        isTensor: true,
        elementType: 'float32',
        shape: ['batch', 3],
      },
    ]);
    expect(sig.outputs).toEqual([
      {
        name: 'label',
        type: 'tensor(string)',
        isTensor: true,
        elementType: 'string',
        shape: ['batch'],
      },
      {
        name: 'probabilities',
        type: 'tensor(float)',
        isTensor: true,
        elementType: 'float32',
        shape: ['batch', 3],
      },
    ]);
    expect(sig.usableOutputs).toEqual(['label', 'probabilities']);
    expect(sig.unusableOutputs).toEqual([]);
    expect(sig.warnings).toEqual([]);
    expect(sig.classLabels).toEqual(['a', 'b', 'c']);
    expect(sig.irVersion).toBe(8);
    expect(sig.opsets).toEqual({ '': 17, 'ai.onnx.ml': 3 });
    expect(sig.producer).toBe('mlo');
    // plain data: survives a JSON round trip unchanged (the registry stores it as JSON)
    expect(JSON.parse(JSON.stringify(sig))).toEqual(sig);
  });

  it('takes class labels from metadata for standard-op classifiers', async () => {
    const sig = await readSignature(
      await buildMlp({
        task: 'classification',
        classes: [5, 6],
        layers: [{ weights: [[1], [2]], bias: [0, 0] }],
      }),
      { verify: false },
    );
    expect(sig.classLabels).toEqual([5, 6]);
    expect(sig.inputs[0].shape).toEqual([null, 1]);
  });

  it('describes a graph with no declared output shape and several inputs', async () => {
    const g = new GraphBuilder();
    g.input('a', 'float64', [null, 1]);
    g.input('b', 'int64', ['n', 1]);
    g.node('Cast', ['b'], ['b_double'], { to: { type: 'int', value: 11 } });
    g.node('Add', ['a', 'b_double'], ['sum']);
    g.output('sum', 'float64');
    const sig = await readSignature(await g.toBytes());
    expect(sig.inputs.map((i) => [i.name, i.type, i.shape])).toEqual([
      ['a', 'tensor(double)', [null, 1]],
      ['b', 'tensor(int64)', ['n', 1]],
    ]);
    expect(sig.outputs[0]).toMatchObject({ name: 'sum', elementType: 'float64', shape: null });
    expect(sig.classLabels).toBeNull();
  });

  it('refuses bytes that are not a model, with a one-line reason', async () => {
    const err = await rejection(readSignature(new Uint8Array([1, 2, 3, 4, 5])));
    expect(err.code).toBe('INVALID');
    expect(err.message).toMatch(/^model: not an ONNX model \(protobuf: .+\)$/);
    expect(err.message).not.toContain('\n');
  });

  it('refuses a text file and names it', async () => {
    const path = join(dir, 'notes.onnx');
    writeFileSync(path, 'this is not a model\n');
    const err = await rejection(readSignature(path));
    expect(err.code).toBe('INVALID');
    expect(err.message.startsWith(`${path}: not an ONNX model`)).toBe(true);
  });

  it('refuses a well-formed protobuf whose graph onnxruntime cannot load', async () => {
    const g = new GraphBuilder();
    g.input('X', 'float32', [null, 2]);
    g.node('NoSuchOp', ['X'], ['Y']);
    g.output('Y', 'float32', [null, 2]);
    const bytes = await g.toBytes();
    // decoding alone accepts it; verification in onnxruntime does not
    await expect(readSignature(bytes, { verify: false })).resolves.toBeTruthy();
    const err = await rejection(readSignature(bytes));
    expect(err.code).toBe('INVALID');
    expect(err.message).toMatch(/^model: onnxruntime cannot load it: .*NoSuchOp/);
    expect(err.message).not.toContain('\n');
  });

  it('a missing file is NOT_FOUND, an empty one INVALID', async () => {
    expect((await rejection(readSignature(join(dir, 'nope.onnx')))).code).toBe('NOT_FOUND');
    const empty = join(dir, 'empty.onnx');
    writeFileSync(empty, '');
    const err = await rejection(readSignature(empty));
    expect(err.code).toBe('INVALID');
    expect(err.message).toContain('no graph');
  });
});

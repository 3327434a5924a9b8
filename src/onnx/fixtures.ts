/**
 * Models with deliberate behaviour, for tests and benches of the code that serves and
 * evaluates models: one that always fails at run time (shadow isolation), one that is
 * slow on purpose (timeouts, batching, event-loop blocking).
 */
import { startGraph, type InputOptions } from './common.js';
import { attr } from './graph.js';

export interface FailingModelSpec extends InputOptions {
  nFeatures: number;
}

/**
 * Loads and declares `probabilities` [N, 2] like a binary classifier, but every run
 * fails: it gathers feature columns that do not exist, which only the kernel checks.
 */
export async function buildFailingModel(spec: FailingModelSpec): Promise<Uint8Array> {
  const { g, input } = startGraph(spec, spec.nFeatures, { name: 'failing_model' });
  const idx = g.initializer('bad_columns', {
    type: 'int64',
    dims: [2],
    values: [spec.nFeatures + 5, spec.nFeatures + 6],
  });
  const [picked] = g.node('Gather', [input, idx], ['picked'], { axis: attr.int(1) });
  g.node('Softmax', [picked], ['probabilities'], { axis: attr.int(1) });
  g.output('probabilities', 'float32', [spec.batchDim ?? null, 2]);
  return g.toBytes();
}

export interface SlowModelSpec extends InputOptions {
  nFeatures: number;
  /** how many size×size matrix products each run computes (default 4) */
  matmuls?: number;
  /** matrix size (default 256; a 512 product is ~0.13 GFLOP) */
  size?: number;
}

/**
 * Outputs `variable` [N, 1] = the sum of each row's features, after a chain of matrix
 * products whose cost does not depend on the batch size. The products depend on the
 * input, so onnxruntime cannot fold them away at load time.
 */
export async function buildSlowModel(spec: SlowModelSpec): Promise<Uint8Array> {
  const size = spec.size ?? 256;
  const { g, input } = startGraph(spec, spec.nFeatures, { name: 'slow_model' });
  const ones = g.initializer('ones', {
    type: 'float32',
    dims: [spec.nFeatures, 1],
    values: new Array<number>(spec.nFeatures).fill(1),
  });
  const identity = new Float32Array(size * size);
  for (let i = 0; i < size; i++) identity[i * size + i] = 1;
  const eye = g.initializer('eye', { type: 'float32', dims: [size, size], values: identity });
  const zero = g.initializer('zero', { type: 'float32', dims: [], values: [0] });

  const [rowSums] = g.node('MatMul', [input, ones], ['row_sums']);
  const [total] = g.node('ReduceSum', [rowSums], ['total'], { keepdims: attr.int(0) });
  let [m] = g.node('Mul', [eye, total], ['m0']);
  for (let i = 0; i < (spec.matmuls ?? 4); i++) [m] = g.node('MatMul', [m, eye], [`m${i + 1}`]);
  const [mean] = g.node('ReduceMean', [m], ['mean'], { keepdims: attr.int(0) });
  const [nothing] = g.node('Mul', [mean, zero], ['nothing']);
  g.node('Add', [rowSums, nothing], ['variable']);
  g.output('variable', 'float32', [spec.batchDim ?? null, 1]);
  return g.toBytes();
}

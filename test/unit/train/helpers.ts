/** Shared checks for trainer tests: run an exported model in onnxruntime-node. */
import { createSession, runModel, type ModelOutputs } from '../../../src/onnx/index.js';

export async function runExported(
  bytes: Uint8Array,
  X: readonly (readonly number[])[],
): Promise<ModelOutputs> {
  const s = await createSession(bytes);
  try {
    return await runModel(s, Float32Array.from(X.flat()), X.length, X[0].length);
  } finally {
    await s.release();
  }
}

export function accuracy<T>(predicted: readonly T[], actual: readonly T[]): number {
  let hits = 0;
  for (let i = 0; i < actual.length; i++) if (predicted[i] === actual[i]) hits++;
  return hits / actual.length;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Rows rounded to float32, so trainer and runtime see the same inputs. */
export function asFloat32Rows(X: readonly (readonly number[])[]): number[][] {
  return X.map((r) => r.map(Math.fround));
}

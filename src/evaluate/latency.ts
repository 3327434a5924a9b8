/**
 * Per-row latency as a served request sees it: rows run one at a time through the same
 * session, each timed. A batch's time divided by its rows would report microseconds for
 * a model that takes milliseconds per request, and a `p99_ms <= 20` gate would mean
 * nothing.
 */
import { runModel, type FeatureMatrix, type OnnxSession } from '../onnx/index.js';

export interface LatencyOptions {
  /** untimed runs first, so one-off allocation is not measured (default 10) */
  warmup?: number;
  /** stop after this much measuring, whatever the row count (default 2000 ms) */
  budgetMs?: number;
}

/** Latency in ms of each of the first `rows` rows of `x` (rows × nf), run alone. */
export async function measureLatency(
  session: OnnxSession,
  x: FeatureMatrix,
  rows: number,
  nf: number,
  options: LatencyOptions = {},
): Promise<Float64Array> {
  if (rows === 0) return new Float64Array(0);
  const row = (i: number): FeatureMatrix => x.subarray(i * nf, (i + 1) * nf);
  const warmup = Math.min(options.warmup ?? 10, rows);
  for (let i = 0; i < warmup; i++) await runModel(session, row(i), 1, nf);
  const budget = options.budgetMs ?? 2000;
  const out = new Float64Array(rows);
  const start = performance.now();
  let n = 0;
  while (n < rows) {
    const t0 = performance.now();
    await runModel(session, row(n), 1, nf);
    const t1 = performance.now();
    out[n++] = t1 - t0;
    if (t1 - start > budget) break;
  }
  return out.subarray(0, n);
}

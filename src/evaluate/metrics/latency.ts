/** Latency percentiles and throughput for `mlo eval` and `mlo serve`. */
import { MloError } from '../../errors.js';
import { firstNaN } from './numeric.js';
import { selectInPlace } from './sort.js';
import { ok, toMetricSet, undefinedMetric, type MetricResult, type MetricSet } from './types.js';

export const LATENCY_METRICS = ['p50_ms', 'p95_ms', 'p99_ms', 'rows_per_s'] as const;
export type LatencyMetricName = (typeof LATENCY_METRICS)[number];

/**
 * numpy.percentile(values, q) with its default 'linear' method, q in [0, 100].
 * Sorts a copy; use `percentilesOf` for several q over the same values.
 */
export function percentile(values: ArrayLike<number>, q: number): MetricResult {
  return percentilesOf(values, [q])[0];
}

export function percentilesOf(values: ArrayLike<number>, qs: readonly number[]): MetricResult[] {
  for (const q of qs) {
    if (!(q >= 0 && q <= 100)) throw new MloError('INVALID', `percentile ${q} is outside [0, 100]`);
  }
  if (values.length === 0) return qs.map(() => undefinedMetric('no latency samples'));
  const nan = firstNaN(values);
  if (nan >= 0) return qs.map(() => undefinedMetric(`latency sample ${nan} is NaN`));
  const copy = Float64Array.from(values);
  const n = copy.length;
  // Select the needed order statistics in ascending order: once k is in place,
  // everything right of it is >= values[k], so the next search starts at k + 1.
  const order = qs.map((q, i) => ({ i, virtual: (n - 1) * (q / 100) }));
  order.sort((x, y) => x.virtual - y.virtual);
  const results = new Array<MetricResult>(qs.length);
  let from = 0;
  for (const { i, virtual } of order) {
    const below = Math.floor(virtual);
    if (below >= from) {
      selectInPlace(copy, below, from, n);
      from = below;
    }
    const a = copy[below];
    let b = a;
    if (below + 1 < n) {
      if (below + 1 >= from) {
        selectInPlace(copy, below + 1, below + 1, n);
        from = below + 1;
      }
      b = copy[below + 1];
    }
    results[i] = ok(lerp(a, b, virtual - below));
  }
  return results;
}

/** numpy's _lerp: interpolate from the nearer end, which keeps the result monotonic. */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

export interface LatencyInput {
  /** per-row latencies in milliseconds (e.g. a batch's time divided by its rows, once per row) */
  latenciesMs: ArrayLike<number>;
  /** rows scored in total and the wall time it took, for rows_per_s */
  rows: number;
  elapsedMs: number;
}

export interface LatencyReport extends MetricSet {
  metrics: Record<LatencyMetricName, number | null>;
}

export function computeLatencyMetrics(input: LatencyInput): LatencyReport {
  const [p50, p95, p99] = percentilesOf(input.latenciesMs, [50, 95, 99]) as [
    MetricResult,
    MetricResult,
    MetricResult,
  ];
  return toMetricSet({
    p50_ms: p50,
    p95_ms: p95,
    p99_ms: p99,
    rows_per_s: rowsPerSecond(input.rows, input.elapsedMs),
  });
}

export function rowsPerSecond(rows: number, elapsedMs: number): MetricResult {
  if (rows <= 0) return undefinedMetric('no rows were scored');
  if (!(elapsedMs > 0) || !Number.isFinite(elapsedMs)) {
    return undefinedMetric(`elapsed time ${elapsedMs} ms is too small to measure a rate`);
  }
  return ok(rows / (elapsedMs / 1000));
}

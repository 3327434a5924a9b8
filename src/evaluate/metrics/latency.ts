/** Latency percentiles and throughput for `mlo eval` and `mlo serve`. */
import { MloError } from '../../errors.js';
import { firstNaN } from './numeric.js';
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
  const sorted = Float64Array.from(values).sort();
  return qs.map((q) => ok(linearQuantile(sorted, q / 100)));
}

/** numpy's linear interpolation between the two order statistics around (n - 1)·q. */
function linearQuantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const virtual = (n - 1) * q;
  const below = Math.floor(virtual);
  const a = sorted[Math.min(below, n - 1)];
  const b = sorted[Math.min(below + 1, n - 1)];
  const t = virtual - below;
  const diff = b - a;
  // numpy's _lerp interpolates from the nearer end, which keeps the result monotonic.
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

/**
 * Serving from the prediction log: requests per minute, latency percentiles per
 * version (per request, not per logged instance), and the distribution of
 * predictions. The log holds the answers a server gave, not the requests it refused,
 * so there is no error rate to read from it (`errors` says so).
 */
import { MloError } from '../errors.js';
import { parseSince } from '../monitor/index.js';
import { iteratePredictions } from '../serve/index.js';
import { countPredictionsByBucket, summarisePredictionLog } from '../store/index.js';
import type { UiContext } from './context.js';
import { intParam, requireParam } from './query.js';

/** Newest rows read per version for percentiles and distributions. */
export const SAMPLE_ROWS = 100_000;

export interface VersionServing {
  version: number;
  /** logged instances (primary answers) in the window */
  rows: number;
  /** distinct requests among the sampled rows */
  requests: number;
  latencyMs: { p50: number; p90: number; p95: number; p99: number; max: number } | null;
  /** per bucket of `bucketMs`, from `fromMs` */
  rate: number[];
  /** label → count, or a numeric histogram */
  predictions:
    | { kind: 'labels'; counts: { label: string; count: number }[] }
    | { kind: 'histogram'; edges: number[]; counts: number[] }
    | null;
  shadowRows: number;
}

export interface ServingReport {
  model: string;
  fromMs: number;
  toMs: number;
  bucketMs: number;
  versions: VersionServing[];
  /** rows outside the window, so an empty window can say when the model last served */
  lastMs: number | null;
  errors: { available: false; reason: string };
}

function percentile(sorted: Float64Array, p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function distribution(values: unknown[]): VersionServing['predictions'] {
  if (values.length === 0) return null;
  const numeric = values.every((v) => typeof v === 'number' && Number.isFinite(v));
  const distinct = new Set(values.map((v) => JSON.stringify(v)));
  if (!numeric || distinct.size <= 20) {
    const counts = new Map<string, number>();
    for (const v of values) {
      const k = typeof v === 'string' ? v : JSON.stringify(v);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return {
      kind: 'labels',
      counts: [...counts]
        .map(([label, count]) => ({ label, count }))
        .sort((a, b) => b.count - a.count)
        .slice(0, 50),
    };
  }
  const xs = values as number[];
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of xs) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const bins = 30;
  const width = (hi - lo) / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const x of xs) counts[Math.min(bins - 1, Math.floor((x - lo) / width))]++;
  return {
    kind: 'histogram',
    edges: Array.from({ length: bins + 1 }, (_, i) => lo + i * width),
    counts,
  };
}

export function servingReport(ctx: UiContext, q: URLSearchParams): ServingReport {
  const model = requireParam(q, 'model');
  const toMs = Date.now();
  const sinceText = q.get('since') ?? '24h';
  const fromMs = sinceText === 'all' ? 0 : parseSince(sinceText, toMs);
  const buckets = intParam(q, 'buckets', 60, 1, 1000);
  const all = summarisePredictionLog(ctx.repo.store, { model });
  if (all.length === 0) {
    throw new MloError(
      'NOT_FOUND',
      `no prediction log for ${model}: it was never served with logging`,
    );
  }
  const firstInWindow = Math.max(fromMs, Math.min(...all.map((r) => r.first_ms)));
  const start = sinceText === 'all' ? firstInWindow : fromMs;
  const bucketMs = Math.max(1000, Math.ceil((toMs - start) / buckets));
  const counts = countPredictionsByBucket(ctx.repo.store, {
    model,
    fromMs: start,
    widthMs: bucketMs,
    role: 'primary',
  });
  const inWindow = summarisePredictionLog(ctx.repo.store, { model, sinceMs: start });
  const versions = [...new Set(inWindow.map((r) => r.version))].sort((a, b) => a - b);
  return {
    model,
    fromMs: start,
    toMs,
    bucketMs,
    lastMs: Math.max(...all.map((r) => r.last_ms)),
    errors: {
      available: false,
      reason: 'the prediction log records answers, not failed requests',
    },
    versions: versions.map((version) => {
      const rate = new Array<number>(buckets).fill(0);
      for (const c of counts)
        if (c.version === version && c.bucket < buckets) rate[c.bucket] += c.rows;
      const latencies: number[] = [];
      const seen = new Set<string>();
      const predictions: unknown[] = [];
      for (const r of iteratePredictions(ctx.repo, {
        model: `${model}@${version}`,
        role: 'primary',
        since: start,
        limit: SAMPLE_ROWS,
      })) {
        predictions.push(r.prediction);
        const key = r.requestId ?? `#${r.id}`;
        if (r.latencyMs !== null && !seen.has(key)) {
          seen.add(key);
          latencies.push(r.latencyMs);
        }
      }
      const sorted = Float64Array.from(latencies).sort();
      return {
        version,
        rows: inWindow
          .filter((r) => r.version === version && r.role === 'primary')
          .reduce((a, r) => a + r.rows, 0),
        shadowRows: inWindow
          .filter((r) => r.version === version && r.role === 'shadow')
          .reduce((a, r) => a + r.rows, 0),
        requests: seen.size,
        latencyMs: sorted.length
          ? {
              p50: percentile(sorted, 50),
              p90: percentile(sorted, 90),
              p95: percentile(sorted, 95),
              p99: percentile(sorted, 99),
              max: sorted[sorted.length - 1],
            }
          : null,
        rate,
        predictions: distribution(predictions),
      };
    }),
  };
}

/**
 * Serving from the prediction log: requests per minute, latency percentiles per
 * version (per request, not per logged instance), and the distribution of
 * predictions. The log holds the answers a server gave, not the requests it refused,
 * so error rates come from the per-minute request counts `mlo serve` keeps beside it
 * (serve_traffic), and live performance from the history `mlo perf` stores.
 */
import { MloError } from '../errors.js';
import { parseSince } from '../monitor/index.js';
import { iteratePredictions } from '../serve/index.js';
import {
  countPredictionsByBucket,
  listPerfResults,
  sumTraffic,
  summarisePredictionLog,
} from '../store/index.js';
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
  errors: ServingErrors;
  /** the newest `mlo perf` results for the model, oldest first */
  performance: LivePerformance[];
}

export interface VersionErrors {
  version: number;
  requests: number;
  /** answered 5xx */
  serverErrors: number;
  /** refused 4xx (bad input, too large, unauthenticated) */
  rejected: number;
  /** (serverErrors + rejected) / requests, null without requests */
  errorRate: number | null;
}

export type ServingErrors =
  { available: true; versions: VersionErrors[] } | { available: false; reason: string };

export interface LivePerformance {
  createdMs: number;
  versions: string;
  role: string;
  labelled: number;
  verdict: string | null;
  /** the overall figures: metric → value with its interval */
  metrics: Record<string, { value: number | null; low: number | null; high: number | null }>;
}

/** Newest `mlo perf` results shown. */
const PERF_ROWS = 20;

function servingErrors(
  ctx: UiContext,
  model: string,
  versions: readonly number[],
  sinceMs: number,
): ServingErrors {
  const rows = versions.map((version): VersionErrors => {
    const t = sumTraffic(ctx.repo.store, { model, version, sinceMs });
    return {
      version,
      requests: t.requests,
      serverErrors: t.errors,
      rejected: t.rejected,
      errorRate: t.requests > 0 ? (t.errors + t.rejected) / t.requests : null,
    };
  });
  if (rows.every((r) => r.requests === 0)) {
    return {
      available: false,
      reason: 'no request counts in this window (mlo serve keeps them per minute)',
    };
  }
  return { available: true, versions: rows };
}

function livePerformance(ctx: UiContext, model: string): LivePerformance[] {
  return listPerfResults(ctx.repo.store, model, PERF_ROWS).map((r) => {
    let metrics: LivePerformance['metrics'] = {};
    try {
      const overall = (JSON.parse(r.result_json) as { overall?: { metrics?: unknown } }).overall;
      const m = overall?.metrics;
      if (m && typeof m === 'object') {
        metrics = Object.fromEntries(
          Object.entries(m as Record<string, { value?: unknown; low?: unknown; high?: unknown }>)
            .filter(([, f]) => f && typeof f === 'object')
            .map(([k, f]) => [
              k,
              {
                value: typeof f.value === 'number' ? f.value : null,
                low: typeof f.low === 'number' ? f.low : null,
                high: typeof f.high === 'number' ? f.high : null,
              },
            ]),
        );
      }
    } catch {
      // a result this version cannot read shows its counts only
    }
    return {
      createdMs: r.created_ms,
      versions: r.versions,
      role: r.role,
      labelled: r.labelled,
      verdict: r.verdict,
      metrics,
    };
  });
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
    errors: servingErrors(ctx, model, versions, start),
    performance: livePerformance(ctx, model),
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

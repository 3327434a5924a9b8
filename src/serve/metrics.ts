/**
 * The server's Prometheus metrics (prom-client, loaded when the server starts). Label
 * children are cached so the request path pays a map lookup, not prom-client's label
 * hashing, per request.
 */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ServeMetrics {
  request(route: string, model: string, version: string, status: number, seconds: number): void;
  batch(model: string, version: string, rows: number): void;
  modelLoaded(route: string, model: string, version: number, seconds: number): void;
  modelUnloaded(route: string, model: string, version: number): void;
  shadow(
    model: string,
    version: string,
    outcome: 'agree' | 'disagree' | 'error',
    rows: number,
  ): void;
  shadowDropped(rows: number): void;
  logQueue(rows: number): void;
  logWritten(rows: number): void;
  logDropped(rows: number): void;
  /** rows appended to the spool; `pending`: rows in the spool now */
  logSpooled(rows: number, pending: number): void;
  render(): Promise<string>;
  readonly contentType: string;
}

const LATENCY_BUCKETS = [
  0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];

/** A label-set cache in front of prom-client's `labels()`. */
function cached<T>(make: (values: string[]) => T): (...values: string[]) => T {
  const cache = new Map<string, T>();
  return (...values) => {
    const key = values.join('\u0000');
    let child = cache.get(key);
    if (child === undefined) cache.set(key, (child = make(values)));
    return child;
  };
}

export async function createMetrics(): Promise<ServeMetrics> {
  // CommonJS: the bundle and Node's ESM loader both hand module.exports over as default
  const prom = (await import('prom-client')).default;
  const register: Registry = new prom.Registry();
  prom.collectDefaultMetrics({ register, prefix: 'mlo_serve_' });

  const requests: Counter<string> = new prom.Counter({
    name: 'mlo_serve_requests_total',
    help: 'HTTP requests answered, by model, version, route and status',
    labelNames: ['model', 'version', 'route', 'status'],
    registers: [register],
  });
  const latency: Histogram<string> = new prom.Histogram({
    name: 'mlo_serve_request_duration_seconds',
    help: 'time from a request to its answer, by route',
    labelNames: ['route'],
    buckets: LATENCY_BUCKETS,
    registers: [register],
  });
  const batches: Histogram<string> = new prom.Histogram({
    name: 'mlo_serve_batch_rows',
    help: 'rows in each model run (micro-batches), by model and version',
    labelNames: ['model', 'version'],
    buckets: BATCH_BUCKETS,
    registers: [register],
  });
  const loadTime: Gauge<string> = new prom.Gauge({
    name: 'mlo_serve_model_load_seconds',
    help: 'how long loading the served model version took, by route (main, canary, shadow)',
    labelNames: ['route', 'model', 'version'],
    registers: [register],
  });
  const info: Gauge<string> = new prom.Gauge({
    name: 'mlo_serve_model_info',
    help: '1 for each model version being served, by route',
    labelNames: ['route', 'model', 'version'],
    registers: [register],
  });
  const shadowRows: Counter<string> = new prom.Counter({
    name: 'mlo_serve_shadow_rows_total',
    help: "shadow model rows by outcome: agree or disagree with the primary's prediction, or error",
    labelNames: ['model', 'version', 'outcome'],
    registers: [register],
  });
  const shadowDropped: Counter = new prom.Counter({
    name: 'mlo_serve_shadow_dropped_rows_total',
    help: 'rows the shadow model never saw because its queue was full',
    registers: [register],
  });
  const logDepth: Gauge = new prom.Gauge({
    name: 'mlo_serve_prediction_log_queue_rows',
    help: 'prediction log rows waiting to be written',
    registers: [register],
  });
  const logWritten: Counter = new prom.Counter({
    name: 'mlo_serve_prediction_log_written_rows_total',
    help: 'prediction log rows written to the store',
    registers: [register],
  });
  const logDropped: Counter = new prom.Counter({
    name: 'mlo_serve_prediction_log_dropped_rows_total',
    help: 'prediction log rows lost: neither the store nor the spool (.mlo/spool) could take them (a full disk)',
    registers: [register],
  });
  const logSpooled: Counter = new prom.Counter({
    name: 'mlo_serve_prediction_log_spooled_rows_total',
    help: 'prediction log rows that went to the spool (.mlo/spool) because the writer was behind or the store refused them',
    registers: [register],
  });
  const logPending: Gauge = new prom.Gauge({
    name: 'mlo_serve_prediction_log_spool_rows',
    help: 'prediction log rows in the spool, waiting to be written to the store',
    registers: [register],
  });
  // present from the start, so a dashboard sees 0 rather than nothing
  logDepth.set(0);
  logWritten.inc(0);
  logDropped.inc(0);
  logSpooled.inc(0);
  logPending.set(0);
  shadowDropped.inc(0);

  const requestChild = cached((v) => requests.labels(...v));
  const latencyChild = cached((v) => latency.labels(...v));
  const batchChild = cached((v) => batches.labels(...v));
  const shadowChild = cached((v) => shadowRows.labels(...v));

  return {
    request(route, model, version, status, seconds) {
      requestChild(model, version, route, String(status)).inc();
      latencyChild(route).observe(seconds);
    },
    batch: (model, version, rows) => batchChild(model, version).observe(rows),
    modelLoaded(route, model, version, seconds) {
      loadTime.labels(route, model, String(version)).set(seconds);
      info.labels(route, model, String(version)).set(1);
    },
    modelUnloaded(route, model, version) {
      info.remove(route, model, String(version));
      loadTime.remove(route, model, String(version));
    },
    shadow: (model, version, outcome, rows) => shadowChild(model, version, outcome).inc(rows),
    shadowDropped: (rows) => shadowDropped.inc(rows),
    logQueue: (rows) => logDepth.set(rows),
    logWritten: (rows) => logWritten.inc(rows),
    logDropped: (rows) => logDropped.inc(rows),
    logSpooled(rows, pending) {
      logSpooled.inc(rows);
      logPending.set(pending);
    },
    render: () => register.metrics(),
    contentType: register.contentType,
  };
}

/**
 * The server's Prometheus metrics. Node's process and runtime metrics come from
 * prom-client under their standard unprefixed names (`process_*`, `nodejs_*`), which
 * stock Node.js dashboards query. What is observed per request (answers, latency,
 * model compute, queue wait, batch sizes, shadow outcomes) lives in
 * metric-families.ts, with label children resolved once per served model version, so
 * the request path builds no strings for its metrics.
 */
import type { Gauge, Metric, Registry } from 'prom-client';
import type { PredictionRoute } from '../store/index.js';
import {
  CounterFamily,
  escapeLabel,
  formatValue,
  header,
  HistogramFamily,
  ReadGauge,
} from './metric-families.js';

/** Which part a served version plays: it answers (primary, canary) or is compared (shadow). */
export type MetricRole = 'primary' | 'canary' | 'shadow';

export function metricRole(route: PredictionRoute): MetricRole {
  return route === 'main' ? 'primary' : route;
}

/** One served model version's metrics, resolved when it loads. */
export interface ModelMetrics {
  /** a prediction answered 200 on `route`, `seconds` after the request arrived */
  answered: (route: string, seconds: number) => void;
  /** one model run (a micro-batch) of `rows` rows that computed for `seconds` */
  ran: (rows: number, seconds: number) => void;
  /** one request's rows waited `seconds` in the micro-batcher before their run began */
  waited: (seconds: number) => void;
  /** the shadow answered `rows` rows queued `seconds` ago; `agree` of them as the primary did */
  shadowed: (rows: number, agree: number, seconds: number) => void;
  shadowFailed: (rows: number) => void;
}

export interface ServeMetrics {
  forModel(route: PredictionRoute, model: string, version: number): ModelMetrics;
  /** any answer but a model's 200: errors, probes, metadata, /metrics itself */
  request(route: string, model: string, version: string, status: number): void;
  modelLoaded(route: string, model: string, version: number, seconds: number): void;
  modelUnloaded(route: string, model: string, version: number): void;
  shadowDropped(rows: number): void;
  logQueue(rows: number): void;
  logWritten(rows: number): void;
  logDropped(rows: number): void;
  /** rows appended to the spool; `pending`: rows in the spool now */
  logSpooled(rows: number, pending: number): void;
  render(): Promise<string>;
  readonly contentType: string;
}

/** Seconds; the low end is for queue waits and small models' runs (tens of µs). */
const SECONDS_BUCKETS = [
  0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
  5,
];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];

const MODEL_LABELS = ['model', 'version', 'role'];

/**
 * prom-client's default metrics include gauges named `*_total` (nodejs_active_handles_total
 * and its siblings, the sums of the per-type gauges). A gauge may not end in `_total`
 * (promtool: "non-counter metrics should not have _total suffix"), yet these are the
 * names Node.js dashboards query. They are exposed as untyped, which is what they are
 * to a Prometheus server anyway (a gauge), under the names dashboards know.
 */
function takeTotalGauges(register: Registry): Metric[] {
  const taken: Metric[] = [];
  for (const m of register.getMetricsAsArray()) {
    const name = (m as unknown as { name: string }).name;
    const type = (m as unknown as { type?: string }).type;
    if (name.endsWith('_total') && type === 'gauge') {
      taken.push(register.getSingleMetric(name)!);
      register.removeSingleMetric(name);
    }
  }
  return taken;
}

async function renderUntyped(metric: Metric): Promise<string> {
  const got = await metric.get();
  let s = header(got.name, got.help, 'untyped');
  for (const v of got.values) {
    const labels = Object.entries(v.labels)
      .map(([k, x]) => `${k}="${escapeLabel(String(x))}"`)
      .join(',');
    s += `${got.name}${labels ? `{${labels}}` : ''} ${formatValue(v.value)}\n`;
  }
  return s;
}

export async function createMetrics(readInflight: () => number): Promise<ServeMetrics> {
  // CommonJS: the bundle and Node's ESM loader both hand module.exports over as default
  const prom = (await import('prom-client')).default;
  const register: Registry = new prom.Registry();
  prom.collectDefaultMetrics({ register });
  const untyped = takeTotalGauges(register);

  const requests = new CounterFamily(
    'mlo_serve_requests_total',
    'HTTP requests answered, by model, version, route and status',
    ['model', 'version', 'route', 'status'],
  );
  const latency = new HistogramFamily(
    'mlo_serve_request_duration_seconds',
    'time from a request to its answer, for predictions answered 200 (errors and other routes are left out), by model, version and role (primary, canary; for the shadow: from queueing its rows to its answer)',
    MODEL_LABELS,
    SECONDS_BUCKETS,
  );
  const predict = new HistogramFamily(
    'mlo_serve_predict_seconds',
    "model compute time of each run (one micro-batch), without queueing, parsing or writing the answer (KServe's request_predict_seconds); with worker threads it includes the hand-over to the worker",
    MODEL_LABELS,
    SECONDS_BUCKETS,
  );
  const wait = new HistogramFamily(
    'mlo_serve_queue_wait_seconds',
    "time a request's rows waited in the micro-batcher before their model run began",
    MODEL_LABELS,
    SECONDS_BUCKETS,
  );
  const batches = new HistogramFamily(
    'mlo_serve_batch_rows',
    'rows in each model run (micro-batches), by model, version and role',
    MODEL_LABELS,
    BATCH_BUCKETS,
  );
  const shadowRows = new CounterFamily(
    'mlo_serve_shadow_rows_total',
    "shadow model rows by outcome: agree or disagree with the primary's prediction, or error",
    ['model', 'version', 'outcome'],
  );
  const inflight = new ReadGauge(
    'mlo_serve_inflight_requests',
    'HTTP requests being handled now (a scrape counts itself)',
    readInflight,
  );
  const families = [requests, latency, predict, wait, batches, shadowRows];

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
  const shadowDropped = new prom.Counter({
    name: 'mlo_serve_shadow_dropped_rows_total',
    help: 'rows the shadow model never saw because its queue was full',
    registers: [register],
  });
  const logDepth = new prom.Gauge({
    name: 'mlo_serve_prediction_log_queue_rows',
    help: 'prediction log rows waiting to be written',
    registers: [register],
  });
  const logWritten = new prom.Counter({
    name: 'mlo_serve_prediction_log_written_rows_total',
    help: 'prediction log rows written to the store',
    registers: [register],
  });
  const logDropped = new prom.Counter({
    name: 'mlo_serve_prediction_log_dropped_rows_total',
    help: 'prediction log rows lost: neither the store nor the spool (.mlo/spool) could take them (a full disk)',
    registers: [register],
  });
  const logSpooled = new prom.Counter({
    name: 'mlo_serve_prediction_log_spooled_rows_total',
    help: 'prediction log rows that went to the spool (.mlo/spool) because the writer was behind or the store refused them',
    registers: [register],
  });
  const logPending = new prom.Gauge({
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

  return {
    forModel(route, model, version) {
      const v = String(version);
      const role = metricRole(route);
      const answeredByRoute = new Map<string, ReturnType<typeof requests.child>>();
      const latencyChild = latency.child(model, v, role);
      const predictChild = predict.child(model, v, role);
      const waitChild = wait.child(model, v, role);
      const batchChild = batches.child(model, v, role);
      // outcomes exist for the shadow only, from its start (a dashboard sees 0, not nothing)
      const shadow = role === 'shadow';
      const agreeChild = shadow ? shadowRows.child(model, v, 'agree') : undefined;
      const disagreeChild = shadow ? shadowRows.child(model, v, 'disagree') : undefined;
      const errorChild = shadow ? shadowRows.child(model, v, 'error') : undefined;
      return {
        answered(routeLabel, seconds) {
          let ok = answeredByRoute.get(routeLabel);
          if (ok === undefined) {
            ok = requests.child(model, v, routeLabel, '200');
            answeredByRoute.set(routeLabel, ok);
          }
          ok.inc();
          latencyChild.observe(seconds);
        },
        ran(rows, seconds) {
          batchChild.observe(rows);
          predictChild.observe(seconds);
        },
        waited: (seconds) => waitChild.observe(seconds),
        shadowed(rows, agree, seconds) {
          agreeChild?.inc(agree);
          disagreeChild?.inc(rows - agree);
          latencyChild.observe(seconds);
        },
        shadowFailed: (rows) => errorChild?.inc(rows),
      };
    },
    request(route, model, version, status) {
      requests.child(model, version, route, String(status)).inc();
    },
    modelLoaded(route, model, version, seconds) {
      loadTime.labels(route, model, String(version)).set(seconds);
      info.labels(route, model, String(version)).set(1);
    },
    modelUnloaded(route, model, version) {
      info.remove(route, model, String(version));
      loadTime.remove(route, model, String(version));
    },
    shadowDropped: (rows) => shadowDropped.inc(rows),
    logQueue: (rows) => logDepth.set(rows),
    logWritten: (rows) => logWritten.inc(rows),
    logDropped: (rows) => logDropped.inc(rows),
    logSpooled(rows, pending) {
      logSpooled.inc(rows);
      logPending.set(pending);
    },
    async render() {
      const parts = [await register.metrics()];
      for (const m of untyped) parts.push(await renderUntyped(m));
      parts.push(inflight.render());
      for (const f of families) parts.push(f.render());
      return parts.join('\n');
    },
    contentType: register.contentType,
  };
}

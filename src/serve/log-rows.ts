/**
 * Prediction log batches (columns of one served model version, as the HTTP thread
 * collects them) → store rows with the JSON the table documents (migration 005).
 * Runs in the log writer thread, so the request path never builds these strings.
 */
import type { Label } from '../onnx/index.js';
import type { PredictionBatch, PredictionRole, PredictionRoute } from '../store/index.js';

/** Which served model rows came from, and how its inputs are named. */
export interface LogSource {
  model: string;
  version: number;
  route: PredictionRoute;
  role: PredictionRole;
  /** feature names in input order; null: positional keys "0", "1", ... */
  names: readonly string[] | null;
  nFeatures: number;
}

/** n rows of one source, column by column. */
export interface LogBatch {
  source: LogSource;
  n: number;
  ts: Float64Array;
  latency: Float64Array;
  ids: string[];
  /** n × nFeatures, row-major */
  x: Float64Array;
  labels: Label[] | null;
  /** n × targets (regressors) */
  values: Float64Array | null;
  targets: number;
  /** n × classes */
  probs: Float32Array | null;
  classes: number;
}

function keyPrefixes(source: LogSource): string[] {
  const names = source.names ?? Array.from({ length: source.nFeatures }, (_, i) => String(i));
  return names.map((n, i) => `${i === 0 ? '{' : ','}${JSON.stringify(n)}:`);
}

/** JSON allows no NaN or infinity; a model may still produce them. */
function num(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null';
}

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];

/**
 * A feature value as JSON, faster than String(v) for what features usually hold:
 * integers and decimals with up to six places (String runs the shortest-digits
 * search on every value, ~2× the time). `r / 10^k === a` with r < 2^53 means the
 * decimal r·10^-k parses back to exactly a, so the text always round-trips; any other
 * value (long fractions, tiny or huge magnitudes, NaN) takes String's path.
 */
export function featureJson(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = v < 0 ? -v : v;
  if (a >= 1e-6 && a < 1e9) {
    for (let k = 1; k <= 6; k++) {
      const p = POW10[k];
      const r = Math.round(a * p);
      if (r / p === a) {
        // a is not an integer, so its floor is the integer part of r / p exactly
        const whole = Math.floor(a);
        const frac = String(r - whole * p);
        return `${v < 0 ? '-' : ''}${whole}.${'000000'.slice(0, k - frac.length)}${frac}`;
      }
    }
  }
  return num(v);
}

/**
 * The batch as the store inserts it: each row's JSON is built when the insert binds
 * it, into the statement's parameter array, so the writer allocates only the strings
 * themselves (no row arrays, no generator frames) and they die young.
 */
export function predictionBatchOf(batch: LogBatch): PredictionBatch {
  const { source, n, ts, latency, ids, x, labels, values, targets, probs, classes } = batch;
  const f = source.nFeatures;
  const keys = keyPrefixes(source);
  const probsPrefix = ',"probabilities":[';
  return {
    head: { model: source.model, version: source.version, role: source.role, route: source.route },
    n,
    fill(i, params, at) {
      let inputs = '';
      const base = i * f;
      for (let j = 0; j < f; j++) inputs += keys[j] + featureJson(x[base + j]);
      let outputs = '{"prediction":';
      if (labels) {
        const l = labels[i];
        outputs += typeof l === 'number' ? num(l) : JSON.stringify(l);
      } else if (values && targets === 1) {
        outputs += num(values[i]);
      } else if (values) {
        outputs += '[';
        for (let k = 0; k < targets; k++) outputs += (k ? ',' : '') + num(values[i * targets + k]);
        outputs += ']';
      } else {
        outputs += 'null';
      }
      if (probs) {
        outputs += probsPrefix;
        for (let k = 0; k < classes; k++) outputs += (k ? ',' : '') + num(probs[i * classes + k]);
        outputs += ']';
      }
      params[at] = ts[i];
      params[at + 1] = ids[i] ?? null;
      params[at + 2] = latency[i];
      params[at + 3] = `${inputs}}`;
      params[at + 4] = `${outputs}}`;
    },
  };
}

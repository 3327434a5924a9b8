/**
 * Prediction log batches (columns of one served model version, as the HTTP thread
 * collects them) → store rows with the JSON the table documents (migration 005).
 * Runs in the log writer thread, so the request path never builds these strings.
 */
import type { Label } from '../onnx/index.js';
import type { NewPredictionRow, PredictionRole, PredictionRoute } from '../store/index.js';

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

/**
 * The batch's rows, built one at a time as the insert consumes them: the writer's
 * garbage then dies young (a whole batch of row arrays alive at once made its
 * scavenges copy them over and over).
 */
export function* logRows(batch: LogBatch): Generator<NewPredictionRow> {
  const { source, n, x, labels, values, targets, probs, classes } = batch;
  const f = source.nFeatures;
  const keys = keyPrefixes(source);
  for (let i = 0; i < n; i++) {
    let inputs = '';
    for (let j = 0; j < f; j++) inputs += keys[j] + num(x[i * f + j]);
    inputs += '}';
    let outputs = '{"prediction":';
    if (labels) {
      const l = labels[i];
      outputs += typeof l === 'number' ? num(l) : JSON.stringify(l);
    } else if (values && targets === 1) {
      outputs += num(values[i]);
    } else if (values) {
      const part: string[] = [];
      for (let k = 0; k < targets; k++) part.push(num(values[i * targets + k]));
      outputs += `[${part.join(',')}]`;
    } else {
      outputs += 'null';
    }
    if (probs) {
      const part: string[] = [];
      for (let k = 0; k < classes; k++) part.push(num(probs[i * classes + k]));
      outputs += `,"probabilities":[${part.join(',')}]`;
    }
    outputs += '}';
    yield [
      batch.ts[i],
      source.model,
      source.version,
      source.role,
      source.route,
      batch.ids[i] ?? null,
      batch.latency[i],
      inputs,
      outputs,
    ];
  }
}

/** Every row of the batches, in order. */
export function* logRowsOf(batches: readonly LogBatch[]): Generator<NewPredictionRow> {
  for (const b of batches) yield* logRows(b);
}

/**
 * Reading the prediction log back (what `mlo serve --log-predictions` wrote): as
 * records, streamed, or as columns by feature name for drift checks and notebooks.
 * The table itself is documented in src/store/migrations/005-serve.ts.
 */
import { MloError } from '../errors.js';
import { drainSpool } from './spool.js';
import type { Label } from '../onnx/index.js';
import { parseModelRef, resolveModel } from '../registry/index.js';
import type { Repo } from '../repo/index.js';
import {
  countPredictionRows,
  iteratePredictionRows,
  type PredictionQuery,
  type PredictionRole,
  type PredictionRoute,
  type PredictionRow,
} from '../store/index.js';

export interface ReadPredictionsOptions {
  /**
   * `churn` (every version), `churn@3`, or `churn@champion` (the version the alias
   * points at now)
   */
  model: string;
  /** overrides a version in `model` */
  version?: number;
  /** 'primary' (default: the answers clients got) or 'shadow' */
  role?: PredictionRole;
  /** only rows this recent: '30m', '24h', '7d', an ISO date, epoch ms or a Date */
  since?: string | number | Date;
  /** only rows before this (same forms) */
  until?: string | number | Date;
  /** the newest N rows (still returned oldest first) */
  limit?: number;
}

export interface PredictionRecord {
  id: number;
  /** ISO time the answer was produced */
  at: string;
  tsMs: number;
  model: string;
  version: number;
  role: PredictionRole;
  route: PredictionRoute | null;
  requestId: string | null;
  latencyMs: number | null;
  /** one instance by feature name (null where the value was not finite) */
  inputs: Record<string, number | null>;
  /** the label or value predicted */
  prediction: Label | number[] | null;
  /** class probabilities in the model's class order (classifiers) */
  probabilities: number[] | null;
}

/** `since`/`until` forms → epoch ms. */
export function parseTimeBound(
  value: string | number | Date,
  flag = '--since',
  now = Date.now(),
): number {
  if (typeof value === 'number') return value;
  if (value instanceof Date) return value.getTime();
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/.exec(value.trim());
  if (m) {
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }[
      m[2] as 's' | 'm' | 'h' | 'd' | 'w'
    ];
    return now - Number(m[1]) * unit;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) {
    throw new MloError(
      'USAGE',
      `${flag} "${value}" is neither a duration (30m, 24h, 7d) nor a date`,
      {
        hint: 'for example --since 24h or --since 2026-01-31T12:00:00Z',
      },
    );
  }
  return t;
}

/** The store query for these options; a model alias is resolved to its version now. */
export function predictionQuery(repo: Repo, options: ReadPredictionsOptions): PredictionQuery {
  // rows a server left in the spool (it was behind, or it crashed) are part of the log
  drainSpool(repo.store);
  const ref = parseModelRef(options.model);
  let version = options.version;
  if (version === undefined && ref.kind === 'version') version = ref.version;
  if (version === undefined && (ref.kind === 'alias' || ref.text.endsWith('@latest'))) {
    version = resolveModel(repo, ref).version;
  }
  return {
    model: ref.name,
    version,
    role: options.role ?? 'primary',
    sinceMs: options.since === undefined ? undefined : parseTimeBound(options.since, '--since'),
    untilMs: options.until === undefined ? undefined : parseTimeBound(options.until, '--until'),
    limit: options.limit,
  };
}

function parseJsonObject(text: string, what: string, id: number): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new MloError('INVALID', `prediction log row ${id}: ${what} is not valid JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new MloError('INVALID', `prediction log row ${id}: ${what} is not a JSON object`);
  }
  return v as Record<string, unknown>;
}

function recordOf(row: PredictionRow): PredictionRecord {
  const outputs = parseJsonObject(row.outputs, 'outputs', row.id);
  const probabilities = outputs.probabilities;
  return {
    id: row.id,
    at: new Date(row.ts_ms).toISOString(),
    tsMs: row.ts_ms,
    model: row.model,
    version: row.version,
    role: row.role,
    route: row.route,
    requestId: row.request_id,
    latencyMs: row.latency_ms,
    inputs: parseJsonObject(row.inputs, 'inputs', row.id) as Record<string, number | null>,
    prediction: (outputs.prediction ?? null) as PredictionRecord['prediction'],
    probabilities: Array.isArray(probabilities) ? (probabilities as number[]) : null,
  };
}

/** Logged rows, oldest first, one at a time (bounded memory for long logs). */
export function* iteratePredictions(
  repo: Repo,
  options: ReadPredictionsOptions,
): Generator<PredictionRecord> {
  for (const row of iteratePredictionRows(repo.store, predictionQuery(repo, options)))
    yield recordOf(row);
}

/** Logged rows, oldest first. */
export function readPredictions(repo: Repo, options: ReadPredictionsOptions): PredictionRecord[] {
  return [...iteratePredictions(repo, options)];
}

export function countPredictions(repo: Repo, options: ReadPredictionsOptions): number {
  const { limit: _limit, ...query } = predictionQuery(repo, options);
  return countPredictionRows(repo.store, query);
}

/** The log as columns: what a drift check or a dataframe wants. */
export interface PredictionColumns {
  rows: number;
  /** input feature names, in first-seen order */
  features: string[];
  /** per feature, one value per row (NaN where missing or null) */
  inputs: Record<string, Float64Array>;
  predictions: (Label | number[] | null)[];
  /** rows × classes, or null when no row has probabilities */
  probabilities: Float32Array | null;
  classes: number;
  tsMs: Float64Array;
  versions: Int32Array;
  requestIds: (string | null)[];
}

export function readPredictionColumns(
  repo: Repo,
  options: ReadPredictionsOptions,
): PredictionColumns {
  const records = readPredictions(repo, options);
  const n = records.length;
  const features: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(r.inputs)) {
      if (!seen.has(k)) {
        seen.add(k);
        features.push(k);
      }
    }
  }
  const inputs: Record<string, Float64Array> = {};
  for (const f of features) inputs[f] = new Float64Array(n).fill(NaN);
  const classes = records.reduce((c, r) => Math.max(c, r.probabilities?.length ?? 0), 0);
  const probabilities = classes > 0 ? new Float32Array(n * classes).fill(NaN) : null;
  const tsMs = new Float64Array(n);
  const versions = new Int32Array(n);
  records.forEach((r, i) => {
    for (const [k, v] of Object.entries(r.inputs)) if (typeof v === 'number') inputs[k][i] = v;
    if (probabilities && r.probabilities) probabilities.set(r.probabilities, i * classes);
    tsMs[i] = r.tsMs;
    versions[i] = r.version;
  });
  return {
    rows: n,
    features,
    inputs,
    predictions: records.map((r) => r.prediction),
    probabilities,
    classes,
    tsMs,
    versions,
    requestIds: records.map((r) => r.requestId),
  };
}

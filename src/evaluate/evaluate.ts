/**
 * `mlo eval`: run a registered model over a data file in batches with onnxruntime-node
 * and measure it — classification or regression metrics, per-row latency, throughput,
 * optionally per slice — then store the result under the data file's hash so that
 * promotion can reuse it.
 */
import { MloError } from '../errors.js';
import {
  DEFAULT_BATCH_ROWS as DEFAULT_READER_ROWS,
  openTable,
  requireColumns,
  type ColumnBatch,
} from '../io/index.js';
import { type FeatureMatrix, type Label, type OnnxSession } from '../onnx/index.js';
import {
  identifyDataFile,
  loadModel,
  resolveModel,
  type DataFile,
  type ModelVersion,
} from '../registry/index.js';
import type { Repo } from '../repo/index.js';
import type { ProgressFn } from '../util/progress.js';
import {
  checkFeatureCells,
  checkFeatureKinds,
  checkFeatureValues,
  fillMatrix,
  groupValues,
  targetValues,
} from './columns.js';
import { growingFloat32, growingFloat64, GrowingLabels } from './growing.js';
import { measureLatency } from './latency.js';
import {
  computeClassificationMetrics,
  computeLatencyMetrics,
  computeRegressionMetrics,
  sliceClassification,
  sliceRegression,
  type ClassificationInput,
  type ConfusionMatrix,
  type SliceReport,
} from './metrics/index.js';
import { createScorer, type ScoredBatch } from './scorer.js';
import { findStoredEvaluation, saveEvaluation } from './stored.js';
import { alignClassificationTarget, type TargetData } from './target.js';

export interface EvaluateOptions {
  /** NAME, NAME@VERSION, NAME@ALIAS, or a resolved version */
  model: string | ModelVersion;
  /** CSV, Parquet or JSON Lines file */
  data: string;
  target: string;
  /** feature columns in input order (default: the registered names, else the data's columns minus the target) */
  features?: readonly string[];
  /** columns to compute the metrics per group of */
  slices?: readonly string[];
  /** relative paths resolve against this (default: the repo root) */
  cwd?: string;
  /** rows per model run (default 8192) */
  batchRows?: number;
  /** rows run one at a time to measure latency (default 1000; 0 skips it) */
  latencyRows?: number;
  /** keep the result in the store (default true) */
  save?: boolean;
  onProgress?: ProgressFn;
  /** the data file already identified (skips hashing it again) */
  dataFile?: DataFile;
}

export type FeaturesFrom = 'option' | 'registered' | 'data-columns';

export interface EvaluationResult {
  /** the stored evaluation's id (null when not saved) */
  id: number | null;
  model: { name: string; version: number; hash: string };
  data: { path: string; hash: string; rows: number };
  target: string;
  features: string[];
  featuresFrom: FeaturesFrom;
  task: 'classification' | 'regression';
  /** accuracy ... log_loss or rmse ... mape, plus p50_ms, p95_ms, p99_ms, rows_per_s */
  metrics: Record<string, number | null>;
  /** why a metric is null, or a convention it follows */
  reasons: Record<string, string>;
  /** classification only */
  classes: {
    labels: Label[];
    positiveLabel: Label | null;
    confusionMatrix: ConfusionMatrix;
  } | null;
  /** per slice column */
  slices: Record<string, SliceReport>;
  latency: { samples: number; batchRows: number };
  warnings: string[];
  createdAt: string;
  /** true when promote took this from the store instead of running the model */
  reused: boolean;
}

const DEFAULT_BATCH_ROWS = 8192;
const DEFAULT_LATENCY_ROWS = 1000;

/**
 * Rows per column batch read from the file. Every switch from parsing back to the
 * model costs onnxruntime a slow first run (its code and tables evicted by the parse:
 * ~0.3 ms measured, as much as two more 8192-row runs of a logistic regression), so
 * narrow files are read in batches of up to 256K rows (at most ~24 MB of columns).
 */
function readerRows(columns: number): number {
  const fit = Math.floor((24 << 20) / (8 * Math.max(1, columns)));
  return Math.max(DEFAULT_READER_ROWS, Math.min(1 << 18, fit));
}

export async function evaluateModel(
  repo: Repo,
  options: EvaluateOptions,
): Promise<EvaluationResult> {
  const model =
    typeof options.model === 'string' ? resolveModel(repo, options.model) : options.model;
  const file = options.dataFile ?? identifyDataFile(repo, options.data, options.cwd);
  const { session } = await loadModel(repo, model);
  try {
    return await evaluateLoaded(repo, model, session, file, options);
  } finally {
    await session.release();
  }
}

/**
 * A stored evaluation of the same model version on data with the same hash (same
 * target, features and at least these slices), else a fresh one. What promotion uses.
 */
export async function evaluateOrReuse(
  repo: Repo,
  options: EvaluateOptions,
): Promise<EvaluationResult> {
  const model =
    typeof options.model === 'string' ? resolveModel(repo, options.model) : options.model;
  const file = options.dataFile ?? identifyDataFile(repo, options.data, options.cwd);
  const stored = findStoredEvaluation(repo, {
    model,
    dataHash: file.hash,
    target: options.target,
    features: options.features,
    slices: options.slices,
  });
  return stored ?? evaluateModel(repo, { ...options, model, dataFile: file });
}

interface Plan {
  features: string[];
  featuresFrom: FeaturesFrom;
  slices: string[];
  /** columns to read, in order: features, target, then slices not already read */
  columns: string[];
  targetIndex: number;
  sliceIndex: number[];
}

async function planColumns(
  model: ModelVersion,
  options: EvaluateOptions,
  shown: string,
  abs: string,
): Promise<Plan> {
  // Only the header matters here: one sample row and a small first read keep this
  // open cheap (the reader grows its buffer for a longer header).
  const head = await openTable(abs, { sampleRows: 1, readChunkBytes: 64 << 10 });
  const fileColumns = head.schema.fileColumns;
  const ref = `${model.name}@${model.version}`;
  requireColumns(fileColumns, [options.target], { file: shown, purpose: 'the target' });
  let features: string[];
  let featuresFrom: FeaturesFrom;
  if (options.features && options.features.length > 0) {
    features = [...options.features];
    featuresFrom = 'option';
  } else if (model.features) {
    features = model.features;
    featuresFrom = 'registered';
  } else {
    features = fileColumns.filter((c) => c !== options.target);
    featuresFrom = 'data-columns';
  }
  if (features.includes(options.target)) {
    throw new MloError('USAGE', `the target "${options.target}" is also listed as a feature`);
  }
  requireColumns(fileColumns, features, { file: shown, purpose: `the features of ${ref}` });
  const slices = [...new Set(options.slices ?? [])];
  requireColumns(fileColumns, slices, { file: shown, purpose: 'the slices' });
  const columns = [...features, options.target];
  const sliceIndex = slices.map((s) => {
    const at = columns.indexOf(s);
    if (at >= 0) return at;
    columns.push(s);
    return columns.length - 1;
  });
  return { features, featuresFrom, slices, columns, targetIndex: features.length, sliceIndex };
}

function checkCount(session: OnnxSession, plan: Plan, model: ModelVersion, shown: string): void {
  const n = session.nFeatures;
  if (n === null || n === plan.features.length) return;
  const ref = `${model.name}@${model.version}`;
  const listed = plan.features.length <= 12 ? ` (${plan.features.join(', ')})` : '';
  const from =
    plan.featuresFrom === 'data-columns'
      ? `${shown} has ${plan.features.length} columns besides the target${listed}`
      : plan.featuresFrom === 'option'
        ? `--features lists ${plan.features.length}${listed}`
        : `${ref} was registered with ${plan.features.length}${listed}`;
  throw new MloError('INVALID', `${ref} takes ${n} features but ${from}`, {
    hint:
      plan.featuresFrom === 'data-columns'
        ? "name the model's features in input order with --features a,b,c (or register the model with --features)"
        : undefined,
  });
}

async function evaluateLoaded(
  repo: Repo,
  model: ModelVersion,
  session: OnnxSession,
  file: DataFile,
  options: EvaluateOptions,
): Promise<EvaluationResult> {
  const shown = options.data;
  const plan = await planColumns(model, options, shown, file.abs);
  checkCount(session, plan, model, shown);
  const nf = plan.features.length;
  // Doubles when an input is double, integer or bool (float32 would round its values).
  const wide = session.wide;
  // The CSV reader parses all-numeric features straight into the model's row-major
  // layout (batch.rowMajor), so no column-to-row copy is left to do. A slice that is
  // also a feature needs its exact values as group keys: that keeps the column path.
  // Each batch is done with (scored, its targets copied) before the next is asked for,
  // so one matrix serves every batch.
  const rowMajor = plan.slices.some((s) => plan.features.includes(s))
    ? undefined
    : {
        columns: plan.features,
        type: wide ? ('float64' as const) : ('float32' as const),
        reuse: true,
      };
  const reader = await openTable(file.abs, {
    batchRows: readerRows(plan.columns.length),
    columns: plan.columns,
    onProgress: options.onProgress,
    rowMajor,
  });
  checkFeatureKinds(shown, reader.schema.columns.slice(0, plan.features.length));
  const targetKind = reader.schema.columns[plan.targetIndex].kind;
  const forceClassification =
    targetKind === 'string' || targetKind === 'category' || targetKind === 'boolean';
  const batchRows = Math.max(1, options.batchRows ?? DEFAULT_BATCH_ROWS);
  const warnings: string[] = [];

  const acc = new Accumulator(plan.slices.length);
  // rows_per_s's clock: from a run's matrix being made ready (checked, and filled from
  // the columns when the reader did not parse into it) to its outputs read, less the
  // untimed first run of each row count (Scorer.warm): the steady rate
  let scoringMs = 0;
  let nulls = 0;
  const Matrix = wide ? Float64Array : Float32Array;
  const types = wide ? session.featureTypes(nf) : null;
  // Without batch.rowMajor, one matrix for every run, filled from the columns:
  // onnxruntime is done with its input when run() resolves.
  let matrix: FeatureMatrix | null = null;
  // the first rows, kept to time one at a time after the batched pass
  const scorer = createScorer(
    session,
    nf,
    batchRows,
    forceClassification ? { task: 'classification' } : {},
  );
  const latencyX: FeatureMatrix = new Matrix(
    Math.max(0, options.latencyRows ?? DEFAULT_LATENCY_ROWS) * nf,
  );
  let latencyFilled = 0;
  for await (const batch of reader.batches()) {
    const featureCols = batch.columns.slice(0, nf);
    const filled = batch.rowMajor?.values ?? null;
    const ctx = { file: shown, rowStart: batch.rowStart };
    for (let from = 0; from < batch.length; from += batchRows) {
      const rows = Math.min(batchRows, batch.length - from);
      const t0 = performance.now();
      let x: FeatureMatrix;
      if (filled !== null) {
        nulls += checkFeatureCells(featureCols, from, rows, ctx);
        x = filled.subarray(from * nf, (from + rows) * nf);
      } else {
        matrix ??= new Matrix(batchRows * nf);
        nulls += fillMatrix(featureCols, from, rows, matrix, ctx);
        x = rows === batchRows ? matrix : matrix.subarray(0, rows * nf);
      }
      if (types) {
        checkFeatureValues(featureCols, x, rows, types, {
          file: shown,
          rowStart: batch.rowStart,
          from,
        });
      }
      const w0 = performance.now();
      const warmed = await runBatch(() => scorer.warm(x, rows), acc.rows === 0, model);
      const warmMs = warmed ? performance.now() - w0 : 0;
      const out = await runBatch(() => scorer.run(x, rows), acc.rows === 0, model);
      scoringMs += performance.now() - t0 - warmMs;
      if (latencyFilled < latencyX.length) {
        const take = x.subarray(0, Math.min(x.length, latencyX.length - latencyFilled));
        latencyX.set(take, latencyFilled);
        latencyFilled += take.length;
      }
      acc.add(out, batch, from, rows, plan, shown);
    }
  }
  for (const issue of reader.issues()) {
    if (issue.mismatches > 0)
      warnings.push(
        `${shown}: column "${issue.column}" has ${issue.mismatches} value(s) that are not ${issue.kind}`,
      );
  }
  if (nulls > 0)
    warnings.push(`${shown}: ${nulls} empty feature value(s) were given to the model as NaN`);
  if (acc.rows === 0) throw new MloError('INVALID', `${shown}: no data rows to evaluate`);

  const task = acc.task();
  const metrics: Record<string, number | null> = {};
  const reasons: Record<string, string> = {};
  let classes: EvaluationResult['classes'] = null;
  const slices: Record<string, SliceReport> = {};
  if (task === 'classification') {
    const input = acc.classificationInput(options.target, shown, warnings);
    const report = computeClassificationMetrics(input);
    Object.assign(metrics, report.metrics);
    Object.assign(reasons, report.reasons);
    classes = {
      labels: report.labels,
      positiveLabel: report.positiveLabel,
      confusionMatrix: report.confusionMatrix,
    };
    plan.slices.forEach((column, k) => {
      slices[column] = sliceClassification(input, { column, groups: acc.groups[k] });
    });
  } else {
    const input = acc.regressionInput(options.target, shown);
    const report = computeRegressionMetrics(input);
    Object.assign(metrics, report.metrics);
    Object.assign(reasons, report.reasons);
    plan.slices.forEach((column, k) => {
      slices[column] = sliceRegression(input, { column, groups: acc.groups[k] });
    });
  }

  const latencies = await measureLatency(session, latencyX, latencyFilled / nf, nf);
  const latency = computeLatencyMetrics({
    latenciesMs: latencies,
    rows: acc.rows,
    elapsedMs: scoringMs,
  });
  Object.assign(metrics, latency.metrics);
  Object.assign(reasons, latency.reasons);

  const result: EvaluationResult = {
    id: null,
    model: { name: model.name, version: model.version, hash: model.hash },
    data: { path: file.display, hash: file.hash, rows: acc.rows },
    target: options.target,
    features: plan.features,
    featuresFrom: plan.featuresFrom,
    task,
    metrics,
    reasons,
    classes,
    slices,
    latency: { samples: latencies.length, batchRows },
    warnings,
    createdAt: new Date().toISOString(),
    reused: false,
  };
  if (options.save !== false) result.id = saveEvaluation(repo, model, result);
  return result;
}

async function runBatch<T>(run: () => Promise<T>, first: boolean, model: ModelVersion): Promise<T> {
  try {
    return await run();
  } catch (err) {
    // The first run is where a model meets the data: its failure is about the input.
    if (first && err instanceof MloError && err.code === 'INTERNAL') {
      throw new MloError(
        'INVALID',
        `${model.name}@${model.version} cannot run on these features: ${err.message}`,
        {
          hint: 'check the feature columns and their order (--features)',
          cause: err,
        },
      );
    }
    throw err;
  }
}

/**
 * Predictions, targets and slice groups gathered batch by batch (copied: a scorer's
 * arrays are reused by its next run).
 */
class Accumulator {
  rows = 0;
  private taskSeen: ScoredBatch['task'] | null = null;
  private readonly predLabels = new GrowingLabels();
  private readonly probs = growingFloat32();
  private classCount = 0;
  private classLabels: Label[] | null = null;
  private readonly predValues = growingFloat64();
  private readonly targetNumbers = growingFloat64();
  private readonly targetLabels: (string | boolean)[] = [];
  readonly groups: (string | number | null)[][];

  constructor(nSlices: number) {
    this.groups = Array.from({ length: nSlices }, () => []);
  }

  add(
    out: ScoredBatch,
    batch: ColumnBatch,
    from: number,
    rows: number,
    plan: Plan,
    shown: string,
  ): void {
    if (this.taskSeen === null) this.taskSeen = out.task;
    if (out.task === 'classification') {
      if (!out.labels) throw new MloError('INVALID', 'the model gave no labels');
      this.predLabels.push(out.labels);
      if (out.probabilities) {
        this.probs.push(out.probabilities);
        this.classCount = out.classCount;
        this.classLabels = out.classLabels;
      }
    } else if (out.task === 'regression') {
      if (!out.values) throw new MloError('INVALID', 'the model gave no values');
      if (out.targetCount !== 1) {
        throw new MloError(
          'INVALID',
          `the model predicts ${out.targetCount} values per row; mlo eval scores one target`,
        );
      }
      this.predValues.push(out.values);
    } else {
      throw new MloError(
        'INVALID',
        'cannot tell whether the model classifies or regresses: it has no label, probability or value output',
        {
          hint: 'export the model with a label output, or a float output named "probabilities" or "variable"',
        },
      );
    }
    const ctx = { file: shown, rowStart: batch.rowStart };
    const t = targetValues(batch.columns[plan.targetIndex], from, rows, ctx);
    if ('numbers' in t) this.targetNumbers.push(t.numbers);
    else for (const v of t.labels) this.targetLabels.push(v);
    plan.sliceIndex.forEach((col, k) =>
      groupValues(batch.columns[col], from, rows, this.groups[k]),
    );
    this.rows += rows;
  }

  task(): 'classification' | 'regression' {
    return this.taskSeen === 'regression' ? 'regression' : 'classification';
  }

  private target(): TargetData {
    return this.targetLabels.length > 0
      ? { kind: 'labels', values: this.targetLabels }
      : { kind: 'numbers', values: this.targetNumbers.values() };
  }

  classificationInput(column: string, file: string, warnings: string[]): ClassificationInput {
    const modelLabels = this.classLabels ?? [
      ...new Set(Array.from(this.predLabels.values().slice(0, 10000))),
    ];
    const aligned = alignClassificationTarget({ target: this.target(), modelLabels, column, file });
    if (aligned.unknown.length > 0 && this.classLabels) {
      warnings.push(
        `${file}: target "${column}" has label(s) the model does not know: ${aligned.unknown.map(String).join(', ')} (model classes: ${this.classLabels.map(String).join(', ')})`,
      );
    }
    const input: ClassificationInput = { yTrue: aligned.values, yPred: this.predLabels.values() };
    if (this.probs.length > 0 && this.classLabels) {
      input.scores = { data: this.probs.values(), columns: this.classCount };
      input.scoreLabels = this.classLabels;
    }
    return input;
  }

  regressionInput(column: string, file: string): { yTrue: Float64Array; yPred: Float64Array } {
    const t = this.target();
    if (t.kind !== 'numbers') {
      throw new MloError(
        'INVALID',
        `${file}: target "${column}" is not numeric but the model predicts numbers (regression)`,
      );
    }
    return { yTrue: t.values, yPred: this.predValues.values() };
  }
}

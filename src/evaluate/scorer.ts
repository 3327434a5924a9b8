/**
 * Runs a model over an evaluation's batches. For a logistic regression onnxruntime
 * needs ~10-20 ns a row, so what runModel does around each run for any caller (all
 * outputs fetched, int64 labels turned into a JS array, a fresh input tensor, output
 * roles read again) weighs as much as the model. For the usual model — one float32
 * [rows, features] input, int64/int32 labels and/or float32 scores [rows, k] — a scorer
 * reuses its input tensor, fetches only the label and score outputs the metrics read,
 * and reads int64 labels as numbers from their 32-bit halves into a reused
 * Float64Array. Any other model, a run that fails, or outputs of another size than
 * declared go through runModel, which handles every case.
 */
import type { Tensor } from 'onnxruntime-node';
import {
  assignRoles,
  probabilityLabels,
  runModel,
  type FeatureMatrix,
  type IoInfo,
  type Label,
  type ModelOutputs,
  type OnnxSession,
  type RunOptions,
} from '../onnx/index.js';

/** One run's predictions. Typed arrays are views, valid until the next run. */
export interface ScoredBatch {
  task: ModelOutputs['task'];
  /** predicted label per row (classification) */
  labels: ArrayLike<Label> | null;
  /** row-major [rows × classCount] */
  probabilities: Float32Array | null;
  classCount: number;
  classLabels: Label[] | null;
  /** row-major [rows × targetCount] (regression) */
  values: ArrayLike<number> | null;
  targetCount: number;
}

export interface Scorer {
  run(x: FeatureMatrix, rows: number): Promise<ScoredBatch>;
  /**
   * Run `x` once, dropping the outputs, if no run had `rows` rows yet; true if it ran.
   * onnxruntime plans a run's memory for an input shape when it first sees it, and a
   * fresh session's first run sets up its allocator: ~0.13 ms measured on top of a
   * 0.1-0.2 ms run of 8192 rows through a logistic regression. Called before a timed
   * run, it keeps that one-off cost out of a throughput figure.
   */
  warm(x: FeatureMatrix, rows: number): Promise<boolean>;
  /** whether runs go through the pre-allocated path (false: runModel) */
  readonly direct: boolean;
}

interface DirectPlan {
  input: string;
  task: 'classification' | 'regression';
  /** an int64/int32 label output (one per row) */
  label: { name: string; type: 'int64' | 'int32' } | null;
  /** a float32 score output with `columns` per row */
  score: { name: string; columns: number } | null;
  classLabels: Label[] | null;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A scorer for up to `maxRows` rows of `nFeatures` per run. */
export function createScorer(
  session: OnnxSession,
  nFeatures: number,
  maxRows: number,
  opts: RunOptions = {},
): Scorer {
  const plan = planDirect(session, opts);
  return plan
    ? new DirectScorer(session, plan, nFeatures, maxRows, opts)
    : new GeneralScorer(session, nFeatures, opts);
}

/** Row counts run so far, for Scorer.warm. */
abstract class WarmedScorer {
  private readonly seen = new Set<number>();

  abstract run(x: FeatureMatrix, rows: number): Promise<ScoredBatch>;

  async warm(x: FeatureMatrix, rows: number): Promise<boolean> {
    if (this.seen.has(rows)) return false;
    await this.run(x, rows);
    this.seen.add(rows);
    return true;
  }
}

class GeneralScorer extends WarmedScorer implements Scorer {
  readonly direct = false;
  constructor(
    private readonly session: OnnxSession,
    private readonly nFeatures: number,
    private readonly opts: RunOptions,
  ) {
    super();
  }

  run(x: FeatureMatrix, rows: number): Promise<ScoredBatch> {
    return runModel(this.session, x, rows, this.nFeatures, this.opts);
  }
}

/** Scores per row of an output shaped [rows] or [rows, k] with k fixed, else null. */
function columnsPerRow(io: IoInfo): number | null {
  const s = io.shape;
  if (!s || s.length < 1 || s.length > 2) return null;
  // a fixed first dimension would not follow the batch
  if (typeof s[0] === 'number') return null;
  if (s.length === 1) return 1;
  return typeof s[1] === 'number' && s[1] >= 1 ? s[1] : null;
}

/** The direct plan for this model, or null when it needs runModel's generality. */
function planDirect(session: OnnxSession, opts: RunOptions): DirectPlan | null {
  const feed = session.feed;
  if (!LITTLE_ENDIAN || feed.kind !== 'matrix' || feed.rowByRow || feed.type !== 'float32')
    return null;
  const roles = assignRoles(session, opts);
  const score = roles.score;
  const columns = score && score.elementType === 'float32' ? columnsPerRow(score) : null;
  if (score && columns === null) return null;
  if (roles.task === 'regression') {
    if (!score || columns !== 1) return null;
    return {
      input: feed.input.name,
      task: 'regression',
      label: null,
      score: { name: score.name, columns: 1 },
      classLabels: null,
    };
  }
  if (roles.task !== 'classification') return null;
  // Labels come from the model's own output: picking them from scores (and a lone
  // probability column's expansion) stays with runModel.
  const label = roles.label;
  if (!label || (label.elementType !== 'int64' && label.elementType !== 'int32')) return null;
  if (columns !== null && columns < 2) return null;
  const known = opts.classLabels ?? session.signature.classLabels;
  return {
    input: feed.input.name,
    task: 'classification',
    label: { name: label.name, type: label.elementType },
    score: score && columns !== null ? { name: score.name, columns } : null,
    classLabels: columns !== null ? probabilityLabels(known, columns) : null,
  };
}

class DirectScorer extends WarmedScorer implements Scorer {
  private general: GeneralScorer | null = null;
  private readonly fetches: string[];
  /** int64 labels as numbers, reused run after run */
  private readonly labelNumbers: Float64Array;
  /** the input tensor of the last run, reused while the matrix and row count stay */
  private feeds: { x: FeatureMatrix; rows: number; tensors: Record<string, Tensor> } | null = null;

  constructor(
    private readonly session: OnnxSession,
    private readonly plan: DirectPlan,
    private readonly nFeatures: number,
    private readonly maxRows: number,
    private readonly opts: RunOptions,
  ) {
    super();
    this.fetches = [plan.label?.name, plan.score?.name].filter((n): n is string => !!n);
    this.labelNumbers = new Float64Array(plan.label?.type === 'int64' ? maxRows : 0);
  }

  get direct(): boolean {
    return this.general === null;
  }

  async run(x: FeatureMatrix, rows: number): Promise<ScoredBatch> {
    // runModel says what is wrong with a matrix of the wrong size
    if (this.general || x.length !== rows * this.nFeatures || rows > this.maxRows)
      return this.fallback().run(x, rows);
    let result: Record<string, Tensor>;
    try {
      result = await this.session.ort.run(this.feedsFor(x, rows), this.fetches);
    } catch {
      // runModel runs it again and reports the failure as it does for every caller
      return this.fallback().run(x, rows);
    }
    const out = this.read(result, rows);
    if (out) return out;
    // outputs of another size than the model declares: runModel reads whatever comes
    this.general = this.fallback();
    return this.general.run(x, rows);
  }

  private fallback(): GeneralScorer {
    return this.general ?? new GeneralScorer(this.session, this.nFeatures, this.opts);
  }

  /** The run's outputs as a ScoredBatch, or null when they are not the planned sizes. */
  private read(result: Record<string, Tensor>, rows: number): ScoredBatch | null {
    const { plan } = this;
    const out: ScoredBatch = {
      task: plan.task,
      labels: null,
      probabilities: null,
      classCount: 0,
      classLabels: null,
      values: null,
      targetCount: 0,
    };
    if (plan.score) {
      const data = result[plan.score.name]?.data;
      if (!(data instanceof Float32Array) || data.length !== rows * plan.score.columns) return null;
      if (plan.task === 'regression') {
        out.values = data;
        out.targetCount = 1;
        return out;
      }
      out.probabilities = data;
      out.classCount = plan.score.columns;
      out.classLabels = plan.classLabels;
    }
    if (plan.label) {
      const data = result[plan.label.name]?.data;
      if (data instanceof BigInt64Array && data.length === rows) {
        const words = new Int32Array(data.buffer, data.byteOffset, rows * 2);
        int64WordsToNumbers(words, rows, this.labelNumbers);
        out.labels = this.labelNumbers.subarray(0, rows);
      } else if (data instanceof Int32Array && data.length === rows) {
        out.labels = data;
      } else {
        return null;
      }
    }
    return out;
  }

  private feedsFor(x: FeatureMatrix, rows: number): Record<string, Tensor> {
    const last = this.feeds;
    if (last && last.x === x && last.rows === rows) return last.tensors;
    const input = new this.session.TensorClass('float32', x as Float32Array, [
      rows,
      this.nFeatures,
    ]);
    this.feeds = { x, rows, tensors: { [this.plan.input]: input } };
    return this.feeds.tensors;
  }
}

/**
 * The first `n` int64 values held in `words` (little-endian pairs of 32-bit halves) as
 * numbers: exact up to 2^53 in magnitude, like Number(bigint), at a fraction of its
 * cost.
 */
export function int64WordsToNumbers(words: Int32Array, n: number, out: Float64Array): void {
  for (let i = 0, k = 0; i < n; i++, k += 2) out[i] = words[k + 1] * 4294967296 + (words[k] >>> 0);
}

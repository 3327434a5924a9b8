/**
 * Runs a model over an evaluation's batches. For a logistic regression onnxruntime
 * needs ~20 ns a row, so what runModel does around each run for any caller — a
 * fresh output buffer from the binding per run, int64 labels turned into a JS array,
 * outputs a caller may not read — cost as much as the model. For the usual model
 * (one float32 [rows, features] input; int64/int32 labels [rows] and/or float32
 * scores [rows, k]) a scorer instead:
 * - fetches only the label and score outputs the metrics read;
 * - hands onnxruntime output tensors allocated once (its pre-allocated outputs), so a
 *   run allocates no output memory;
 * - reads int64 labels as numbers from the buffer's 32-bit halves into a Float64Array.
 * Any other model, or a run the fast path cannot make (a model whose output shape
 * differs from what it declares), goes through runModel, which handles every case.
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
  /** whether runs go through the pre-allocated path (false: runModel) */
  readonly direct: boolean;
}

interface DirectPlan {
  input: string;
  task: 'classification' | 'regression';
  /** int64/int32 label output; trailing: [rows, 1] rather than [rows] */
  label: { name: string; type: 'int64' | 'int32'; trailing: boolean } | null;
  /** float32 score output with `columns` per row; trailing as for the label */
  score: { name: string; columns: number; trailing: boolean } | null;
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

class GeneralScorer implements Scorer {
  readonly direct = false;
  constructor(
    private readonly session: OnnxSession,
    private readonly nFeatures: number,
    private readonly opts: RunOptions,
  ) {}

  run(x: FeatureMatrix, rows: number): Promise<ScoredBatch> {
    return runModel(this.session, x, rows, this.nFeatures, this.opts);
  }
}

/** Rows first, then a fixed size (or none): the shapes a pre-allocated output can take. */
function rowShape(io: IoInfo): { trailing: boolean; columns: number } | null {
  const s = io.shape;
  if (!s || s.length < 1 || s.length > 2) return null;
  // a fixed first dimension would not follow the batch
  if (typeof s[0] === 'number') return null;
  if (s.length === 1) return { trailing: false, columns: 1 };
  return typeof s[1] === 'number' && s[1] >= 1 ? { trailing: true, columns: s[1] } : null;
}

/** The pre-allocated plan for this model, or null when it needs runModel's generality. */
export function planDirect(session: OnnxSession, opts: RunOptions): DirectPlan | null {
  const feed = session.feed;
  if (!LITTLE_ENDIAN || feed.kind !== 'matrix' || feed.rowByRow || feed.type !== 'float32')
    return null;
  const roles = assignRoles(session, opts);
  const score = roles.score;
  const scoreShape = score && score.elementType === 'float32' ? rowShape(score) : null;
  if (score && !scoreShape) return null;
  if (roles.task === 'regression') {
    if (!score || !scoreShape || scoreShape.columns !== 1) return null;
    return {
      input: feed.input.name,
      task: 'regression',
      label: null,
      score: { name: score.name, columns: 1, trailing: scoreShape.trailing },
      classLabels: null,
    };
  }
  if (roles.task !== 'classification') return null;
  // Labels come from the model's own output: picking them from scores (and a lone
  // probability column's expansion) stays with runModel.
  const label = roles.label;
  if (!label || (label.elementType !== 'int64' && label.elementType !== 'int32')) return null;
  const labelShape = rowShape(label);
  if (!labelShape || labelShape.columns !== 1) return null;
  if (scoreShape && scoreShape.columns < 2) return null;
  const known = opts.classLabels ?? session.signature.classLabels;
  return {
    input: feed.input.name,
    task: 'classification',
    label: { name: label.name, type: label.elementType, trailing: labelShape.trailing },
    score:
      score && scoreShape
        ? { name: score.name, columns: scoreShape.columns, trailing: scoreShape.trailing }
        : null,
    classLabels: scoreShape ? probabilityLabels(known, scoreShape.columns) : null,
  };
}

/** Feeds and fetches for one row count, over the scorer's buffers. */
interface RunIo {
  rows: number;
  x: FeatureMatrix;
  feeds: Record<string, Tensor>;
  fetches: Record<string, Tensor>;
}

class DirectScorer implements Scorer {
  private general: GeneralScorer | null = null;
  private readonly labelBuf: BigInt64Array | Int32Array | null;
  /** labelBuf as 32-bit words, for int64 → number without BigInt */
  private readonly labelWords: Int32Array | null;
  private readonly labelNumbers: Float64Array;
  private readonly scoreBuf: Float32Array | null;
  private io: RunIo | null = null;

  constructor(
    private readonly session: OnnxSession,
    private readonly plan: DirectPlan,
    private readonly nFeatures: number,
    maxRows: number,
    private readonly opts: RunOptions,
  ) {
    const label = plan.label;
    this.labelBuf =
      label === null
        ? null
        : label.type === 'int64'
          ? new BigInt64Array(maxRows)
          : new Int32Array(maxRows);
    this.labelWords =
      this.labelBuf instanceof BigInt64Array
        ? new Int32Array(this.labelBuf.buffer, 0, maxRows * 2)
        : null;
    this.labelNumbers = new Float64Array(label?.type === 'int64' ? maxRows : 0);
    this.scoreBuf = plan.score ? new Float32Array(maxRows * plan.score.columns) : null;
  }

  get direct(): boolean {
    return this.general === null;
  }

  async run(x: FeatureMatrix, rows: number): Promise<ScoredBatch> {
    // runModel says what is wrong with a matrix of the wrong size
    if (this.general || x.length !== rows * this.nFeatures) return this.fallback().run(x, rows);
    const io = this.ioFor(x, rows);
    try {
      await this.session.ort.run(io.feeds, io.fetches);
    } catch {
      // Whatever the reason (an output shape other than declared, a bad input),
      // runModel runs it again and either works or reports the error as usual.
      this.general = this.fallback();
      return this.general.run(x, rows);
    }
    return this.read(rows);
  }

  private fallback(): GeneralScorer {
    return this.general ?? new GeneralScorer(this.session, this.nFeatures, this.opts);
  }

  private read(rows: number): ScoredBatch {
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
    const scores =
      this.scoreBuf && plan.score ? this.scoreBuf.subarray(0, rows * plan.score.columns) : null;
    if (plan.task === 'regression') {
      out.values = scores;
      out.targetCount = 1;
      return out;
    }
    if (this.labelWords) {
      int64WordsToNumbers(this.labelWords, rows, this.labelNumbers);
      out.labels = this.labelNumbers.subarray(0, rows);
    } else if (this.labelBuf instanceof Int32Array) {
      out.labels = this.labelBuf.subarray(0, rows);
    }
    if (scores && plan.score) {
      out.probabilities = scores;
      out.classCount = plan.score.columns;
      out.classLabels = plan.classLabels;
    }
    return out;
  }

  /** The tensors for `rows` rows of `x`: made again only when the size or matrix changes. */
  private ioFor(x: FeatureMatrix, rows: number): RunIo {
    if (this.io && this.io.rows === rows && this.io.x === x) return this.io;
    const T = this.session.TensorClass;
    const { plan } = this;
    const fetches: Record<string, Tensor> = {};
    if (plan.label && this.labelBuf) {
      const dims = plan.label.trailing ? [rows, 1] : [rows];
      const data = this.labelBuf.subarray(0, rows);
      fetches[plan.label.name] =
        data instanceof BigInt64Array ? new T('int64', data, dims) : new T('int32', data, dims);
    }
    if (plan.score && this.scoreBuf) {
      const c = plan.score.columns;
      const dims = plan.score.trailing ? [rows, c] : [rows];
      fetches[plan.score.name] = new T('float32', this.scoreBuf.subarray(0, rows * c), dims);
    }
    const input = new T('float32', x as Float32Array, [rows, this.nFeatures]);
    this.io = { rows, x, feeds: { [plan.input]: input }, fetches };
    return this.io;
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

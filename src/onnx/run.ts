/**
 * Run a model on a row-major feature matrix (float32, or doubles for inputs that are
 * double, int64, int32 or bool: features.ts) and give back plain JS: labels as numbers or
 * strings, probabilities as a flat Float32Array with its class count, regression
 * values, and every tensor output normalised (int64 BigInt → number).
 *
 * Real converted models disagree on output shapes; the readings handled here:
 * label + probabilities (skl2onnx zipmap=False), probabilities alone, a single
 * probability column (sigmoid heads), a regression column [N, 1] or vector [N], and
 * int64 or string labels.
 */
import type { Tensor } from 'onnxruntime-node';
import { MloError } from '../errors.js';
import { findUnfitValue, type FeatureMatrix, type FeatureType } from './features.js';
import type { OnnxSession } from './session.js';
import { firstLine, type IoInfo } from './signature.js';
import type { ElementType } from './types.js';

export interface RunOptions {
  /**
   * How to read outputs the model leaves ambiguous: without a label output, a float
   * output counts as probabilities only if its name contains "prob" (or this says
   * classification); otherwise as regression values.
   */
  task?: 'classification' | 'regression';
  /** labels of the probability columns when the model does not record them */
  classLabels?: readonly (number | string)[];
  /** decision threshold for a single-probability output (default 0.5) */
  threshold?: number;
}

/** A class label as a model returns it (same shape as the metrics' Label). */
export type { Label } from '../evaluate/metrics/index.js';
import type { Label } from '../evaluate/metrics/index.js';

export interface RawOutput {
  type: ElementType;
  dims: number[];
  /** float32 → Float32Array, float64 → Float64Array, string → string[], anything else → number[] */
  data: Float32Array | Float64Array | number[] | string[];
}

export interface ModelOutputs {
  task: 'classification' | 'regression' | 'unknown';
  nRows: number;
  /** predicted label per row (classification) */
  labels: Label[] | null;
  /** row-major [nRows × classCount]; a single probability column is expanded to [1 - p, p] */
  probabilities: Float32Array | null;
  classCount: number;
  /** label of each probability column: RunOptions.classLabels, else the model's own, else 0..C-1 */
  classLabels: Label[] | null;
  /** row-major [nRows × targetCount] (regression) */
  values: Float64Array | null;
  targetCount: number;
  /** every fetched tensor output */
  raw: Record<string, RawOutput>;
}

export interface OutputRoles {
  task: ModelOutputs['task'];
  label: IoInfo | undefined;
  score: IoInfo | undefined;
}

const FLOATS = new Set<ElementType | null>(['float32', 'float64']);

const defaultRoles = new WeakMap<OnnxSession, OutputRoles>();

/** Decide which output is the label, which the scores, and what the task is. */
export function assignRoles(session: OnnxSession, opts: RunOptions): OutputRoles {
  if (opts.task) return findRoles(session, opts.task);
  let roles = defaultRoles.get(session);
  if (!roles) {
    roles = findRoles(session, undefined);
    defaultRoles.set(session, roles);
  }
  return roles;
}

function findRoles(session: OnnxSession, forced: RunOptions['task']): OutputRoles {
  const usable = session.signature.outputs.filter((o) => o.isTensor);
  const label = usable.find((o) => !FLOATS.has(o.elementType));
  const floats = usable.filter((o) => FLOATS.has(o.elementType));
  const named = floats.find((o) => /prob/i.test(o.name));
  const score = named ?? floats[0];
  let task: ModelOutputs['task'];
  if (forced) task = forced;
  else if (label || named) task = 'classification';
  else task = score ? 'regression' : 'unknown';
  return { task, label, score };
}

/**
 * Run `features` (row-major, nRows × nFeatures) through the model. The compute runs on
 * the JS thread (see session.ts); callers that need a responsive event loop batch
 * rows or use worker threads.
 */
export async function runModel(
  session: OnnxSession,
  features: FeatureMatrix,
  nRows: number,
  nFeatures: number,
  opts: RunOptions = {},
): Promise<ModelOutputs> {
  checkFeatures(session, features, nRows, nFeatures);
  const roles = assignRoles(session, opts);
  const fetches = session.signature.usableOutputs;
  if (fetches.length === 0) {
    throw new MloError('INVALID', 'the model has no output onnxruntime-node can return', {
      hint: session.signature.warnings[0]?.hint,
    });
  }
  const raw =
    nRows === 0
      ? emptyOutputs(session)
      : await runFeeds(session, features, nRows, nFeatures, fetches);
  return interpret(raw, roles, nRows, session, opts);
}

function checkFeatures(
  session: OnnxSession,
  features: FeatureMatrix,
  nRows: number,
  nFeatures: number,
): void {
  if (!Number.isInteger(nRows) || nRows < 0 || !Number.isInteger(nFeatures) || nFeatures < 1) {
    throw new MloError('USAGE', `bad matrix size: ${nRows} rows × ${nFeatures} features`);
  }
  if (features.length !== nRows * nFeatures) {
    throw new MloError(
      'INVALID',
      `got ${features.length} feature values; ${nRows} rows × ${nFeatures} features need ${nRows * nFeatures}`,
    );
  }
  if (session.feed.kind === 'unsupported') throw new MloError('INVALID', session.feed.reason);
  if (session.nFeatures !== null && session.nFeatures !== nFeatures) {
    const what =
      session.feed.kind === 'columns'
        ? `the model takes ${session.nFeatures} features (one input each)`
        : `the model's input "${session.feed.input.name}" takes ${session.nFeatures} features`;
    throw new MloError('INVALID', `${what}, got ${nFeatures}`);
  }
  if (session.wide) {
    const types = session.featureTypes(nFeatures);
    const bad = findUnfitValue(features, nRows, types);
    if (bad) {
      const input =
        session.feed.kind === 'columns'
          ? session.feed.inputs[bad.feature].name
          : session.feed.kind === 'matrix'
            ? session.feed.input.name
            : '?';
      throw new MloError(
        'INVALID',
        `row ${bad.row + 1}, feature ${bad.feature + 1}: ${bad.reason} (model input "${input}" is ${bad.type})`,
      );
    }
  }
}

/** `n` values of `x` (every `stride`-th from `at`) as a tensor of the input's type. */
function tensorOf(
  T: OnnxSession['TensorClass'],
  type: FeatureType,
  x: FeatureMatrix,
  dims: number[],
  at = 0,
  stride = 1,
): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  if (type === 'float32' && x instanceof Float32Array && stride === 1) {
    return new T('float32', at === 0 && x.length === n ? x : x.subarray(at, at + n), dims);
  }
  switch (type) {
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = x[at + i * stride];
      return new T('float32', out, dims);
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = x[at + i * stride];
      return new T('float64', out, dims);
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = x[at + i * stride];
      return new T('int32', out, dims);
    }
    case 'int64': {
      // checkFeatures made sure each value is a safe integer, so BigInt() is exact
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt(x[at + i * stride]);
      return new T('int64', out, dims);
    }
    case 'bool': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = x[at + i * stride] === 0 ? 0 : 1;
      return new T('bool', out, dims);
    }
  }
}

async function runFeeds(
  session: OnnxSession,
  features: FeatureMatrix,
  nRows: number,
  nFeatures: number,
  fetches: string[],
): Promise<Record<string, RawOutput>> {
  const feed = session.feed;
  const T = session.TensorClass;
  if (feed.kind === 'columns') {
    const feeds: Record<string, Tensor> = {};
    feed.inputs.forEach((input, j) => {
      feeds[input.name] = tensorOf(T, feed.types[j], features, [nRows, 1], j, nFeatures);
    });
    return normalise(await runOrt(session, feeds, fetches));
  }
  if (feed.kind !== 'matrix') throw new MloError('INVALID', 'unsupported model input');
  const name = feed.input.name;
  if (!feed.rowByRow || nRows === 1) {
    const x = tensorOf(T, feed.type, features, [nRows, nFeatures]);
    return normalise(await runOrt(session, { [name]: x }, fetches));
  }
  const parts: Record<string, RawOutput>[] = [];
  for (let i = 0; i < nRows; i++) {
    const row = tensorOf(T, feed.type, features, [1, nFeatures], i * nFeatures);
    parts.push(normalise(await runOrt(session, { [name]: row }, fetches)));
  }
  return concatRows(parts);
}

async function runOrt(
  session: OnnxSession,
  feeds: Record<string, Tensor>,
  fetches: string[],
): Promise<Record<string, Tensor>> {
  try {
    return await session.ort.run(feeds, fetches);
  } catch (err) {
    throw new MloError('INTERNAL', `model run failed: ${firstLine(err)}`, { cause: err });
  }
}

function normalise(result: Record<string, Tensor>): Record<string, RawOutput> {
  const out: Record<string, RawOutput> = {};
  for (const [name, t] of Object.entries(result)) {
    out[name] = { type: t.type as ElementType, dims: [...t.dims], data: plainData(t) };
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function plainData(t: Tensor): RawOutput['data'] {
  const d = t.data;
  if (d instanceof Float32Array || d instanceof Float64Array) return d;
  if (Array.isArray(d)) return d;
  if ((d instanceof BigInt64Array || d instanceof BigUint64Array) && LITTLE_ENDIAN) {
    return int64ToNumbers(d);
  }
  const src = d as ArrayLike<number | bigint>;
  const out = new Array<number>(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
  return out;
}

/**
 * int64 → number from the two 32-bit halves: Number(bigint) costs ~50 ns a value,
 * which at batch 256 was a visible share of a whole logistic-regression run. Exact up
 * to 2^53, like Number().
 */
function int64ToNumbers(d: BigInt64Array | BigUint64Array): number[] {
  const words = new Int32Array(d.buffer, d.byteOffset, d.length * 2);
  const signed = d instanceof BigInt64Array;
  const out = new Array<number>(d.length);
  for (let i = 0; i < d.length; i++) {
    const hi = signed ? words[2 * i + 1] : words[2 * i + 1] >>> 0;
    out[i] = hi * 4294967296 + (words[2 * i] >>> 0);
  }
  return out;
}

function emptyOutputs(session: OnnxSession): Record<string, RawOutput> {
  const out: Record<string, RawOutput> = {};
  for (const o of session.signature.outputs) {
    if (!o.isTensor || !o.elementType) continue;
    const dims = (o.shape ?? [0]).map((d, i) => (i === 0 ? 0 : typeof d === 'number' ? d : 1));
    const data =
      o.elementType === 'float32'
        ? new Float32Array(0)
        : o.elementType === 'float64'
          ? new Float64Array(0)
          : [];
    out[o.name] = { type: o.elementType, dims, data };
  }
  return out;
}

function concatRows(parts: Record<string, RawOutput>[]): Record<string, RawOutput> {
  const out: Record<string, RawOutput> = {};
  for (const name of Object.keys(parts[0])) {
    const pieces = parts.map((p) => p[name]);
    const first = pieces[0];
    const total = pieces.reduce((n, p) => n + p.data.length, 0);
    let data: RawOutput['data'];
    if (first.data instanceof Float32Array || first.data instanceof Float64Array) {
      const arr =
        first.data instanceof Float32Array ? new Float32Array(total) : new Float64Array(total);
      let off = 0;
      for (const p of pieces) {
        arr.set(p.data as ArrayLike<number>, off);
        off += p.data.length;
      }
      data = arr;
    } else {
      data = pieces.flatMap((p) => p.data as (number | string)[]) as number[] | string[];
    }
    const rows = pieces.reduce((n, p) => n + (p.dims[0] ?? 1), 0);
    out[name] = { type: first.type, dims: [rows, ...first.dims.slice(1)], data };
  }
  return out;
}

function interpret(
  raw: Record<string, RawOutput>,
  roles: OutputRoles,
  nRows: number,
  session: OnnxSession,
  opts: RunOptions,
): ModelOutputs {
  const result: ModelOutputs = {
    task: roles.task,
    nRows,
    labels: null,
    probabilities: null,
    classCount: 0,
    classLabels: null,
    values: null,
    targetCount: 0,
    raw,
  };
  const score = roles.score ? raw[roles.score.name] : undefined;
  const cols = score ? columnsOf(score, nRows) : 0;

  if (roles.task === 'regression') {
    if (score) {
      result.values = Float64Array.from(score.data as ArrayLike<number>);
      result.targetCount = cols;
    }
    return result;
  }
  if (roles.task !== 'classification') return result;

  const known = opts.classLabels ?? session.signature.classLabels;
  if (score) {
    const data = score.data as Float32Array | Float64Array;
    if (cols === 1) {
      // A lone probability column is P(second class): expand to both columns.
      const probs = new Float32Array(nRows * 2);
      for (let i = 0; i < nRows; i++) {
        probs[2 * i] = 1 - data[i];
        probs[2 * i + 1] = data[i];
      }
      result.probabilities = probs;
      result.classCount = 2;
    } else {
      result.probabilities = data instanceof Float32Array ? data : Float32Array.from(data);
      result.classCount = cols;
    }
    result.classLabels = probabilityLabels(known, result.classCount);
  }
  const labelOut = roles.label ? raw[roles.label.name] : undefined;
  if (labelOut) {
    // normalise() already made a fresh plain array (or ORT handed over a fresh string[])
    result.labels = labelOut.data as Label[];
  } else if (result.probabilities && result.classLabels) {
    result.labels = pickLabels(
      result.probabilities,
      result.classCount,
      result.classLabels,
      cols === 1,
      opts,
    );
  }
  return result;
}

/** Labels of `count` probability columns: the known ones when they match, else 0..count-1. */
export function probabilityLabels(
  known: readonly Label[] | null | undefined,
  count: number,
): Label[] {
  return known && known.length === count ? [...known] : Array.from({ length: count }, (_, i) => i);
}

function columnsOf(out: RawOutput, nRows: number): number {
  if (out.dims.length >= 2) return out.dims.slice(1).reduce((a, b) => a * b, 1);
  return nRows === 0 ? 1 : Math.max(1, Math.round(out.data.length / nRows));
}

function pickLabels(
  probs: Float32Array,
  classCount: number,
  classLabels: Label[],
  singleScore: boolean,
  opts: RunOptions,
): Label[] {
  const n = probs.length / classCount;
  const labels: Label[] = new Array<Label>(n);
  const threshold = opts.threshold ?? 0.5;
  for (let i = 0; i < n; i++) {
    if (singleScore) {
      labels[i] = classLabels[probs[2 * i + 1] >= threshold ? 1 : 0];
      continue;
    }
    let best = 0;
    for (let k = 1; k < classCount; k++) {
      if (probs[i * classCount + k] > probs[i * classCount + best]) best = k;
    }
    labels[i] = classLabels[best];
  }
  return labels;
}

/**
 * onnxruntime-node sessions with server-friendly defaults.
 *
 * What the runtime does, measured on onnxruntime-node 1.30 (see bench/onnx-run.mjs):
 * - `session.run()` resolves a promise, but the compute happens synchronously on the
 *   JS thread (the binding's run is called from a setImmediate). Concurrent runs on one
 *   session are serialised and block the event loop while they compute; parallelism
 *   on a multi-core machine means worker threads, each with its own session.
 * - With intra-op threads > 1, idle pool threads spin waiting for work unless the
 *   session config says otherwise: in a request/idle pattern that burnt ~1 core of CPU
 *   for no extra throughput (0.97 vs 0.16 CPU-seconds per second with spinning off).
 *   The Node binding passes `extra` entries through as session config entries, so
 *   `session.intra_op.allow_spinning` / `session.inter_op.allow_spinning` = "0" work.
 * - int64 outputs arrive as BigInt64Array; sequence/map outputs (ZipMap) cannot be
 *   fetched at all ("Non tensor type is temporarily not supported"), so only tensor
 *   outputs are requested.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { MloError } from '../errors.js';
import { isFeatureType, needsDoubles, type FeatureType } from './features.js';
import {
  decodeSignature,
  firstLine,
  loadModelBytes,
  type IoInfo,
  type ModelSignature,
} from './signature.js';

export interface SessionOptions {
  /**
   * Threads inside one operator (default 1). Small tabular models run fastest on one
   * thread, and a server gets parallelism from worker threads, each with its session.
   */
  intraOpThreads?: number;
  /** threads across independent operators (default 1, used only in parallel execution mode) */
  interOpThreads?: number;
  /** let idle pool threads spin-wait for work (default false: spinning burns CPU between requests) */
  spinning?: boolean;
  graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** onnxruntime's own log level (default 4, fatal only: errors reach the caller as MloError, not as stderr lines) */
  logSeverity?: 0 | 1 | 2 | 3 | 4;
}

/**
 * How features reach the model's input(s); decided once per session. Each input has
 * one of the feature types (float32, float64, int64, int32, bool): see features.ts
 * for how values convert.
 */
export type FeedPlan =
  | { kind: 'matrix'; input: IoInfo; type: FeatureType; rowByRow: boolean }
  | { kind: 'columns'; inputs: IoInfo[]; types: FeatureType[] }
  | { kind: 'unsupported'; reason: string };

type TensorCtor = typeof Tensor;

export class OnnxSession {
  /** the model's declared inputs and outputs (see readSignature) */
  readonly signature: ModelSignature;
  /** feature count the model fixes in its input shape, or null when it does not say */
  readonly nFeatures: number | null;
  /** the raw onnxruntime session, for callers that need more than runModel */
  readonly ort: InferenceSession;
  readonly feed: FeedPlan;
  readonly TensorClass: TensorCtor;
  /**
   * Whether features must travel as doubles (Float64Array): an input other than
   * float32, whose values float32 would round.
   */
  readonly wide: boolean;

  constructor(signature: ModelSignature, ort: InferenceSession, TensorClass: TensorCtor) {
    this.signature = signature;
    this.ort = ort;
    this.TensorClass = TensorClass;
    this.feed = planFeed(signature.inputs);
    this.nFeatures =
      this.feed.kind === 'matrix'
        ? featureDim(this.feed.input)
        : this.feed.kind === 'columns'
          ? this.feed.inputs.length
          : null;
    this.wide =
      this.feed.kind === 'matrix'
        ? this.feed.type !== 'float32'
        : this.feed.kind === 'columns' && needsDoubles(this.feed.types);
  }

  /** The input type of each of `n` features (the model's own count when it fixes one). */
  featureTypes(n: number): FeatureType[] {
    const feed = this.feed;
    if (feed.kind === 'columns') return feed.types;
    if (feed.kind === 'matrix') return new Array<FeatureType>(n).fill(feed.type);
    return new Array<FeatureType>(n).fill('float32');
  }

  async release(): Promise<void> {
    await this.ort.release();
  }
}

/**
 * Load a model (bytes or a file path) into onnxruntime-node. Malformed models are
 * MloError INVALID with onnxruntime's one-line reason.
 */
export async function createSession(
  source: Uint8Array | string,
  options: SessionOptions = {},
): Promise<OnnxSession> {
  checkThreads('intraOpThreads', options.intraOpThreads);
  checkThreads('interOpThreads', options.interOpThreads);
  const { bytes, label } = await loadModelBytes(source);
  const signature = await decodeSignature(bytes, label);
  const ort = await import('onnxruntime-node');
  const spin = options.spinning ? '1' : '0';
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: options.intraOpThreads ?? 1,
      interOpNumThreads: options.interOpThreads ?? 1,
      executionMode: 'sequential',
      graphOptimizationLevel: options.graphOptimization ?? 'all',
      logSeverityLevel: options.logSeverity ?? 4,
      // Flattened by the binding into session config entries "session.intra_op.allow_spinning" etc.
      extra: {
        session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } },
      },
    });
  } catch (err) {
    throw new MloError('INVALID', `${label}: onnxruntime cannot load it: ${firstLine(err)}`, {
      cause: err,
    });
  }
  return new OnnxSession(signature, session, ort.Tensor);
}

function checkThreads(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 1024)) {
    throw new MloError('USAGE', `${name} must be a whole number from 1 to 1024, got ${value}`);
  }
}

/** Planned without a session: what registration checks before it keeps a model. */
export function planFeed(inputs: readonly IoInfo[]): FeedPlan {
  const bad = inputs.find((i) => !i.isTensor || !isFeatureType(i.elementType));
  const takes = 'mlo feeds float, double, int64, int32 or bool features';
  if (inputs.length === 1) {
    const input = inputs[0];
    if (bad) {
      return {
        kind: 'unsupported',
        reason: `model input "${input.name}" is ${input.type}; ${takes}`,
      };
    }
    const rank = input.shape?.length ?? 2;
    if (rank !== 2) {
      return {
        kind: 'unsupported',
        reason: `model input "${input.name}" has rank ${rank}; mlo feeds [rows, features]`,
      };
    }
    return {
      kind: 'matrix',
      input,
      type: input.elementType as FeatureType,
      // Converters given FloatTensorType([1, F]) pin the batch to 1: run row by row.
      rowByRow: input.shape?.[0] === 1,
    };
  }
  // One [N, 1] input per column: skl2onnx's shape for per-column initial_types.
  if (bad) {
    return {
      kind: 'unsupported',
      reason: `model input "${bad.name}" is ${bad.type}; ${takes}`,
    };
  }
  const notColumn = inputs.find((i) => i.shape && !(i.shape.length === 2 && i.shape[1] === 1));
  if (notColumn) {
    return {
      kind: 'unsupported',
      reason: `model has ${inputs.length} inputs and "${notColumn.name}" is not one [rows, 1] column`,
    };
  }
  return {
    kind: 'columns',
    inputs: [...inputs],
    types: inputs.map((i) => i.elementType as FeatureType),
  };
}

function featureDim(input: IoInfo): number | null {
  const d = input.shape?.[1];
  return typeof d === 'number' ? d : null;
}

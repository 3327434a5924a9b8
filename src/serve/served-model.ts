/**
 * One model version loaded for serving: its feature layout, where it computes (inline
 * or worker threads) behind a micro-batcher, and a count of the requests using it, so
 * that a hot reload can retire it once the last of them has answered.
 */
import { MloError } from '../errors.js';
import { findUnfitValue, planFeed, type FeatureMatrix, type FeatureType } from '../onnx/index.js';
import { modelFeatureCount, readModelBytes, type ModelVersion } from '../registry/index.js';
import type { Repo } from '../repo/index.js';
import type { PredictionRoute } from '../store/index.js';
import { Batcher } from './batcher.js';
import { makeLayout, type FeatureLayout } from './input.js';
import type { LogSource } from './log-rows.js';
import { createWorkerRunner } from './pool.js';
import { createInlineRunner, workerScript, type Runner } from './runner.js';

export interface ServedModel {
  readonly route: PredictionRoute;
  readonly model: ModelVersion;
  /** "churn@3" */
  readonly label: string;
  readonly layout: FeatureLayout;
  /**
   * the input type of each feature when one is not float32 (values then travel as
   * doubles and are checked before they are queued); null: all float32
   */
  readonly featureTypes: readonly FeatureType[] | null;
  readonly runner: Runner;
  readonly batcher: Batcher;
  readonly loadSeconds: number;
  /** how it appears in the prediction log when it answers (primary) */
  readonly logAs: LogSource;
  /** requests holding it */
  inflight: number;
  retired: boolean;
  /** set by retire(): resolves once no request holds it and its runner is closed */
  closed?: Promise<void>;
  drained?: () => void;
}

export interface LoadOptions {
  route: PredictionRoute;
  /** worker threads (0: on the HTTP thread) */
  threads: number;
  maxBatch: number;
  maxDelayMs: number;
  /** each model run: rows and compute seconds (see BatchOptions) */
  onRun?: (rows: number, seconds: number) => void;
  /** each request's wait in the micro-batcher */
  onWait?: (seconds: number) => void;
  onWorkerCrash?: (model: string, message: string) => void;
}

/** Feature count and names of a version, or an error saying why it cannot be served. */
export function layoutOf(model: ModelVersion): FeatureLayout {
  const label = `${model.name}@${model.version}`;
  const count = modelFeatureCount(model.signature) ?? model.features?.length ?? null;
  if (count === null) {
    throw new MloError(
      'INVALID',
      `cannot serve ${label}: its input does not say how many features it takes`,
      {
        hint: `register it with its feature names: mlo model register ${model.name} FILE --features a,b,c`,
      },
    );
  }
  return makeLayout(model.features, count, label, featureTypesOf(model, count));
}

export async function loadServedModel(
  repo: Repo,
  model: ModelVersion,
  options: LoadOptions,
): Promise<ServedModel> {
  const t0 = performance.now();
  const layout = layoutOf(model);
  const bytes = readModelBytes(repo, model);
  const script = options.threads > 0 ? workerScript('serve-model.worker.js') : undefined;
  const runner = script
    ? await createWorkerRunner(
        script,
        { bytes, nFeatures: layout.count, background: options.route === 'shadow' },
        {
          threads: options.threads,
          onCrash: (message) => options.onWorkerCrash?.(layout.label, message),
        },
      )
    : await createInlineRunner(bytes, layout.count);
  const batcher = new Batcher(runner, {
    maxBatch: options.maxBatch,
    maxDelayMs: options.maxDelayMs,
    onRun: options.onRun,
    onWait: options.onWait,
  });
  const served: ServedModel = {
    route: options.route,
    model,
    label: layout.label,
    layout,
    featureTypes: featureTypesOf(model, layout.count),
    runner,
    batcher,
    loadSeconds: (performance.now() - t0) / 1000,
    logAs: {
      model: model.name,
      version: model.version,
      route: options.route,
      role: options.route === 'shadow' ? 'shadow' : 'primary',
      names: model.features,
      nFeatures: layout.count,
    },
    inflight: 0,
    retired: false,
  };
  return served;
}

/** Per-feature input types when the model needs doubles, else null (the float32 fast path). */
function featureTypesOf(model: ModelVersion, count: number): FeatureType[] | null {
  const feed = planFeed(model.signature.inputs);
  if (feed.kind === 'columns') return feed.types.every((t) => t === 'float32') ? null : feed.types;
  if (feed.kind === 'matrix' && feed.type !== 'float32')
    return new Array<FeatureType>(count).fill(feed.type);
  return null;
}

/**
 * Rows as the model's runner takes them: float32 for float32 models; otherwise a copy
 * of the doubles (the runner may hand its buffer to a worker thread, and the caller
 * still logs these values).
 */
export function modelInput(served: ServedModel, values: Float64Array): FeatureMatrix {
  return served.featureTypes ? values.slice() : Float32Array.from(values);
}

/**
 * A 400 for a value the model's input cannot take (2.5 for an int64 feature, 3 for a
 * bool), naming the row and feature, before it reaches a batch it would fail.
 */
export function checkModelInput(served: ServedModel, values: Float64Array, rows: number): void {
  if (!served.featureTypes) return;
  const bad = findUnfitValue(values, rows, served.featureTypes);
  if (!bad) return;
  const name = served.layout.names?.[bad.feature];
  const feature = name === undefined ? `feature ${bad.feature}` : `feature "${name}"`;
  if (Number.isNaN(bad.value)) {
    // only MLflow's protocol reads null (or an empty CSV cell) as NaN, as pandas does
    throw new MloError(
      'INVALID',
      `row ${bad.row}, ${feature} is null (missing); ${served.label} takes it as ${bad.type}, which has no missing value, so it is refused rather than made up (only float and double inputs take null, as NaN)`,
      { hint: 'send a value, or fill in missing values before sending' },
    );
  }
  throw new MloError(
    'INVALID',
    `row ${bad.row}, ${feature}: ${bad.reason}; ${served.label} takes it as ${bad.type}`,
    {
      hint:
        bad.type === 'bool'
          ? 'send true/false (or 1/0) for a bool feature'
          : 'send whole numbers for an integer feature',
    },
  );
}

/**
 * One run of zeros, so the first client does not pay for onnxruntime's lazy set-up,
 * and a model that cannot run is found before it is put in front of clients.
 */
export async function warmUp(served: ServedModel): Promise<void> {
  try {
    await served.runner.run(modelInput(served, new Float64Array(served.layout.count)), 1);
  } catch (err) {
    throw new MloError(
      'INVALID',
      `cannot serve ${served.label}: a test run failed: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

export function acquire(served: ServedModel): ServedModel {
  served.inflight++;
  return served;
}

export function release(served: ServedModel): void {
  served.inflight--;
  if (served.retired && served.inflight === 0) served.drained?.();
}

/** Stop taking new requests for it; close it once the last one in flight has answered. */
export function retire(served: ServedModel): Promise<void> {
  if (!served.closed) {
    served.retired = true;
    const drained =
      served.inflight === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => (served.drained = resolve));
    served.closed = drained.then(() => served.runner.close()).catch(() => undefined);
  }
  return served.closed;
}

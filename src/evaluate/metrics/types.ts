/** Shapes shared by every metric in this folder. */

/** A class label as it appears in a target column or a model's label output. */
export type Label = string | number;

/**
 * A column of labels. int64 label tensors (BigInt64Array from onnxruntime-node) are
 * accepted and read as numbers; beyond ±2^53 they would lose precision and are refused.
 */
export type Labels = ArrayLike<Label> | ArrayLike<bigint>;

/**
 * One metric's value. `value` is null when the metric is undefined for the input
 * (empty input, one class only, constant target ...); `reason` then says why. A
 * number can also carry a reason when it is a convention rather than a measurement
 * (precision set to 0 because nothing was predicted positive, as sklearn does).
 * Never NaN.
 */
export interface MetricResult {
  value: number | null;
  reason?: string;
}

/**
 * Row-major n × `columns` scores, e.g. a model's probability tensor:
 * `data[i * columns + j]` is row i's score for the j-th class label. A Float32Array
 * `data` is treated as float32 where sklearn would (log_loss clipping epsilon).
 */
export interface ScoreMatrix {
  readonly data: ArrayLike<number>;
  readonly columns: number;
}

/**
 * Scores accepted by roc_auc and log_loss: one score per row for the positive label
 * (binary), a ScoreMatrix, or nested rows (`[[0.2, 0.8], ...]`).
 */
export type Scores = ArrayLike<number> | ScoreMatrix | readonly (readonly number[])[];

/** A set of named scalar metrics with the reasons for those that are null or conventional. */
export interface MetricSet {
  metrics: Record<string, number | null>;
  reasons: Record<string, string>;
}

export function ok(value: number): MetricResult {
  return { value };
}

export function undefinedMetric(reason: string): MetricResult {
  return { value: null, reason };
}

/** Split named results into the `{metrics, reasons}` shape reports and gates use. */
export function toMetricSet<K extends string>(
  results: Record<K, MetricResult>,
): { metrics: Record<K, number | null>; reasons: Record<string, string> } {
  const metrics = {} as Record<K, number | null>;
  const reasons: Record<string, string> = {};
  for (const key of Object.keys(results) as K[]) {
    const r = results[key];
    metrics[key] = r.value;
    if (r.reason !== undefined) reasons[key] = r.reason;
  }
  return { metrics, reasons };
}

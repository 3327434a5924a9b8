/**
 * Evaluation: run a registered model over a data file and measure it. The metric
 * functions themselves are in ./metrics (exported from src/index.ts on their own).
 *
 *     const r = await evaluateModel(repo, { model: 'churn@3', data: 'holdout.csv', target: 'churned' });
 *     r.metrics.accuracy; r.metrics.p99_ms; r.slices.region?.gaps.accuracy
 *
 * Features reach the model by name: `features`, else the names registered with the
 * model, else the data's columns minus the target, in file order; other columns are
 * ignored. Latency (p50_ms, p95_ms, p99_ms) is measured on up to 1,000 rows run one at
 * a time, as a server sees requests; rows_per_s is the batched pass's throughput:
 * rows over the time spent getting each run's feature matrix ready (checking its cells
 * for empty and unreadable values; copying the feature columns into it where that is a
 * step of its own) and running the model, in the steady state: the first run of each
 * row count (onnxruntime's per-shape setup) is made once more, untimed, before the
 * counted one (Scorer.warm). Reading the file is not counted. A CSV file
 * whose features are all numeric has no copy step: its reader parses the features
 * straight into the matrices (batch.rowMajor), in the reading time. Parquet, JSON
 * Lines, boolean features, or a slice that is also a feature keep the copy, inside
 * rows_per_s.
 */
export {
  evaluateModel,
  evaluateOrReuse,
  type EvaluateOptions,
  type EvaluationResult,
  type FeaturesFrom,
} from './evaluate.js';
export { findStoredEvaluation, evaluationFromRow, type StoredEvaluationQuery } from './stored.js';
export { measureLatency, type LatencyOptions } from './latency.js';
export { alignClassificationTarget, type TargetData, type AlignedTarget } from './target.js';

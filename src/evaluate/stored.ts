/**
 * Evaluations kept in the store, keyed by model version and the data file's hash:
 * `mlo promote` reuses one instead of running the model again on the same data.
 */
import type { ModelVersion } from '../registry/index.js';
import type { Repo } from '../repo/index.js';
import { findEvaluations, insertEvaluation, type EvaluationRow } from '../store/index.js';
import type { EvaluationResult } from './evaluate.js';

interface Detail {
  classes: EvaluationResult['classes'];
  featuresFrom: EvaluationResult['featuresFrom'];
  latency: EvaluationResult['latency'];
  warnings: string[];
  model: EvaluationResult['model'];
}

export function saveEvaluation(repo: Repo, model: ModelVersion, r: EvaluationResult): number {
  const detail: Detail = {
    classes: r.classes,
    featuresFrom: r.featuresFrom,
    latency: r.latency,
    warnings: r.warnings,
    model: r.model,
  };
  return insertEvaluation(repo.store, {
    version_id: model.id,
    data_hash: r.data.hash,
    data_path: r.data.path,
    target: r.target,
    features_json: JSON.stringify(r.features),
    task: r.task,
    rows: r.data.rows,
    metrics_json: JSON.stringify(r.metrics),
    reasons_json: JSON.stringify(r.reasons),
    detail_json: JSON.stringify(detail),
    slices_json: JSON.stringify(r.slices),
    created_ms: Date.parse(r.createdAt),
  });
}

export function evaluationFromRow(row: EvaluationRow): EvaluationResult {
  const detail = JSON.parse(row.detail_json) as Detail;
  return {
    id: row.id,
    model: detail.model,
    data: { path: row.data_path, hash: row.data_hash, rows: row.rows },
    target: row.target,
    features: JSON.parse(row.features_json) as string[],
    featuresFrom: detail.featuresFrom,
    task: row.task as EvaluationResult['task'],
    metrics: JSON.parse(row.metrics_json) as Record<string, number | null>,
    reasons: JSON.parse(row.reasons_json) as Record<string, string>,
    classes: detail.classes,
    slices: JSON.parse(row.slices_json) as EvaluationResult['slices'],
    latency: detail.latency,
    warnings: detail.warnings,
    createdAt: new Date(row.created_ms).toISOString(),
    reused: true,
  };
}

export interface StoredEvaluationQuery {
  model: ModelVersion;
  dataHash: string;
  target: string;
  /** the feature list asked for; undefined matches the model's own (registered or data columns) */
  features?: readonly string[];
  /** slice columns the evaluation must include */
  slices?: readonly string[];
}

/** The newest stored evaluation that answers the query, if any. */
export function findStoredEvaluation(
  repo: Repo,
  q: StoredEvaluationQuery,
): EvaluationResult | undefined {
  const wanted = q.features && q.features.length > 0 ? q.features : (q.model.features ?? undefined);
  for (const row of findEvaluations(repo.store, q.model.id, q.dataHash, q.target)) {
    const r = evaluationFromRow(row);
    if (wanted ? !sameList(r.features, wanted) : r.featuresFrom !== 'data-columns') continue;
    // (slices stored before ratios and fairness rates existed are measured again)
    if ((q.slices ?? []).some((s) => !(s in r.slices) || !r.slices[s].ratios)) continue;
    return r;
  }
  return undefined;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

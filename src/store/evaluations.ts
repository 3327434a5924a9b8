/** SQL for stored evaluations (migration 003): what `mlo eval` measured, reused by promote. */
import type { Store } from './open.js';

export interface EvaluationRow {
  id: number;
  version_id: number;
  data_hash: string;
  data_path: string;
  target: string;
  features_json: string;
  task: string;
  rows: number;
  metrics_json: string;
  reasons_json: string;
  detail_json: string;
  slices_json: string;
  created_ms: number;
}

export type NewEvaluation = Omit<EvaluationRow, 'id'>;

const COLUMNS = `id, version_id, data_hash, data_path, target, features_json, task, rows,
  metrics_json, reasons_json, detail_json, slices_json, created_ms`;

export function insertEvaluation(store: Store, row: NewEvaluation): number {
  const info = store.db
    .prepare(
      `INSERT INTO evaluations (version_id, data_hash, data_path, target, features_json, task,
         rows, metrics_json, reasons_json, detail_json, slices_json, created_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      row.version_id,
      row.data_hash,
      row.data_path,
      row.target,
      row.features_json,
      row.task,
      row.rows,
      row.metrics_json,
      row.reasons_json,
      row.detail_json,
      row.slices_json,
      row.created_ms,
    );
  return Number(info.lastInsertRowid);
}

/** Evaluations of a version on data with this hash and target, newest first. */
export function findEvaluations(
  store: Store,
  versionId: number,
  dataHash: string,
  target: string,
): EvaluationRow[] {
  return store.db
    .prepare(
      `SELECT ${COLUMNS} FROM evaluations WHERE version_id = ? AND data_hash = ? AND target = ?
       ORDER BY id DESC`,
    )
    .all(versionId, dataHash, target) as EvaluationRow[];
}

/** A version's evaluations, newest first. */
export function listEvaluations(store: Store, versionId: number): EvaluationRow[] {
  return store.db
    .prepare(`SELECT ${COLUMNS} FROM evaluations WHERE version_id = ? ORDER BY id DESC`)
    .all(versionId) as EvaluationRow[];
}

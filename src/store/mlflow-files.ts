/**
 * SQL for MLflow 3's logged models and the files under artifact roots that belong to
 * no run (a logged model's `models/<id>/artifacts`). Run artifacts stay in
 * run_artifacts, named by their path under the run's root.
 */
import { cachedStatement as stmt, type Store } from './open.js';

export interface LoggedModelRow {
  id: string;
  experiment_id: number;
  run_id: string | null;
  name: string;
  model_type: string | null;
  status: string;
  created_ms: number;
  updated_ms: number;
  tags_json: string;
  params_json: string;
  step: number;
}

const LM_COLUMNS =
  'id, experiment_id, run_id, name, model_type, status, created_ms, updated_ms, tags_json, params_json, step';

export function insertLoggedModelRow(store: Store, row: LoggedModelRow): void {
  stmt(
    store,
    `INSERT INTO logged_models (${LM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    row.id,
    row.experiment_id,
    row.run_id,
    row.name,
    row.model_type,
    row.status,
    row.created_ms,
    row.updated_ms,
    row.tags_json,
    row.params_json,
    row.step,
  );
}

export function getLoggedModelRow(store: Store, id: string): LoggedModelRow | undefined {
  return stmt(store, `SELECT ${LM_COLUMNS} FROM logged_models WHERE id = ?`).get(id) as
    LoggedModelRow | undefined;
}

export function listLoggedModelRows(
  store: Store,
  q: { experimentIds?: number[]; runId?: string },
): LoggedModelRow[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.experimentIds?.length) {
    where.push(`experiment_id IN (${q.experimentIds.map(() => '?').join(',')})`);
    args.push(...q.experimentIds);
  }
  if (q.runId !== undefined) {
    where.push('run_id = ?');
    args.push(q.runId);
  }
  return store.db
    .prepare(
      `SELECT ${LM_COLUMNS} FROM logged_models ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_ms DESC, id`,
    )
    .all(...args) as LoggedModelRow[];
}

export function updateLoggedModelRow(
  store: Store,
  id: string,
  fields: { status?: string; tags_json?: string; params_json?: string; step?: number },
  nowMs: number,
): void {
  const sets: string[] = ['updated_ms = ?'];
  const args: unknown[] = [nowMs];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    sets.push(`${k} = ?`);
    args.push(v);
  }
  store.db.prepare(`UPDATE logged_models SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
}

export function deleteLoggedModelRow(store: Store, id: string): void {
  stmt(store, 'DELETE FROM logged_models WHERE id = ?').run(id);
}

export interface ArtifactFileRow {
  path: string;
  hash: string;
  size: number;
}

export function putArtifactFileRow(store: Store, root: string, row: ArtifactFileRow): void {
  stmt(
    store,
    'INSERT OR REPLACE INTO artifact_files (root, path, hash, size) VALUES (?, ?, ?, ?)',
  ).run(root, row.path, row.hash, row.size);
}

export function listArtifactFileRows(store: Store, root: string): ArtifactFileRow[] {
  return stmt(
    store,
    'SELECT path, hash, size FROM artifact_files WHERE root = ? ORDER BY path',
  ).all(root) as ArtifactFileRow[];
}

export function deleteArtifactFileRows(store: Store, root: string, path: string): number {
  return stmt(
    store,
    `DELETE FROM artifact_files WHERE root = ? AND (path = ? OR (path >= ? AND path < ?))`,
  ).run(root, path, `${path}/`, `${path}/\uffff`).changes;
}

/** Remove run artifacts at `path` or under it (MLflow's artifact DELETE). */
export function deleteRunArtifactRows(store: Store, seq: number, path: string): number {
  return stmt(
    store,
    `DELETE FROM run_artifacts WHERE run = ? AND (name = ? OR (name >= ? AND name < ?))`,
  ).run(seq, path, `${path}/`, `${path}/\uffff`).changes;
}

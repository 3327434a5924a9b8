/**
 * SQL for experiments (migration 010) and the run lifecycle MLflow needs (soft
 * delete and restore). Experiment 0 "Default" always exists and holds the runs mlo
 * files under its `default` experiment.
 */
import { cachedStatement as stmt, type Store } from './open.js';

export type Lifecycle = 'active' | 'deleted';

export interface ExperimentRow {
  id: number;
  name: string;
  artifact_location: string | null;
  lifecycle: Lifecycle;
  created_ms: number;
  updated_ms: number;
  tags_json: string;
}

const COLUMNS = 'id, name, artifact_location, lifecycle, created_ms, updated_ms, tags_json';

/** The name mlo's runs use for experiment 0 (runs.experiment). */
export const DEFAULT_EXPERIMENT_RUN_NAME = 'default';

export function getExperimentRow(store: Store, id: number): ExperimentRow | undefined {
  return stmt(store, `SELECT ${COLUMNS} FROM experiments WHERE id = ?`).get(id) as
    ExperimentRow | undefined;
}

/** By name; mlo's `default` is experiment 0 whatever it is called now. */
export function getExperimentRowByName(store: Store, name: string): ExperimentRow | undefined {
  const row = stmt(store, `SELECT ${COLUMNS} FROM experiments WHERE name = ?`).get(name) as
    ExperimentRow | undefined;
  if (row || name !== DEFAULT_EXPERIMENT_RUN_NAME) return row;
  return getExperimentRow(store, 0);
}

export function listExperimentRows(store: Store, lifecycle?: Lifecycle): ExperimentRow[] {
  if (lifecycle === undefined)
    return stmt(store, `SELECT ${COLUMNS} FROM experiments ORDER BY id`).all() as ExperimentRow[];
  return stmt(store, `SELECT ${COLUMNS} FROM experiments WHERE lifecycle = ? ORDER BY id`).all(
    lifecycle,
  ) as ExperimentRow[];
}

/** Runs per experiment (active runs only). */
export function experimentRunCounts(store: Store): Map<number, number> {
  const rows = stmt(
    store,
    `SELECT experiment_id, COUNT(*) FROM runs WHERE lifecycle = 'active' GROUP BY experiment_id`,
  )
    .raw()
    .all() as [number | null, number][];
  return new Map(rows.filter((r) => r[0] !== null).map((r) => [r[0] as number, r[1]]));
}

export function insertExperimentRow(
  store: Store,
  e: { id?: number; name: string; artifactLocation?: string; tags?: Record<string, string> },
  nowMs: number,
): number {
  const info = stmt(
    store,
    `INSERT INTO experiments (id, name, artifact_location, lifecycle, created_ms, updated_ms, tags_json)
     VALUES (?, ?, ?, 'active', ?, ?, ?)`,
  ).run(
    e.id ?? null,
    e.name,
    e.artifactLocation ?? null,
    nowMs,
    nowMs,
    JSON.stringify(e.tags ?? {}),
  );
  const id = Number(info.lastInsertRowid);
  if (e.artifactLocation === undefined) {
    stmt(store, `UPDATE experiments SET artifact_location = ? WHERE id = ?`).run(
      `mlflow-artifacts:/${id}`,
      id,
    );
  }
  return id;
}

/**
 * The experiment id for a run filed under `name`, creating the experiment when it is
 * new. Call inside the run's insert transaction.
 */
export function ensureExperimentId(store: Store, name: string, nowMs: number): number {
  const row = getExperimentRowByName(store, name);
  if (row) return row.id;
  return insertExperimentRow(store, { name }, nowMs);
}

/** Rename: the runs' copy of the name follows, in the same transaction. */
export function renameExperimentRow(store: Store, id: number, name: string, nowMs: number): void {
  store.db
    .transaction(() => {
      stmt(store, 'UPDATE experiments SET name = ?, updated_ms = ? WHERE id = ?').run(
        name,
        nowMs,
        id,
      );
      stmt(store, 'UPDATE runs SET experiment = ? WHERE experiment_id = ?').run(name, id);
    })
    .immediate();
}

export function setExperimentLifecycle(
  store: Store,
  id: number,
  lifecycle: Lifecycle,
  nowMs: number,
): void {
  stmt(store, 'UPDATE experiments SET lifecycle = ?, updated_ms = ? WHERE id = ?').run(
    lifecycle,
    nowMs,
    id,
  );
}

export function setExperimentTagRow(store: Store, id: number, key: string, value: string): void {
  stmt(
    store,
    `UPDATE experiments SET tags_json = json_set(tags_json, '$.' || json_quote(?), ?) WHERE id = ?`,
  ).run(key, value, id);
}

export function setExperimentRowArtifactLocation(store: Store, id: number, location: string): void {
  stmt(store, 'UPDATE experiments SET artifact_location = ? WHERE id = ?').run(location, id);
}

/** Soft-delete or restore a run (MLflow's lifecycle; `mlo runs delete` removes for good). */
export function setRunLifecycle(
  store: Store,
  seq: number,
  lifecycle: Lifecycle,
  nowMs: number,
): void {
  stmt(store, 'UPDATE runs SET lifecycle = ?, deleted_ms = ? WHERE seq = ?').run(
    lifecycle,
    lifecycle === 'deleted' ? nowMs : null,
    seq,
  );
}

export interface RunMlflowFields {
  experiment_id: number | null;
  lifecycle: Lifecycle;
}

export function getRunMlflowFields(store: Store, seq: number): RunMlflowFields | undefined {
  return stmt(store, 'SELECT experiment_id, lifecycle FROM runs WHERE seq = ?').get(seq) as
    RunMlflowFields | undefined;
}

/** Set a run's name, status and end (MLflow's UpdateRun). */
export function updateRunInfoRow(
  store: Store,
  seq: number,
  fields: { name?: string; status?: string; endMs?: number | null },
): void {
  if (fields.name !== undefined)
    stmt(store, 'UPDATE runs SET name = ? WHERE seq = ?').run(fields.name, seq);
  if (fields.status !== undefined)
    stmt(store, 'UPDATE runs SET status = ? WHERE seq = ?').run(fields.status, seq);
  if (fields.endMs !== undefined)
    stmt(store, 'UPDATE runs SET end_ms = ? WHERE seq = ?').run(fields.endMs, seq);
}

export function deleteRunTagRow(store: Store, seq: number, key: string): boolean {
  let removed = false;
  store.db
    .transaction(() => {
      removed =
        stmt(store, 'DELETE FROM run_tags WHERE run = ? AND key = ?').run(seq, key).changes > 0;
      stmt(
        store,
        `UPDATE runs SET tags_json = (SELECT json_group_object(key, value) FROM run_tags WHERE run = @seq)
         WHERE seq = @seq`,
      ).run({ seq });
    })
    .immediate();
  return removed;
}

/** A param's stored value, if logged (MLflow refuses to change one). */
export function getParamValues(store: Store, seq: number, keys: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const q = stmt(store, 'SELECT value FROM run_params WHERE run = ? AND key = ?').pluck();
  for (const k of keys) {
    const v = q.get(seq, k) as string | undefined;
    if (v !== undefined) out.set(k, v);
  }
  return out;
}

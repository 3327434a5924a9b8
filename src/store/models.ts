/**
 * SQL for the model registry tables (migration 003): models, versions, aliases and the
 * append-only alias audit. Rows come back as stored (JSON as text); src/registry turns
 * them into records.
 */
import { cachedStatement as stmt, type Store } from './open.js';

export interface ModelRow {
  id: number;
  name: string;
  created_ms: number;
}

export interface ModelVersionRow {
  id: number;
  model: number;
  name: string;
  version: number;
  hash: string;
  size: number;
  created_ms: number;
  created_by: string;
  source: string | null;
  run_id: string | null;
  git_commit: string | null;
  git_dirty: number | null;
  signature_json: string;
  features_json: string | null;
  features_source: string | null;
  metrics_json: string;
  tags_json: string;
  lineage_json: string;
  /** migration 010: 'onnx', 'mlflow' (an MLmodel directory) or 'file' */
  format?: string;
  description?: string | null;
  /** MLflow's stage: None, Staging, Production, Archived */
  stage?: string;
  updated_ms?: number | null;
  /** the source URI an MLflow client gave (runs:/..., models:/...) */
  mlflow_source?: string | null;
}

export type NewModelVersion = Omit<ModelVersionRow, 'id' | 'model' | 'version'>;

export interface AliasRow {
  name: string;
  alias: string;
  version: number;
  updated_ms: number;
}

export type AliasAction = 'set' | 'remove' | 'promote' | 'rollback';
export type AliasOutcome = 'moved' | 'unchanged' | 'rejected' | 'removed';

export interface AliasEventRow {
  seq: number;
  name: string;
  alias: string;
  action: AliasAction;
  outcome: AliasOutcome;
  from_version: number | null;
  to_version: number | null;
  who: string;
  at_ms: number;
  git_commit: string | null;
  gates_json: string | null;
  detail_json: string | null;
}

export type NewAliasEvent = Omit<AliasEventRow, 'seq' | 'name'>;

/**
 * meta key of the counter that grows whenever what a model reference resolves to may
 * have changed (an alias set, moved or removed; a new version): what a server polls.
 */
const GENERATION_KEY = 'registry.generation';

export function bumpGeneration(store: Store): void {
  stmt(
    store,
    `INSERT INTO meta (key, value) VALUES ('${GENERATION_KEY}', '1')
     ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)`,
  ).run();
}

const VERSION_COLUMNS = `v.id, v.model, m.name, v.version, v.hash, v.size, v.created_ms, v.created_by,
  v.source, v.run_id, v.git_commit, v.git_dirty, v.signature_json, v.features_json,
  v.features_source, v.metrics_json, v.tags_json, v.lineage_json, v.format, v.description,
  v.stage, v.updated_ms, v.mlflow_source`;

export function getModelRow(store: Store, name: string): ModelRow | undefined {
  return stmt(store, 'SELECT id, name, created_ms FROM models WHERE name = ?').get(name) as
    ModelRow | undefined;
}

/** The model's id, creating the model when it is new. Call inside a write transaction. */
export function ensureModelRow(store: Store, name: string, nowMs: number): number {
  const existing = getModelRow(store, name);
  if (existing) return existing.id;
  const info = stmt(store, 'INSERT INTO models (name, created_ms) VALUES (?, ?)').run(name, nowMs);
  return Number(info.lastInsertRowid);
}

export function listModelRows(store: Store): ModelRow[] {
  // a deleted model's row stays for its audit, under a name no model can have
  return stmt(
    store,
    "SELECT id, name, created_ms FROM models WHERE name NOT LIKE '~deleted~%' ORDER BY name",
  ).all() as ModelRow[];
}

export function getVersionRow(
  store: Store,
  name: string,
  version: number,
): ModelVersionRow | undefined {
  return stmt(
    store,
    `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN models m ON m.id = v.model
     WHERE m.name = ? AND v.version = ?`,
  ).get(name, version) as ModelVersionRow | undefined;
}

export function getVersionRowById(store: Store, id: number): ModelVersionRow | undefined {
  return stmt(
    store,
    `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN models m ON m.id = v.model WHERE v.id = ?`,
  ).get(id) as ModelVersionRow | undefined;
}

export function getLatestVersionRow(store: Store, name: string): ModelVersionRow | undefined {
  return stmt(
    store,
    `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN models m ON m.id = v.model
     WHERE m.name = ? ORDER BY v.version DESC LIMIT 1`,
  ).get(name) as ModelVersionRow | undefined;
}

export function findVersionRowByHash(
  store: Store,
  modelId: number,
  hash: string,
): ModelVersionRow | undefined {
  return stmt(
    store,
    `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN models m ON m.id = v.model
     WHERE v.model = ? AND v.hash = ?`,
  ).get(modelId, hash) as ModelVersionRow | undefined;
}

export function listVersionRows(store: Store, modelId: number): ModelVersionRow[] {
  return stmt(
    store,
    `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN models m ON m.id = v.model
     WHERE v.model = ? ORDER BY v.version`,
  ).all(modelId) as ModelVersionRow[];
}

/** Per model: how many versions, the latest, and when it last got one. */
export function versionCounts(
  store: Store,
): Map<number, { versions: number; latest: number; latestMs: number }> {
  const rows = stmt(
    store,
    `SELECT model, COUNT(*) AS n, MAX(version) AS latest, MAX(created_ms) AS latest_ms
     FROM model_versions GROUP BY model`,
  ).all() as { model: number; n: number; latest: number; latest_ms: number }[];
  return new Map(
    rows.map((r) => [r.model, { versions: r.n, latest: r.latest, latestMs: r.latest_ms }]),
  );
}

/**
 * Insert the next version of a model (max + 1). Call inside a write transaction so
 * that two registrations cannot pick the same number.
 */
export function insertVersionRow(
  store: Store,
  modelId: number,
  row: NewModelVersion,
): { id: number; version: number } {
  const max = stmt(store, 'SELECT MAX(version) FROM model_versions WHERE model = ?')
    .pluck()
    .get(modelId) as number | null;
  return insertVersionRowAs(store, modelId, (max ?? 0) + 1, row);
}

/**
 * Insert a version under a number decided elsewhere (a bundle or a server keeps the
 * number its registry of record gave it). Call inside a write transaction, after
 * checking the number is free.
 */
export function insertVersionRowAs(
  store: Store,
  modelId: number,
  version: number,
  row: NewModelVersion,
): { id: number; version: number } {
  const info = stmt(
    store,
    `INSERT INTO model_versions (model, version, hash, size, created_ms, created_by, source,
       run_id, git_commit, git_dirty, signature_json, features_json, features_source,
       metrics_json, tags_json, lineage_json, format, description, mlflow_source)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    modelId,
    version,
    row.hash,
    row.size,
    row.created_ms,
    row.created_by,
    row.source,
    row.run_id,
    row.git_commit,
    row.git_dirty,
    row.signature_json,
    row.features_json,
    row.features_source,
    row.metrics_json,
    row.tags_json,
    row.lineage_json,
    row.format ?? 'onnx',
    row.description ?? null,
    row.mlflow_source ?? null,
  );
  bumpGeneration(store);
  return { id: Number(info.lastInsertRowid), version };
}

export function getAliasRow(store: Store, name: string, alias: string): AliasRow | undefined {
  return stmt(
    store,
    `SELECT m.name, a.alias, a.version, a.updated_ms FROM model_aliases a
     JOIN models m ON m.id = a.model WHERE m.name = ? AND a.alias = ?`,
  ).get(name, alias) as AliasRow | undefined;
}

/** Aliases of one model (by id), or of every model. */
export function listAliasRows(store: Store, modelId?: number): AliasRow[] {
  if (modelId === undefined) {
    return stmt(
      store,
      `SELECT m.name, a.alias, a.version, a.updated_ms FROM model_aliases a
       JOIN models m ON m.id = a.model ORDER BY m.name, a.alias`,
    ).all() as AliasRow[];
  }
  return stmt(
    store,
    `SELECT m.name, a.alias, a.version, a.updated_ms FROM model_aliases a
     JOIN models m ON m.id = a.model WHERE a.model = ? ORDER BY a.alias`,
  ).all(modelId) as AliasRow[];
}

/** Point an alias at a version, or remove it (version null); bumps the registry generation. */
export function writeAliasRow(
  store: Store,
  modelId: number,
  alias: string,
  version: number | null,
  nowMs: number,
): void {
  if (version === null) {
    stmt(store, 'DELETE FROM model_aliases WHERE model = ? AND alias = ?').run(modelId, alias);
  } else {
    stmt(
      store,
      `INSERT INTO model_aliases (model, alias, version, updated_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version, updated_ms = excluded.updated_ms`,
    ).run(modelId, alias, version, nowMs);
  }
  bumpGeneration(store);
}

/** The registry generation (0 before the first version); see GENERATION_KEY. */
export function readRegistryGeneration(store: Store): number {
  const v = stmt(store, `SELECT value FROM meta WHERE key = '${GENERATION_KEY}'`).pluck().get() as
    string | undefined;
  return v === undefined ? 0 : Number(v);
}

export function appendAliasEvent(store: Store, modelId: number, event: NewAliasEvent): number {
  const info = stmt(
    store,
    `INSERT INTO alias_events (model, alias, action, outcome, from_version, to_version, who,
       at_ms, git_commit, gates_json, detail_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    modelId,
    event.alias,
    event.action,
    event.outcome,
    event.from_version,
    event.to_version,
    event.who,
    event.at_ms,
    event.git_commit,
    event.gates_json,
    event.detail_json,
  );
  return Number(info.lastInsertRowid);
}

export function getAliasEventRow(store: Store, seq: number): AliasEventRow | undefined {
  return stmt(
    store,
    `SELECT e.seq, m.name, e.alias, e.action, e.outcome, e.from_version, e.to_version, e.who,
       e.at_ms, e.git_commit, e.gates_json, e.detail_json
     FROM alias_events e JOIN models m ON m.id = e.model WHERE e.seq = ?`,
  ).get(seq) as AliasEventRow | undefined;
}

export interface AliasEventQuery {
  modelId: number;
  alias?: string;
  /** events whose from or to version is this one */
  version?: number;
}

/** Audit events, oldest first. */
export function listAliasEvents(store: Store, q: AliasEventQuery): AliasEventRow[] {
  const where = ['e.model = ?'];
  const args: (string | number)[] = [q.modelId];
  if (q.alias !== undefined) {
    where.push('e.alias = ?');
    args.push(q.alias);
  }
  if (q.version !== undefined) {
    where.push('(e.from_version = ? OR e.to_version = ?)');
    args.push(q.version, q.version);
  }
  return stmt(
    store,
    `SELECT e.seq, m.name, e.alias, e.action, e.outcome, e.from_version, e.to_version, e.who,
       e.at_ms, e.git_commit, e.gates_json, e.detail_json
     FROM alias_events e JOIN models m ON m.id = e.model
     WHERE ${where.join(' AND ')} ORDER BY e.seq`,
  ).all(...args) as AliasEventRow[];
}

// ---- MLflow-era fields (migration 010): descriptions, tags, stages, formats, audit ----

export interface ModelMetaRow {
  id: number;
  name: string;
  created_ms: number;
  updated_ms: number | null;
  description: string | null;
  tags_json: string;
}

export function getModelMetaRow(store: Store, name: string): ModelMetaRow | undefined {
  return stmt(
    store,
    'SELECT id, name, created_ms, updated_ms, description, tags_json FROM models WHERE name = ?',
  ).get(name) as ModelMetaRow | undefined;
}

export function listModelMetaRows(store: Store): ModelMetaRow[] {
  return stmt(
    store,
    "SELECT id, name, created_ms, updated_ms, description, tags_json FROM models WHERE name NOT LIKE '~deleted~%' ORDER BY name",
  ).all() as ModelMetaRow[];
}

export interface VersionMetaRow {
  format: string;
  description: string | null;
  stage: string;
  updated_ms: number | null;
  mlflow_source: string | null;
}

export function getVersionMetaRow(store: Store, versionId: number): VersionMetaRow | undefined {
  return stmt(
    store,
    'SELECT format, description, stage, updated_ms, mlflow_source FROM model_versions WHERE id = ?',
  ).get(versionId) as VersionMetaRow | undefined;
}

export type RegistryAction = 'tag' | 'untag' | 'describe' | 'stage' | 'rename';

export interface RegistryEventRow {
  seq: number;
  name: string;
  version: number | null;
  action: RegistryAction;
  key: string | null;
  old_value: string | null;
  new_value: string | null;
  who: string;
  at_ms: number;
}

export interface RegistryEdit {
  modelId: number;
  /** the version's number, or null for the model itself */
  version: number | null;
  action: RegistryAction;
  key?: string | null;
  newValue: string | null;
  who: string;
  nowMs: number;
}

/**
 * Apply one edit of a model's or version's tags, description or stage and audit it,
 * in one transaction. Returns false (and audits nothing) when nothing changes.
 */
export function applyRegistryEdit(store: Store, e: RegistryEdit): boolean {
  return store.db
    .transaction(() => {
      const table = e.version === null ? 'models' : 'model_versions';
      const where = e.version === null ? 'id = ?' : 'model = ? AND version = ?';
      const args = e.version === null ? [e.modelId] : [e.modelId, e.version];
      let old: string | null;
      if (e.action === 'tag' || e.action === 'untag') {
        const path = `$.${JSON.stringify(e.key ?? '')}`;
        old = stmt(store, `SELECT json_extract(tags_json, ?) FROM ${table} WHERE ${where}`)
          .pluck()
          .get(path, ...args) as string | null;
        if (e.action === 'untag' ? old === null : old === e.newValue) return false;
        const sql =
          e.action === 'tag'
            ? `UPDATE ${table} SET tags_json = json_set(tags_json, ?, ?), updated_ms = ? WHERE ${where}`
            : `UPDATE ${table} SET tags_json = json_remove(tags_json, ?), updated_ms = ? WHERE ${where}`;
        if (e.action === 'tag') stmt(store, sql).run(path, e.newValue, e.nowMs, ...args);
        else stmt(store, sql).run(path, e.nowMs, ...args);
      } else {
        const col =
          e.action === 'describe' ? 'description' : e.action === 'stage' ? 'stage' : 'name';
        old = stmt(store, `SELECT ${col} FROM ${table} WHERE ${where}`)
          .pluck()
          .get(...args) as string | null;
        if (old === e.newValue) return false;
        stmt(store, `UPDATE ${table} SET ${col} = ?, updated_ms = ? WHERE ${where}`).run(
          e.newValue,
          e.nowMs,
          ...args,
        );
      }
      stmt(
        store,
        `INSERT INTO registry_events (model, version, action, key, old_value, new_value, who, at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(e.modelId, e.version, e.action, e.key ?? null, old, e.newValue, e.who, e.nowMs);
      if (e.action === 'rename') bumpGeneration(store);
      return true;
    })
    .immediate();
}

export function listRegistryEvents(
  store: Store,
  modelId: number,
  version?: number,
): RegistryEventRow[] {
  const sql = `SELECT e.seq, m.name, e.version, e.action, e.key, e.old_value, e.new_value, e.who, e.at_ms
    FROM registry_events e JOIN models m ON m.id = e.model
    WHERE e.model = ? ${version === undefined ? '' : 'AND e.version = ?'} ORDER BY e.seq`;
  const args = version === undefined ? [modelId] : [modelId, version];
  return stmt(store, sql).all(...args) as RegistryEventRow[];
}

/**
 * Remove a model version (MLflow's DeleteModelVersion). Aliases pointing at it go
 * too; the audit keeps what happened. Evaluations of it are removed with it.
 */
export function deleteVersionRow(store: Store, modelId: number, version: number): void {
  const row = stmt(store, 'SELECT id FROM model_versions WHERE model = ? AND version = ?').get(
    modelId,
    version,
  ) as { id: number } | undefined;
  if (!row) return;
  stmt(store, 'DELETE FROM evaluations WHERE version_id = ?').run(row.id);
  stmt(store, 'DELETE FROM model_aliases WHERE model = ? AND version = ?').run(modelId, version);
  stmt(store, 'DELETE FROM model_versions WHERE id = ?').run(row.id);
  bumpGeneration(store);
}

/**
 * Remove a registered model with its versions and aliases. Its audit rows stay (they
 * are append-only), so the model row stays too, renamed out of the way: nothing
 * refers to a deleted model by name again.
 */
export function deleteModelRows(store: Store, modelId: number, nowMs: number): void {
  stmt(
    store,
    'DELETE FROM evaluations WHERE version_id IN (SELECT id FROM model_versions WHERE model = ?)',
  ).run(modelId);
  stmt(store, 'DELETE FROM model_aliases WHERE model = ?').run(modelId);
  stmt(store, 'DELETE FROM model_versions WHERE model = ?').run(modelId);
  stmt(
    store,
    "UPDATE models SET name = '~deleted~' || id || '~' || ?, updated_ms = ? WHERE id = ?",
  ).run(nowMs, nowMs, modelId);
  bumpGeneration(store);
}

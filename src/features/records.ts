/**
 * SQL for the feature registry in the store (migration 011): definition versions,
 * training sets and materializations. Nothing else in src/features writes SQL to
 * .mlo/mlo.db.
 */
import type { Store } from '../store/index.js';
import type { FeatureDefinitions } from './definitions.js';
import type { ChangeSet } from './changes.js';

export interface VersionRecord {
  version: number;
  hash: string;
  definitions: FeatureDefinitions;
  changes: ChangeSet;
  gitCommit: string | null;
  createdAt: string;
}

interface VersionRow {
  version: number;
  hash: string;
  definitions: string;
  changes: string;
  git_commit: string | null;
  created_at: string;
}

const toVersion = (r: VersionRow): VersionRecord => ({
  version: r.version,
  hash: r.hash,
  definitions: JSON.parse(r.definitions) as FeatureDefinitions,
  changes: JSON.parse(r.changes) as ChangeSet,
  gitCommit: r.git_commit,
  createdAt: r.created_at,
});

export function latestVersion(store: Store): VersionRecord | undefined {
  const row = store.db
    .prepare('SELECT * FROM feature_versions ORDER BY version DESC LIMIT 1')
    .get() as VersionRow | undefined;
  return row && toVersion(row);
}

export function getVersion(store: Store, version: number): VersionRecord | undefined {
  const row = store.db.prepare('SELECT * FROM feature_versions WHERE version = ?').get(version) as
    VersionRow | undefined;
  return row && toVersion(row);
}

export function listVersions(store: Store): Omit<VersionRecord, 'definitions'>[] {
  const rows = store.db
    .prepare(
      'SELECT version, hash, changes, git_commit, created_at FROM feature_versions ORDER BY version',
    )
    .all() as Omit<VersionRow, 'definitions'>[];
  return rows.map((r) => ({
    version: r.version,
    hash: r.hash,
    changes: JSON.parse(r.changes) as ChangeSet,
    gitCommit: r.git_commit,
    createdAt: r.created_at,
  }));
}

/** Insert the next version; the caller holds the write lock. */
export function insertVersion(
  store: Store,
  v: { hash: string; definitions: FeatureDefinitions; changes: ChangeSet; gitCommit?: string },
): number {
  const next =
    ((store.db.prepare('SELECT max(version) FROM feature_versions').pluck().get() as
      number | null) ?? 0) + 1;
  store.db
    .prepare(
      `INSERT INTO feature_versions (version, hash, definitions, changes, git_commit, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    )
    .run(
      next,
      v.hash,
      JSON.stringify(v.definitions),
      JSON.stringify(v.changes),
      v.gitCommit ?? null,
      new Date().toISOString(),
    );
  return next;
}

export interface SourceLineage {
  view: string;
  source: string;
  path: string;
  hash: string;
  ttl: number;
}

export interface FeatureSetRecord {
  id: number;
  path: string;
  hash: string;
  rows: number;
  version: number;
  features: string[];
  entitiesPath: string;
  entitiesHash: string;
  sources: SourceLineage[];
  asOfCreated: boolean;
  engine: string;
  runId: string | null;
  createdAt: string;
}

interface SetRow {
  id: number;
  path: string;
  hash: string;
  rows: number;
  version: number;
  features: string;
  entities_path: string;
  entities_hash: string;
  sources: string;
  as_of_created: number;
  engine: string;
  run_id: string | null;
  created_at: string;
}

const toSet = (r: SetRow): FeatureSetRecord => ({
  id: r.id,
  path: r.path,
  hash: r.hash,
  rows: r.rows,
  version: r.version,
  features: JSON.parse(r.features) as string[],
  entitiesPath: r.entities_path,
  entitiesHash: r.entities_hash,
  sources: JSON.parse(r.sources) as SourceLineage[],
  asOfCreated: r.as_of_created === 1,
  engine: r.engine,
  runId: r.run_id,
  createdAt: r.created_at,
});

export function insertFeatureSet(store: Store, s: Omit<FeatureSetRecord, 'id'>): number {
  const info = store.db
    .prepare(
      `INSERT INTO feature_sets (path, hash, rows, version, features, entities_path, entities_hash,
         sources, as_of_created, engine, run_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      s.path,
      s.hash,
      s.rows,
      s.version,
      JSON.stringify(s.features),
      s.entitiesPath,
      s.entitiesHash,
      JSON.stringify(s.sources),
      s.asOfCreated ? 1 : 0,
      s.engine,
      s.runId,
      s.createdAt,
    );
  return Number(info.lastInsertRowid);
}

/** Training sets with these content hashes, newest first. */
export function findFeatureSets(store: Store, hashes: readonly string[]): FeatureSetRecord[] {
  if (hashes.length === 0) return [];
  const rows = store.db
    .prepare(
      `SELECT * FROM feature_sets WHERE hash IN (SELECT value FROM json_each(?)) ORDER BY id DESC`,
    )
    .all(JSON.stringify(hashes)) as SetRow[];
  return rows.map(toSet);
}

export function listFeatureSets(store: Store, limit = 50): FeatureSetRecord[] {
  const rows = store.db
    .prepare('SELECT * FROM feature_sets ORDER BY id DESC LIMIT ?')
    .all(limit) as SetRow[];
  return rows.map(toSet);
}

export interface MaterializationRecord {
  view: string;
  version: number;
  startMs: number;
  endMs: number;
  sourceHash: string;
  rows: number;
  entities: number;
  store: string;
  createdAt: string;
}

export function insertMaterialization(store: Store, m: MaterializationRecord): void {
  store.db
    .prepare(
      `INSERT INTO feature_materializations (view, version, start_ms, end_ms, source_hash, rows,
         entities, store, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      m.view,
      m.version,
      m.startMs,
      m.endMs,
      m.sourceHash,
      m.rows,
      m.entities,
      m.store,
      m.createdAt,
    );
}

/** The end of the latest window written for a view: where --incremental resumes. */
export function materializedUntil(store: Store, view: string): number | undefined {
  const v = store.db
    .prepare('SELECT max(end_ms) FROM feature_materializations WHERE view = ?')
    .pluck()
    .get(view) as number | null;
  return v ?? undefined;
}

export function lastMaterializations(store: Store): MaterializationRecord[] {
  const rows = store.db
    .prepare(
      `SELECT m.* FROM feature_materializations m
       JOIN (SELECT view, max(id) AS id FROM feature_materializations GROUP BY view) last
         ON last.id = m.id ORDER BY m.view`,
    )
    .all() as {
    view: string;
    version: number;
    start_ms: number;
    end_ms: number;
    source_hash: string;
    rows: number;
    entities: number;
    store: string;
    created_at: string;
  }[];
  return rows.map((r) => ({
    view: r.view,
    version: r.version,
    startMs: r.start_ms,
    endMs: r.end_ms,
    sourceHash: r.source_hash,
    rows: r.rows,
    entities: r.entities,
    store: r.store,
    createdAt: r.created_at,
  }));
}

/** Forget what was materialized for these views (their online values were removed). */
export function forgetMaterializations(store: Store, views: readonly string[]): void {
  const del = store.db.prepare('DELETE FROM feature_materializations WHERE view = ?');
  for (const v of views) del.run(v);
}

export interface ServedFeatureRow {
  tsMs: number;
  model: string;
  version: number;
  requestId: string | null;
  entity: Record<string, unknown>;
  vals: Record<string, unknown>;
}

/** One transaction for a batch of served rows (the server flushes a few times a second). */
export function insertServedFeatures(store: Store, rows: readonly ServedFeatureRow[]): void {
  const insert = store.db.prepare(
    `INSERT INTO feature_serving_log (ts_ms, model, version, request_id, entity, vals) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  store.db.transaction(() => {
    for (const r of rows) {
      insert.run(
        r.tsMs,
        r.model,
        r.version,
        r.requestId,
        JSON.stringify(r.entity),
        JSON.stringify(r.vals),
      );
    }
  })();
}

export function readServedFeatures(
  store: Store,
  query: { model?: string; version?: number; sinceMs?: number; untilMs?: number },
): ServedFeatureRow[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (query.model !== undefined) {
    where.push('model = ?');
    params.push(query.model);
  }
  if (query.version !== undefined) {
    where.push('version = ?');
    params.push(query.version);
  }
  if (query.sinceMs !== undefined) {
    where.push('ts_ms >= ?');
    params.push(query.sinceMs);
  }
  if (query.untilMs !== undefined) {
    where.push('ts_ms < ?');
    params.push(query.untilMs);
  }
  const rows = store.db
    .prepare(
      `SELECT ts_ms, model, version, request_id, entity, vals FROM feature_serving_log
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`,
    )
    .all(...params) as {
    ts_ms: number;
    model: string;
    version: number;
    request_id: string | null;
    entity: string;
    vals: string;
  }[];
  return rows.map((r) => ({
    tsMs: r.ts_ms,
    model: r.model,
    version: r.version,
    requestId: r.request_id,
    entity: JSON.parse(r.entity) as Record<string, unknown>,
    vals: JSON.parse(r.vals) as Record<string, unknown>,
  }));
}

/**
 * Baselines (column profiles of reference data) and drift reports: the SQL of the
 * monitor capability. Profiles are opaque blobs here; src/monitor encodes them.
 */
import type { Store } from './open.js';

export interface ModelVersionKey {
  name: string;
  version: number;
}

export interface BaselineRecord {
  id: number;
  name: string;
  createdMs: number;
  /** the data file as the user named it (repo-relative when inside the repo) */
  source: string;
  /** SHA-256 of the data file, when it was hashed */
  sourceHash: string | null;
  sourceFormat: string;
  rows: number;
  model: ModelVersionKey | null;
  target: string | null;
  prediction: string | null;
  /** anything else worth keeping (options, reader issues, skipped columns) */
  meta: Record<string, unknown>;
}

export interface BaselineColumnRecord {
  position: number;
  name: string;
  kind: 'numeric' | 'categorical';
  role: 'feature' | 'target' | 'prediction';
  /** the reader's column kind (number, category, boolean ...) */
  sourceKind: string;
  kindSource: 'inferred' | 'override';
  profile: Uint8Array;
}

interface BaselineRow {
  id: number;
  name: string;
  created_ms: number;
  source: string;
  source_hash: string | null;
  source_format: string;
  rows: number;
  model_name: string | null;
  model_version: number | null;
  target: string | null;
  prediction: string | null;
  meta_json: string;
}

const BASELINE_COLUMNS =
  'id, name, created_ms, source, source_hash, source_format, rows, model_name, model_version, target, prediction, meta_json';

function fromRow(r: BaselineRow): BaselineRecord {
  return {
    id: r.id,
    name: r.name,
    createdMs: r.created_ms,
    source: r.source,
    sourceHash: r.source_hash,
    sourceFormat: r.source_format,
    rows: r.rows,
    model:
      r.model_name === null || r.model_version === null
        ? null
        : { name: r.model_name, version: r.model_version },
    target: r.target,
    prediction: r.prediction,
    meta: JSON.parse(r.meta_json) as Record<string, unknown>,
  };
}

/**
 * Store a baseline and its columns in one transaction. With `replace`, a baseline of
 * the same name, and one tied to the same model version, are removed first (their
 * drift reports stay: history follows the name).
 */
export function insertBaseline(
  store: Store,
  baseline: Omit<BaselineRecord, 'id'>,
  columns: readonly BaselineColumnRecord[],
  options: { replace?: boolean } = {},
): number {
  const db = store.db;
  const insert = db.prepare(
    `INSERT INTO baselines (name, created_ms, source, source_hash, source_format, rows,
       model_name, model_version, target, prediction, meta_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertColumn = db.prepare(
    `INSERT INTO baseline_columns (baseline, position, name, kind, role, source_kind, kind_source, profile)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return db
    .transaction(() => {
      if (options.replace) {
        db.prepare('DELETE FROM baselines WHERE name = ?').run(baseline.name);
        if (baseline.model) {
          db.prepare('DELETE FROM baselines WHERE model_name = ? AND model_version = ?').run(
            baseline.model.name,
            baseline.model.version,
          );
        }
      }
      const id = Number(
        insert.run(
          baseline.name,
          baseline.createdMs,
          baseline.source,
          baseline.sourceHash,
          baseline.sourceFormat,
          baseline.rows,
          baseline.model?.name ?? null,
          baseline.model?.version ?? null,
          baseline.target,
          baseline.prediction,
          JSON.stringify(baseline.meta),
        ).lastInsertRowid,
      );
      for (const c of columns) {
        insertColumn.run(
          id,
          c.position,
          c.name,
          c.kind,
          c.role,
          c.sourceKind,
          c.kindSource,
          Buffer.from(c.profile.buffer, c.profile.byteOffset, c.profile.byteLength),
        );
      }
      return id;
    })
    .immediate();
}

export function getBaselineByName(store: Store, name: string): BaselineRecord | undefined {
  const row = store.db
    .prepare(`SELECT ${BASELINE_COLUMNS} FROM baselines WHERE name = ?`)
    .get(name) as BaselineRow | undefined;
  return row && fromRow(row);
}

export function getBaselineByModel(
  store: Store,
  model: ModelVersionKey,
): BaselineRecord | undefined {
  const row = store.db
    .prepare(`SELECT ${BASELINE_COLUMNS} FROM baselines WHERE model_name = ? AND model_version = ?`)
    .get(model.name, model.version) as BaselineRow | undefined;
  return row && fromRow(row);
}

/** Every baseline, by name, with its column count. */
export function listBaselineRecords(store: Store): (BaselineRecord & { columns: number })[] {
  const rows = store.db
    .prepare(
      `SELECT ${BASELINE_COLUMNS.split(', ')
        .map((c) => `b.${c}`)
        .join(', ')},
         (SELECT COUNT(*) FROM baseline_columns c WHERE c.baseline = b.id) AS columns
       FROM baselines b ORDER BY b.name`,
    )
    .all() as (BaselineRow & { columns: number })[];
  return rows.map((r) => ({ ...fromRow(r), columns: r.columns }));
}

/** A baseline's columns in position order; `names` limits them (profiles are big). */
export function getBaselineColumns(
  store: Store,
  baselineId: number,
  names?: readonly string[],
): BaselineColumnRecord[] {
  const rows = store.db
    .prepare(
      `SELECT position, name, kind, role, source_kind, kind_source, profile
       FROM baseline_columns WHERE baseline = ? ORDER BY position`,
    )
    .all(baselineId) as {
    position: number;
    name: string;
    kind: BaselineColumnRecord['kind'];
    role: BaselineColumnRecord['role'];
    source_kind: string;
    kind_source: BaselineColumnRecord['kindSource'];
    profile: Buffer;
  }[];
  const wanted = names ? new Set(names) : null;
  return rows
    .filter((r) => wanted === null || wanted.has(r.name))
    .map((r) => ({
      position: r.position,
      name: r.name,
      kind: r.kind,
      role: r.role,
      sourceKind: r.source_kind,
      kindSource: r.kind_source,
      profile: r.profile,
    }));
}

/** Remove a baseline and its drift reports; returns how many reports went with it. */
export function deleteBaseline(store: Store, name: string): { removed: boolean; reports: number } {
  const db = store.db;
  return db
    .transaction(() => {
      const removed = db.prepare('DELETE FROM baselines WHERE name = ?').run(name).changes > 0;
      const reports = db.prepare('DELETE FROM drift_reports WHERE baseline_name = ?').run(name);
      return { removed, reports: reports.changes };
    })
    .immediate();
}

// ------------------------------------------------------------------ reports

export interface DriftScoreRecord {
  position: number;
  name: string;
  test: string;
  score: number | null;
  threshold: number;
  drifted: boolean;
  psi: number | null;
}

export interface DriftReportRecord {
  id: number;
  baselineName: string;
  baselineId: number;
  createdMs: number;
  source: string;
  sourceHash: string | null;
  rows: number;
  datasetDrift: boolean;
  driftShare: number;
  driftedColumns: number;
  checkedColumns: number;
}

export function insertDriftReport(
  store: Store,
  report: Omit<DriftReportRecord, 'id'> & { json: string },
  scores: readonly DriftScoreRecord[],
): number {
  const db = store.db;
  const insertScore = db.prepare(
    `INSERT INTO drift_scores (report, position, name, test, score, threshold, drifted, psi)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return db
    .transaction(() => {
      const id = Number(
        db
          .prepare(
            `INSERT INTO drift_reports (baseline_name, baseline_id, created_ms, source, source_hash,
               rows, dataset_drift, drift_share, drifted_columns, checked_columns, report_json)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            report.baselineName,
            report.baselineId,
            report.createdMs,
            report.source,
            report.sourceHash,
            report.rows,
            report.datasetDrift ? 1 : 0,
            report.driftShare,
            report.driftedColumns,
            report.checkedColumns,
            report.json,
          ).lastInsertRowid,
      );
      for (const s of scores) {
        insertScore.run(
          id,
          s.position,
          s.name,
          s.test,
          s.score,
          s.threshold,
          s.drifted ? 1 : 0,
          s.psi,
        );
      }
      return id;
    })
    .immediate();
}

interface ReportRow {
  id: number;
  baseline_name: string;
  baseline_id: number;
  created_ms: number;
  source: string;
  source_hash: string | null;
  rows: number;
  dataset_drift: number;
  drift_share: number;
  drifted_columns: number;
  checked_columns: number;
}

const reportFromRow = (r: ReportRow): DriftReportRecord => ({
  id: r.id,
  baselineName: r.baseline_name,
  baselineId: r.baseline_id,
  createdMs: r.created_ms,
  source: r.source,
  sourceHash: r.source_hash,
  rows: r.rows,
  datasetDrift: r.dataset_drift === 1,
  driftShare: r.drift_share,
  driftedColumns: r.drifted_columns,
  checkedColumns: r.checked_columns,
});

/** The latest `limit` reports of a baseline name, oldest first, with their scores. */
export function listDriftReports(
  store: Store,
  baselineName: string,
  limit: number,
): (DriftReportRecord & { scores: DriftScoreRecord[] })[] {
  const rows = store.db
    .prepare(
      `SELECT * FROM (
         SELECT id, baseline_name, baseline_id, created_ms, source, source_hash, rows,
                dataset_drift, drift_share, drifted_columns, checked_columns
         FROM drift_reports WHERE baseline_name = ? ORDER BY created_ms DESC, id DESC LIMIT ?
       ) ORDER BY created_ms, id`,
    )
    .all(baselineName, limit) as ReportRow[];
  const scoreStmt = store.db.prepare(
    `SELECT position, name, test, score, threshold, drifted, psi
     FROM drift_scores WHERE report = ? ORDER BY position`,
  );
  return rows.map((r) => ({
    ...reportFromRow(r),
    scores: (
      scoreStmt.all(r.id) as (Omit<DriftScoreRecord, 'drifted'> & { drifted: number })[]
    ).map((s) => ({ ...s, drifted: s.drifted === 1 })),
  }));
}

/** The stored JSON document of one report. */
export function getDriftReportJson(store: Store, id: number): string | undefined {
  return store.db.prepare('SELECT report_json FROM drift_reports WHERE id = ?').pluck().get(id) as
    string | undefined;
}

/**
 * Evaluations, baselines, drift reports and validation results as sync records. They
 * are created where the data is (a clone, CI) and pushed; references to model
 * versions and baselines travel by gid and are mapped to the copy's local ids.
 */
import { cachedStatement as stmt, type Store } from './open.js';
import { versionByGid } from './sync-registry.js';
import {
  APPLIED,
  b64,
  ownership,
  unb64,
  UNCHANGED,
  type ApplyContext,
  type ApplyOutcome,
} from './sync-types.js';

/** A model version as a result names it. */
export interface VersionRef {
  gid: string;
  name: string;
  version: number;
}

function versionRefOf(store: Store, localId: number): VersionRef | null {
  return (
    (stmt(
      store,
      `SELECT v.gid, m.name, v.version FROM model_versions v JOIN models m ON m.id = v.model WHERE v.id = ?`,
    ).get(localId) as VersionRef | undefined) ?? null
  );
}

function versionRefByName(
  store: Store,
  name: string | null,
  version: number | null,
): VersionRef | null {
  if (name === null || version === null) return null;
  return (
    (stmt(
      store,
      `SELECT v.gid, m.name, v.version FROM model_versions v JOIN models m ON m.id = v.model
       WHERE m.name = ? AND v.version = ?`,
    ).get(name, version) as VersionRef | undefined) ?? null
  );
}

/** A version named by gid, or why the record must wait (pull) or cannot be taken (push). */
function localVersion(
  store: Store,
  ref: VersionRef,
  ctx: ApplyContext,
): { id: number; name: string; version: number } | ApplyOutcome {
  const v = versionByGid(store, ref.gid);
  if (v) return v;
  const reason = `model version ${ref.name}@${ref.version} (${ref.gid.slice(0, 8)}) is not here`;
  return ctx.mode === 'pull' ? { status: 'pending', reason } : { status: 'refused', reason };
}

function existingOrigin(
  store: Store,
  table: string,
  gid: string,
): { id: number; origin: string | null } | undefined {
  return stmt(store, `SELECT id, origin FROM ${table} WHERE gid = ?`).get(gid) as
    { id: number; origin: string | null } | undefined;
}

// ------------------------------------------------------------------ evaluations

const EVALUATION_FIELDS = [
  'data_hash',
  'data_path',
  'target',
  'features_json',
  'task',
  'rows',
  'metrics_json',
  'reasons_json',
  'detail_json',
  'slices_json',
  'created_ms',
] as const;

export type EvaluationRecordData = Record<(typeof EVALUATION_FIELDS)[number], unknown> & {
  version: VersionRef;
};

export function readEvaluationRecord(
  store: Store,
  gid: string,
): { origin: string | null; data: EvaluationRecordData } | undefined {
  const row = stmt(
    store,
    `SELECT version_id, origin, ${EVALUATION_FIELDS.join(', ')} FROM evaluations WHERE gid = ?`,
  ).get(gid) as
    (Record<string, unknown> & { version_id: number; origin: string | null }) | undefined;
  if (!row) return undefined;
  const { version_id, origin, ...rest } = row;
  const version = versionRefOf(store, version_id);
  if (!version) return undefined;
  return { origin, data: { ...(rest as EvaluationRecordData), version } };
}

export function applyEvaluationRecord(
  store: Store,
  gid: string,
  d: EvaluationRecordData,
  ctx: ApplyContext,
): ApplyOutcome {
  const existing = existingOrigin(store, 'evaluations', gid);
  if (existing) return ownership(existing.origin, ctx) ?? UNCHANGED;
  const v = localVersion(store, d.version, ctx);
  if ('status' in v) return v;
  stmt(
    store,
    `INSERT INTO evaluations (version_id, gid, origin, ${EVALUATION_FIELDS.join(', ')})
     VALUES (@version_id, @gid, @origin, ${EVALUATION_FIELDS.map((f) => `@${f}`).join(', ')})`,
  ).run({
    ...Object.fromEntries(EVALUATION_FIELDS.map((f) => [f, d[f] ?? null])),
    version_id: v.id,
    gid,
    origin: ctx.origin,
  });
  return APPLIED;
}

// ------------------------------------------------------------------ baselines

const BASELINE_FIELDS = [
  'name',
  'created_ms',
  'source',
  'source_hash',
  'source_format',
  'rows',
  'target',
  'prediction',
  'meta_json',
] as const;

export type BaselineRecordData = Record<(typeof BASELINE_FIELDS)[number], unknown> & {
  name: string;
  model: VersionRef | null;
  /** [position, name, kind, role, source_kind, kind_source, profile (base64)] */
  columns: [number, string, string, string, string, string, string][];
};

export function readBaselineRecord(
  store: Store,
  gid: string,
): { origin: string | null; data: BaselineRecordData } | undefined {
  const row = stmt(
    store,
    `SELECT id, origin, model_name, model_version, ${BASELINE_FIELDS.join(', ')} FROM baselines WHERE gid = ?`,
  ).get(gid) as
    | (Record<string, unknown> & {
        id: number;
        origin: string | null;
        model_name: string | null;
        model_version: number | null;
      })
    | undefined;
  if (!row) return undefined;
  const { id, origin, model_name, model_version, ...rest } = row;
  const columns = (
    stmt(
      store,
      `SELECT position, name, kind, role, source_kind, kind_source, profile FROM baseline_columns
       WHERE baseline = ? ORDER BY position`,
    )
      .raw()
      .all(id) as [number, string, string, string, string, string, Buffer][]
  ).map((c) => [...c.slice(0, 6), b64(c[6])] as BaselineRecordData['columns'][number]);
  return {
    origin,
    data: {
      ...(rest as BaselineRecordData),
      model: versionRefByName(store, model_name, model_version),
      columns,
    },
  };
}

/** Whether a baseline is tied to a version this store made (such a baseline stays local). */
export function baselineModelOrigin(store: Store, gid: string): string | null | undefined {
  return stmt(
    store,
    `SELECT v.origin FROM baselines b JOIN models m ON m.name = b.model_name
     JOIN model_versions v ON v.model = m.id AND v.version = b.model_version WHERE b.gid = ?`,
  )
    .pluck()
    .get(gid) as string | null | undefined;
}

export function applyBaselineRecord(
  store: Store,
  gid: string,
  d: BaselineRecordData,
  ctx: ApplyContext,
): ApplyOutcome {
  const existing = existingOrigin(store, 'baselines', gid);
  if (existing) return ownership(existing.origin, ctx) ?? UNCHANGED;
  let model: { name: string; version: number } | null = null;
  if (d.model) {
    const v = localVersion(store, d.model, ctx);
    if ('status' in v) return v;
    model = v;
  }
  // A baseline of the same name, or of the same model version, is replaced when it
  // is a copy from the same place (re-created upstream with --force); one of another
  // store is not.
  const rivals = stmt(
    store,
    `SELECT id, origin, name FROM baselines WHERE name = ? OR (model_name = ? AND model_version = ?)`,
  ).all(d.name, model?.name ?? null, model?.version ?? null) as {
    id: number;
    origin: string | null;
    name: string;
  }[];
  for (const r of rivals) {
    if (ownership(r.origin, ctx)) {
      return { status: 'refused', reason: `another store's baseline is named ${r.name}` };
    }
  }
  for (const r of rivals) stmt(store, 'DELETE FROM baselines WHERE id = ?').run(r.id);
  const id = Number(
    stmt(
      store,
      `INSERT INTO baselines (gid, origin, model_name, model_version, ${BASELINE_FIELDS.join(', ')})
       VALUES (@gid, @origin, @model_name, @model_version, ${BASELINE_FIELDS.map((f) => `@${f}`).join(', ')})`,
    ).run({
      ...Object.fromEntries(BASELINE_FIELDS.map((f) => [f, d[f] ?? null])),
      gid,
      origin: ctx.origin,
      model_name: model?.name ?? null,
      model_version: model?.version ?? null,
    }).lastInsertRowid,
  );
  const column = stmt(
    store,
    `INSERT INTO baseline_columns (baseline, position, name, kind, role, source_kind, kind_source, profile)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const [pos, name, kind, role, sourceKind, kindSource, profile] of d.columns) {
    column.run(id, pos, name, kind, role, sourceKind, kindSource, unb64(profile, 'profile'));
  }
  return APPLIED;
}

export function deleteBaselineRecord(store: Store, gid: string, ctx: ApplyContext): ApplyOutcome {
  const existing = existingOrigin(store, 'baselines', gid);
  if (!existing) return { status: 'skipped', reason: 'not here' };
  const denied = ownership(existing.origin, ctx);
  if (denied) return denied;
  stmt(store, 'DELETE FROM baselines WHERE id = ?').run(existing.id);
  return APPLIED;
}

// ------------------------------------------------------------------ drift reports

const DRIFT_FIELDS = [
  'baseline_name',
  'created_ms',
  'source',
  'source_hash',
  'rows',
  'dataset_drift',
  'drift_share',
  'drifted_columns',
  'checked_columns',
  'report_json',
] as const;

export type DriftRecordData = Record<(typeof DRIFT_FIELDS)[number], unknown> & {
  /** the gid of the baseline generation it was checked against, when known */
  baseline: string | null;
  /** [position, name, test, score, threshold, drifted, psi] */
  scores: unknown[][];
};

export function readDriftRecord(
  store: Store,
  gid: string,
): { origin: string | null; data: DriftRecordData } | undefined {
  const row = stmt(
    store,
    `SELECT r.id, r.origin, b.gid AS baseline, ${DRIFT_FIELDS.map((f) => `r.${f}`).join(', ')}
     FROM drift_reports r LEFT JOIN baselines b ON b.id = r.baseline_id WHERE r.gid = ?`,
  ).get(gid) as (Record<string, unknown> & { id: number; origin: string | null }) | undefined;
  if (!row) return undefined;
  const { id, origin, ...rest } = row;
  const scores = stmt(
    store,
    `SELECT position, name, test, score, threshold, drifted, psi FROM drift_scores WHERE report = ? ORDER BY position`,
  )
    .raw()
    .all(id) as unknown[][];
  return { origin, data: { ...(rest as DriftRecordData), scores } };
}

export function applyDriftRecord(
  store: Store,
  gid: string,
  d: DriftRecordData,
  ctx: ApplyContext,
): ApplyOutcome {
  const existing = existingOrigin(store, 'drift_reports', gid);
  if (existing) return ownership(existing.origin, ctx) ?? UNCHANGED;
  // 0: checked against a baseline generation this store does not have
  const baselineId =
    d.baseline === null
      ? 0
      : ((stmt(store, 'SELECT id FROM baselines WHERE gid = ?').pluck().get(d.baseline) as
          number | undefined) ?? 0);
  const id = Number(
    stmt(
      store,
      `INSERT INTO drift_reports (gid, origin, baseline_id, ${DRIFT_FIELDS.join(', ')})
       VALUES (@gid, @origin, @baseline_id, ${DRIFT_FIELDS.map((f) => `@${f}`).join(', ')})`,
    ).run({
      ...Object.fromEntries(DRIFT_FIELDS.map((f) => [f, d[f] ?? null])),
      gid,
      origin: ctx.origin,
      baseline_id: baselineId,
    }).lastInsertRowid,
  );
  const score = stmt(
    store,
    `INSERT INTO drift_scores (report, position, name, test, score, threshold, drifted, psi)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const s of d.scores) score.run(id, ...s);
  return APPLIED;
}

export function deleteDriftRecord(store: Store, gid: string, ctx: ApplyContext): ApplyOutcome {
  const existing = existingOrigin(store, 'drift_reports', gid);
  if (!existing) return { status: 'skipped', reason: 'not here' };
  const denied = ownership(existing.origin, ctx);
  if (denied) return denied;
  stmt(store, 'DELETE FROM drift_reports WHERE id = ?').run(existing.id);
  return APPLIED;
}

// ------------------------------------------------------------------ validations

const VALIDATION_FIELDS = [
  'suite',
  'suite_hash',
  'data_path',
  'data_hash',
  'rows',
  'success',
  'evaluated',
  'successful',
  'unsuccessful',
  'warnings',
  'result',
  'created_at',
] as const;

export type ValidationRecordData = Record<(typeof VALIDATION_FIELDS)[number], unknown>;

export function readValidationRecord(
  store: Store,
  gid: string,
): { origin: string | null; data: ValidationRecordData } | undefined {
  const row = stmt(
    store,
    `SELECT origin, ${VALIDATION_FIELDS.join(', ')} FROM validations WHERE gid = ?`,
  ).get(gid) as (ValidationRecordData & { origin: string | null }) | undefined;
  if (!row) return undefined;
  const { origin, ...data } = row;
  return { origin, data };
}

export function applyValidationRecord(
  store: Store,
  gid: string,
  d: ValidationRecordData,
  ctx: ApplyContext,
): ApplyOutcome {
  const existing = existingOrigin(store, 'validations', gid);
  if (existing) return ownership(existing.origin, ctx) ?? UNCHANGED;
  stmt(
    store,
    `INSERT INTO validations (gid, origin, ${VALIDATION_FIELDS.join(', ')})
     VALUES (@gid, @origin, ${VALIDATION_FIELDS.map((f) => `@${f}`).join(', ')})`,
  ).run({
    ...Object.fromEntries(VALIDATION_FIELDS.map((f) => [f, d[f] ?? null])),
    gid,
    origin: ctx.origin,
  });
  return APPLIED;
}

/** Origins of the baselines a write would replace: by name, or tied to the model version. */
export function baselineOrigins(
  store: Store,
  name: string,
  model: { name: string; version: number } | null,
): { name: string; origin: string | null }[] {
  return stmt(
    store,
    'SELECT name, origin FROM baselines WHERE name = ? OR (model_name = ? AND model_version = ?)',
  ).all(name, model?.name ?? null, model?.version ?? null) as {
    name: string;
    origin: string | null;
  }[];
}

/** A baseline's column names in position order (without reading the profiles). */
export function baselineColumnNames(store: Store, baselineId: number): string[] {
  return stmt(store, 'SELECT name FROM baseline_columns WHERE baseline = ? ORDER BY position')
    .pluck()
    .all(baselineId) as string[];
}

/**
 * The registry as sync records: a model (its description, tags and aliases), each
 * version, and the two append-only audits. They are decided on a server (the
 * registry of record) and pulled into clones as read-only copies; models are matched
 * by gid, so a rename upstream renames the copy.
 */
import { bumpGeneration } from './models.js';
import { cachedStatement as stmt, type Store } from './open.js';
import { addObjectRefs, removeObjectRefs } from './refs.js';
import {
  APPLIED,
  ownership,
  UNCHANGED,
  type ApplyContext,
  type ApplyOutcome,
} from './sync-types.js';

/** object_refs kind of model versions (registry's MODEL_REF_KIND) */
const MODEL_REFS = 'model';

/** A model as versions and events name it. */
export interface ModelKey {
  gid: string;
  name: string;
  created_ms: number;
}

export interface ModelRecordData extends ModelKey {
  updated_ms: number | null;
  description: string | null;
  tags_json: string;
  /** [alias, version, updated_ms] */
  aliases: [string, number, number][];
}

function modelKeyOf(store: Store, modelId: number): ModelKey {
  return stmt(store, 'SELECT gid, name, created_ms FROM models WHERE id = ?').get(
    modelId,
  ) as ModelKey;
}

export function readModelRecord(
  store: Store,
  gid: string,
): { origin: string | null; data: ModelRecordData } | undefined {
  const row = stmt(
    store,
    'SELECT id, gid, name, created_ms, updated_ms, description, tags_json, origin FROM models WHERE gid = ?',
  ).get(gid) as
    (Omit<ModelRecordData, 'aliases'> & { id: number; origin: string | null }) | undefined;
  if (!row) return undefined;
  const { id, origin, ...data } = row;
  const aliases = stmt(
    store,
    'SELECT alias, version, updated_ms FROM model_aliases WHERE model = ? ORDER BY alias',
  )
    .raw()
    .all(id) as [string, number, number][];
  return { origin, data: { ...data, aliases } };
}

/**
 * The local id of the copy of a model, creating a bare copy when it is new (a version
 * can arrive before its model's record). Refused when this store has another model
 * of that name.
 */
function ensureModelCopy(store: Store, m: ModelKey, ctx: ApplyContext): number | ApplyOutcome {
  const byGid = stmt(store, 'SELECT id, origin FROM models WHERE gid = ?').get(m.gid) as
    { id: number; origin: string | null } | undefined;
  if (byGid) return ownership(byGid.origin, ctx) ?? byGid.id;
  const byName = stmt(store, 'SELECT origin FROM models WHERE name = ?').get(m.name) as
    { origin: string | null } | undefined;
  if (byName) {
    return {
      status: 'refused',
      reason: `this store has its own model named ${m.name}`,
    };
  }
  return Number(
    stmt(store, 'INSERT INTO models (name, created_ms, gid, origin) VALUES (?, ?, ?, ?)').run(
      m.name,
      m.created_ms,
      m.gid,
      ctx.origin,
    ).lastInsertRowid,
  );
}

export function applyModelRecord(
  store: Store,
  gid: string,
  d: ModelRecordData,
  ctx: ApplyContext,
): ApplyOutcome {
  const id = ensureModelCopy(store, { ...d, gid }, ctx);
  if (typeof id !== 'number') return id;
  const current = stmt(store, 'SELECT name FROM models WHERE id = ?').pluck().get(id) as string;
  if (current !== d.name) {
    const taken = stmt(store, 'SELECT 1 FROM models WHERE name = ? AND id != ?').get(d.name, id);
    if (taken) return { status: 'refused', reason: `this store has its own model named ${d.name}` };
    stmt(store, 'UPDATE models SET name = ? WHERE id = ?').run(d.name, id);
    for (const v of stmt(store, 'SELECT version FROM model_versions WHERE model = ?')
      .pluck()
      .all(id) as number[]) {
      stmt(store, 'UPDATE object_refs SET owner = ? WHERE kind = ? AND owner = ?').run(
        `${d.name}@${v}`,
        MODEL_REFS,
        `${current}@${v}`,
      );
    }
  }
  stmt(
    store,
    'UPDATE models SET description = ?, tags_json = ?, updated_ms = ?, created_ms = ? WHERE id = ?',
  ).run(d.description, d.tags_json, d.updated_ms, d.created_ms, id);
  const keep = new Set(d.aliases.map((a) => a[0]));
  for (const alias of stmt(store, 'SELECT alias FROM model_aliases WHERE model = ?')
    .pluck()
    .all(id) as string[]) {
    if (!keep.has(alias)) {
      stmt(store, 'DELETE FROM model_aliases WHERE model = ? AND alias = ?').run(id, alias);
    }
  }
  const upsert = stmt(
    store,
    `INSERT INTO model_aliases (model, alias, version, updated_ms) VALUES (?, ?, ?, ?)
     ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version, updated_ms = excluded.updated_ms
     WHERE version != excluded.version OR updated_ms != excluded.updated_ms`,
  );
  for (const [alias, version, updatedMs] of d.aliases) upsert.run(id, alias, version, updatedMs);
  bumpGeneration(store);
  return APPLIED;
}

const VERSION_FIELDS = [
  'version',
  'hash',
  'size',
  'created_ms',
  'created_by',
  'source',
  'run_id',
  'git_commit',
  'git_dirty',
  'signature_json',
  'features_json',
  'features_source',
  'metrics_json',
  'tags_json',
  'lineage_json',
  'format',
  'description',
  'stage',
  'updated_ms',
  'mlflow_source',
] as const;

export type VersionRecordData = Record<(typeof VERSION_FIELDS)[number], unknown> & {
  model: ModelKey;
  version: number;
  hash: string;
};

export function readVersionRecord(
  store: Store,
  gid: string,
): { origin: string | null; data: VersionRecordData } | undefined {
  const row = stmt(
    store,
    `SELECT model, origin, ${VERSION_FIELDS.join(', ')} FROM model_versions WHERE gid = ?`,
  ).get(gid) as (VersionRecordData & { model: number; origin: string | null }) | undefined;
  if (!row) return undefined;
  const { model, origin, ...data } = row;
  return { origin, data: { ...data, model: modelKeyOf(store, model) } };
}

export function applyVersionRecord(
  store: Store,
  gid: string,
  d: VersionRecordData,
  ctx: ApplyContext,
): ApplyOutcome {
  const modelId = ensureModelCopy(store, d.model, ctx);
  if (typeof modelId !== 'number') return modelId;
  const existing = stmt(store, 'SELECT id, origin FROM model_versions WHERE gid = ?').get(gid) as
    { id: number; origin: string | null } | undefined;
  const values = {
    ...Object.fromEntries(VERSION_FIELDS.map((f) => [f, d[f] ?? null])),
    model: modelId,
    gid,
    origin: ctx.origin,
  };
  if (existing) {
    const denied = ownership(existing.origin, ctx);
    if (denied) return denied;
    stmt(
      store,
      `UPDATE model_versions SET ${VERSION_FIELDS.map((f) => `${f} = @${f}`).join(', ')} WHERE gid = @gid`,
    ).run(values);
  } else {
    // a stale copy holding the number or the bytes (its deletion upstream not seen): replaced
    for (const stale of stmt(
      store,
      'SELECT id, gid, origin, version FROM model_versions WHERE model = ? AND (version = ? OR hash = ?)',
    ).all(modelId, d.version, d.hash) as {
      id: number;
      gid: string;
      origin: string | null;
      version: number;
    }[]) {
      const denied = ownership(stale.origin, ctx);
      if (denied)
        return { status: 'refused', reason: `version ${stale.version} is this store's own` };
      deleteVersionCopy(store, stale.id, modelId, stale.version);
    }
    stmt(
      store,
      `INSERT INTO model_versions (model, gid, origin, ${VERSION_FIELDS.join(', ')})
       VALUES (@model, @gid, @origin, ${VERSION_FIELDS.map((f) => `@${f}`).join(', ')})`,
    ).run(values);
  }
  addObjectRefs(store, [{ kind: MODEL_REFS, owner: `${d.model.name}@${d.version}`, hash: d.hash }]);
  bumpGeneration(store);
  return APPLIED;
}

function deleteVersionCopy(store: Store, id: number, modelId: number, version: number): void {
  const name = stmt(store, 'SELECT name FROM models WHERE id = ?').pluck().get(modelId) as string;
  stmt(store, 'DELETE FROM evaluations WHERE version_id = ?').run(id);
  stmt(store, 'DELETE FROM model_versions WHERE id = ?').run(id);
  removeObjectRefs(store, MODEL_REFS, `${name}@${version}`);
}

export function deleteVersionRecord(store: Store, gid: string, ctx: ApplyContext): ApplyOutcome {
  const row = stmt(
    store,
    'SELECT id, model, version, origin FROM model_versions WHERE gid = ?',
  ).get(gid) as { id: number; model: number; version: number; origin: string | null } | undefined;
  if (!row) return { status: 'skipped', reason: 'not here' };
  const denied = ownership(row.origin, ctx);
  if (denied) return denied;
  deleteVersionCopy(store, row.id, row.model, row.version);
  bumpGeneration(store);
  return APPLIED;
}

// ------------------------------------------------------------------ the audits

const ALIAS_EVENT_FIELDS = [
  'alias',
  'action',
  'outcome',
  'from_version',
  'to_version',
  'who',
  'at_ms',
  'git_commit',
  'gates_json',
  'detail_json',
] as const;

const REGISTRY_EVENT_FIELDS = [
  'version',
  'action',
  'key',
  'old_value',
  'new_value',
  'who',
  'at_ms',
] as const;

export type EventRecordData = Record<string, unknown> & { model: ModelKey };

const AUDITS = {
  alias_event: { table: 'alias_events', fields: ALIAS_EVENT_FIELDS },
  registry_event: { table: 'registry_events', fields: REGISTRY_EVENT_FIELDS },
} as const;

export type AuditKind = keyof typeof AUDITS;

export function readEventRecord(
  store: Store,
  kind: AuditKind,
  gid: string,
): { origin: string | null; data: EventRecordData } | undefined {
  const { table, fields } = AUDITS[kind];
  const row = stmt(
    store,
    `SELECT model, origin, ${fields.join(', ')} FROM ${table} WHERE gid = ?`,
  ).get(gid) as (Record<string, unknown> & { model: number; origin: string | null }) | undefined;
  if (!row) return undefined;
  const { model, origin, ...data } = row;
  return { origin, data: { ...data, model: modelKeyOf(store, model) } };
}

/** Audit entries never change: a copy is inserted once. */
export function applyEventRecord(
  store: Store,
  kind: AuditKind,
  gid: string,
  d: EventRecordData,
  ctx: ApplyContext,
): ApplyOutcome {
  const { table, fields } = AUDITS[kind];
  const existing = stmt(store, `SELECT origin FROM ${table} WHERE gid = ?`).get(gid) as
    { origin: string | null } | undefined;
  if (existing) return ownership(existing.origin, ctx) ?? UNCHANGED;
  const modelId = ensureModelCopy(store, d.model, ctx);
  if (typeof modelId !== 'number') return modelId;
  stmt(
    store,
    `INSERT INTO ${table} (model, gid, origin, ${fields.join(', ')})
     VALUES (@model, @gid, @origin, ${fields.map((f) => `@${f}`).join(', ')})`,
  ).run({
    ...Object.fromEntries(fields.map((f) => [f, d[f] ?? null])),
    model: modelId,
    gid,
    origin: ctx.origin,
  });
  return APPLIED;
}

/** The gid of a model version (what an evaluation or baseline names it by elsewhere). */
export function versionGid(store: Store, name: string, version: number): string | undefined {
  return stmt(
    store,
    'SELECT v.gid FROM model_versions v JOIN models m ON m.id = v.model WHERE m.name = ? AND v.version = ?',
  )
    .pluck()
    .get(name, version) as string | undefined;
}

/** A version's local id, name and number by gid. */
export function versionByGid(
  store: Store,
  gid: string,
): { id: number; name: string; version: number; origin: string | null } | undefined {
  return stmt(
    store,
    `SELECT v.id, m.name, v.version, v.origin FROM model_versions v JOIN models m ON m.id = v.model
     WHERE v.gid = ?`,
  ).get(gid) as { id: number; name: string; version: number; origin: string | null } | undefined;
}

/** A model's origin (null: created here), or undefined when there is no such model. */
export function modelOrigin(store: Store, name: string): string | null | undefined {
  const row = stmt(store, 'SELECT origin FROM models WHERE name = ?').get(name) as
    { origin: string | null } | undefined;
  return row?.origin;
}

/**
 * A run as a sync record: the row, every param and tag, every metric chunk as
 * stored (so a copy holds every point, NaN and order included), the latest values,
 * artifacts and inputs/outputs. Applying one replaces the copy's children whole.
 */
import { ensureExperimentId } from './experiments.js';
import { cachedStatement as stmt, type Store } from './open.js';
import { addObjectRefs, removeObjectRefs } from './refs.js';
import { numericValue } from './runs.js';
import {
  APPLIED,
  b64,
  ownership,
  unb64,
  type ApplyContext,
  type ApplyOutcome,
} from './sync-types.js';

/** object_refs kind of run artifacts and outputs (tracking's RUN_REF_KIND) */
const RUN_REFS = 'run';

const RUN_FIELDS = [
  'name',
  'experiment',
  'status',
  'start_ms',
  'end_ms',
  'command',
  'cwd',
  'exit_code',
  'git_commit',
  'git_dirty',
  'stage',
  'host',
  'log_tail',
  'error',
  'lifecycle',
  'deleted_ms',
  'params_json',
  'metrics_json',
  'tags_json',
] as const;

type RunFields = Record<(typeof RUN_FIELDS)[number], unknown>;

export interface RunRecordData extends RunFields {
  params: [string, string][];
  tags: [string, string][];
  /** [key, chunk, n, max_step, steps, ts, vals] with the arrays as base64 float64 LE */
  chunks: [string, number, number, number, string, string, string][];
  latest: [string, number | null, number, number][];
  artifacts: [string, string, number, string, number | null][];
  io: [string, string, string | null, number | null, string | null, number | null][];
}

export function readRunRecord(
  store: Store,
  id: string,
): { origin: string | null; data: RunRecordData } | undefined {
  const row = stmt(
    store,
    `SELECT seq, origin, ${RUN_FIELDS.join(', ')} FROM runs WHERE id = ?`,
  ).get(id) as (RunFields & { seq: number; origin: string | null }) | undefined;
  if (!row) return undefined;
  const { seq, origin, ...fields } = row;
  const raw = (sql: string): unknown[][] => stmt(store, sql).raw().all(seq) as unknown[][];
  const chunks = (
    raw(
      'SELECT key, chunk, n, max_step, steps, ts, vals FROM run_metric_chunks WHERE run = ? ORDER BY key, chunk',
    ) as [string, number, number, number, Buffer, Buffer, Buffer][]
  ).map(
    ([k, c, n, m, s, t, v]) =>
      [k, c, n, m, b64(s), b64(t), b64(v)] as RunRecordData['chunks'][number],
  );
  return {
    origin,
    data: {
      ...fields,
      params: raw('SELECT key, value FROM run_params WHERE run = ? ORDER BY key') as [
        string,
        string,
      ][],
      tags: raw('SELECT key, value FROM run_tags WHERE run = ? ORDER BY key') as [string, string][],
      chunks,
      latest: raw(
        'SELECT key, value, step, ts FROM run_latest_metrics WHERE run = ? ORDER BY key',
      ) as RunRecordData['latest'],
      artifacts: raw(
        'SELECT name, hash, size, type, files FROM run_artifacts WHERE run = ? ORDER BY name',
      ) as RunRecordData['artifacts'],
      io: raw(
        'SELECT role, path, hash, size, type, files FROM run_io WHERE run = ? ORDER BY role, path',
      ) as RunRecordData['io'],
    },
  };
}

/** Objects a run keeps alive (artifacts and outputs): what a push sends before the record. */
export function runRecordObjects(data: RunRecordData): { hash: string; type: string }[] {
  const out = data.artifacts.map(([, hash, , type]) => ({ hash, type }));
  for (const [role, , hash, , type] of data.io) {
    if (role === 'output' && hash) out.push({ hash, type: type ?? 'file' });
  }
  return out;
}

const CHILD_TABLES = [
  'run_params',
  'run_tags',
  'run_metric_chunks',
  'run_latest_metrics',
  'run_artifacts',
  'run_io',
] as const;

/** Write a run copy (call inside a write transaction). */
export function applyRunRecord(
  store: Store,
  id: string,
  d: RunRecordData,
  ctx: ApplyContext,
): ApplyOutcome {
  const existing = stmt(store, 'SELECT seq, origin FROM runs WHERE id = ?').get(id) as
    { seq: number; origin: string | null } | undefined;
  if (existing) {
    const denied = ownership(existing.origin, ctx);
    if (denied) return denied;
  }
  const startMs = Number(d.start_ms);
  const values = {
    ...Object.fromEntries(RUN_FIELDS.map((f) => [f, d[f] ?? null])),
    id,
    origin: ctx.origin,
    experiment_id: ensureExperimentId(store, String(d.experiment), startMs),
  };
  let seq: number;
  if (existing) {
    seq = existing.seq;
    for (const t of CHILD_TABLES) stmt(store, `DELETE FROM ${t} WHERE run = ?`).run(seq);
    stmt(
      store,
      `UPDATE runs SET ${RUN_FIELDS.map((f) => `${f} = @${f}`).join(', ')},
         experiment_id = @experiment_id, origin = @origin, pid = NULL WHERE seq = @seq`,
    ).run({ ...values, seq });
  } else {
    seq = Number(
      stmt(
        store,
        `INSERT INTO runs (id, origin, experiment_id, ${RUN_FIELDS.join(', ')})
         VALUES (@id, @origin, @experiment_id, ${RUN_FIELDS.map((f) => `@${f}`).join(', ')})`,
      ).run(values).lastInsertRowid,
    );
  }
  const param = stmt(store, 'INSERT INTO run_params (run, key, value, num) VALUES (?, ?, ?, ?)');
  for (const [k, v] of d.params) param.run(seq, k, v, numericValue(v));
  const tag = stmt(store, 'INSERT INTO run_tags (run, key, value, num) VALUES (?, ?, ?, ?)');
  for (const [k, v] of d.tags) tag.run(seq, k, v, numericValue(v));
  const chunk = stmt(
    store,
    `INSERT INTO run_metric_chunks (run, key, chunk, n, max_step, steps, ts, vals)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const [k, c, n, m, s, t, v] of d.chunks) {
    chunk.run(seq, k, c, n, m, unb64(s, 'steps'), unb64(t, 'ts'), unb64(v, 'vals'));
  }
  const latest = stmt(
    store,
    'INSERT INTO run_latest_metrics (run, key, value, step, ts) VALUES (?, ?, ?, ?, ?)',
  );
  for (const [k, v, s, t] of d.latest) latest.run(seq, k, v, s, t);
  const artifact = stmt(
    store,
    'INSERT INTO run_artifacts (run, name, hash, size, type, files) VALUES (?, ?, ?, ?, ?, ?)',
  );
  for (const a of d.artifacts) artifact.run(seq, ...a);
  const io = stmt(
    store,
    'INSERT INTO run_io (run, role, path, hash, size, type, files) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  for (const r of d.io) io.run(seq, ...r);
  removeObjectRefs(store, RUN_REFS, id);
  addObjectRefs(
    store,
    runRecordObjects(d).map((o) => ({ kind: RUN_REFS, owner: id, hash: o.hash })),
  );
  return APPLIED;
}

/** Remove a run copy (a tombstone). */
export function deleteRunRecord(store: Store, id: string, ctx: ApplyContext): ApplyOutcome {
  const existing = stmt(store, 'SELECT seq, origin FROM runs WHERE id = ?').get(id) as
    { seq: number; origin: string | null } | undefined;
  if (!existing) return { status: 'skipped', reason: 'not here' };
  const denied = ownership(existing.origin, ctx);
  if (denied) return denied;
  stmt(store, 'DELETE FROM runs WHERE seq = ?').run(existing.seq);
  removeObjectRefs(store, RUN_REFS, id);
  return APPLIED;
}

/** Whether a run row is a copy of another store's run (read-only here). */
export function runOrigin(store: Store, id: string): string | null | undefined {
  const row = stmt(store, 'SELECT origin FROM runs WHERE id = ?').get(id) as
    { origin: string | null } | undefined;
  return row?.origin;
}

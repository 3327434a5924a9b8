/**
 * SQL for runs: creating and ending them, one batched write primitive for params,
 * tags, metric points, artifacts and inputs/outputs, and the reads behind `runs show`,
 * `metrics history` and deletion. Listing with filters lives in run-query.ts.
 */
import type { Statement } from 'better-sqlite3';
import type { Db, Store } from './open.js';
import { ensureExperimentId } from './experiments.js';

export type RunStatus = 'running' | 'finished' | 'failed' | 'killed';
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'finished', 'failed', 'killed'];

export interface RunRow {
  seq: number;
  id: string;
  name: string;
  experiment: string;
  status: RunStatus;
  start_ms: number;
  end_ms: number | null;
  command: string | null;
  cwd: string | null;
  exit_code: number | null;
  git_commit: string | null;
  git_dirty: number | null;
  stage: string | null;
  host: string;
  pid: number | null;
  log_tail: string | null;
  error: string | null;
  params_json: string;
  metrics_json: string;
  tags_json: string;
  /** migration 010: the experiment record, and MLflow's soft delete */
  experiment_id: number | null;
  lifecycle: 'active' | 'deleted';
  /** migration 015: the store that created the run (null: this one); copies are read-only */
  origin?: string | null;
}

export interface NewRunRow {
  id: string;
  name: string;
  experiment: string;
  startMs: number;
  command?: string;
  cwd?: string;
  gitCommit?: string;
  gitDirty?: boolean;
  stage?: string;
  host: string;
  pid?: number;
}

/** The step of a point logged without one: the store assigns the series' next step. */
export const AUTO_STEP = NaN;

/**
 * The points of one metric in one flush, as parallel arrays (the first `n` entries
 * count): no object per point, and they go to the store as they are.
 */
export interface SeriesBatch {
  key: string;
  n: number;
  /** AUTO_STEP (NaN) where the next step of the series is wanted */
  steps: Float64Array;
  /** milliseconds since 1970 */
  ts: Float64Array;
  /** NaN where the value was NaN */
  vals: Float64Array;
}

export interface ArtifactRow {
  name: string;
  hash: string;
  size: number;
  type: 'file' | 'dir';
  files?: number;
}

export interface IoRow {
  role: 'input' | 'output';
  path: string;
  hash?: string;
  size?: number;
  type?: 'file' | 'dir';
  files?: number;
}

/** Everything one flush writes, in one transaction. */
export interface RunBatch {
  series?: SeriesBatch[];
  params?: [string, string][];
  tags?: [string, string][];
  artifacts?: ArtifactRow[];
  io?: IoRow[];
}

export interface RunEnd {
  status: Exclude<RunStatus, 'running'>;
  endMs: number;
  exitCode?: number;
  logTail?: string;
  error?: string;
}

interface Statements {
  insertRun: Statement;
  nextChunk: Statement;
  maxStep: Statement;
  insertChunk: Statement;
  upsertLatest: Statement;
  upsertParam: Statement;
  upsertTag: Statement;
  upsertArtifact: Statement;
  upsertIo: Statement;
  refreshParams: Statement;
  refreshTags: Statement;
  refreshMetrics: Statement;
  finish: Statement;
}

const statements = new WeakMap<Db, Statements>();

function stmts(db: Db): Statements {
  let s = statements.get(db);
  if (s) return s;
  s = {
    insertRun: db.prepare(
      `INSERT INTO runs (id, name, experiment, experiment_id, status, start_ms, command, cwd,
         git_commit, git_dirty, stage, host, pid)
       VALUES (@id, @name, @experiment, @experimentId, 'running', @startMs, @command, @cwd,
         @gitCommit, @gitDirty, @stage, @host, @pid)`,
    ),
    nextChunk: db
      .prepare(
        'SELECT COALESCE(MAX(chunk) + 1, 0) FROM run_metric_chunks WHERE run = ? AND key = ?',
      )
      .pluck(),
    // the latest point is the one with the highest step, so its step is the series' maximum
    maxStep: db.prepare('SELECT step FROM run_latest_metrics WHERE run = ? AND key = ?').pluck(),
    insertChunk: db.prepare(
      `INSERT INTO run_metric_chunks (run, key, chunk, n, max_step, steps, ts, vals)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // MLflow's rule for the "latest" value: highest step, then latest timestamp.
    upsertLatest: db.prepare(
      `INSERT INTO run_latest_metrics (run, key, value, step, ts) VALUES (?,?,?,?,?)
       ON CONFLICT (run, key) DO UPDATE SET value = excluded.value, step = excluded.step, ts = excluded.ts
       WHERE excluded.step > run_latest_metrics.step
          OR (excluded.step = run_latest_metrics.step AND excluded.ts >= run_latest_metrics.ts)`,
    ),
    upsertParam: db.prepare(
      'INSERT OR REPLACE INTO run_params (run, key, value, num) VALUES (?,?,?,?)',
    ),
    upsertTag: db.prepare(
      'INSERT OR REPLACE INTO run_tags (run, key, value, num) VALUES (?,?,?,?)',
    ),
    upsertArtifact: db.prepare(
      'INSERT OR REPLACE INTO run_artifacts (run, name, hash, size, type, files) VALUES (?,?,?,?,?,?)',
    ),
    upsertIo: db.prepare(
      'INSERT OR REPLACE INTO run_io (run, role, path, hash, size, type, files) VALUES (?,?,?,?,?,?,?)',
    ),
    refreshParams: db.prepare(
      `UPDATE runs SET params_json = (SELECT json_group_object(key, value) FROM run_params WHERE run = @seq)
       WHERE seq = @seq`,
    ),
    refreshTags: db.prepare(
      `UPDATE runs SET tags_json = (SELECT json_group_object(key, value) FROM run_tags WHERE run = @seq)
       WHERE seq = @seq`,
    ),
    refreshMetrics: db.prepare(
      `UPDATE runs SET metrics_json =
         (SELECT json_group_object(key, value) FROM run_latest_metrics WHERE run = @seq)
       WHERE seq = @seq`,
    ),
    finish: db.prepare(
      `UPDATE runs SET status = @status, end_ms = @endMs, exit_code = @exitCode,
         log_tail = @logTail, error = @error, pid = NULL
       WHERE seq = @seq`,
    ),
  };
  statements.set(db, s);
  return s;
}

const NUMERIC_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The number a param or tag value spells, if it spells one. */
export function numericValue(value: string): number | null {
  if (!NUMERIC_RE.test(value.trim())) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export function insertRun(store: Store, run: NewRunRow): number {
  return store.db.transaction(() => insertRunRow(store, run)).immediate();
}

function insertRunRow(store: Store, run: NewRunRow): number {
  const info = stmts(store.db).insertRun.run({
    id: run.id,
    name: run.name,
    experiment: run.experiment,
    // experiments are records (MLflow's); a new name creates one
    experimentId: ensureExperimentId(store, run.experiment, run.startMs),
    startMs: run.startMs,
    command: run.command ?? null,
    cwd: run.cwd ?? null,
    gitCommit: run.gitCommit ?? null,
    gitDirty: run.gitDirty === undefined ? null : run.gitDirty ? 1 : 0,
    stage: run.stage ?? null,
    host: run.host,
    pid: run.pid ?? null,
  });
  return Number(info.lastInsertRowid);
}

function writeBatchRows(db: Db, seq: number, batch: RunBatch): void {
  const s = stmts(db);
  const series = batch.series ?? [];
  for (const sb of series) {
    const { key, n, ts, vals } = sb;
    if (n === 0) continue;
    const steps = resolveSteps(s, seq, sb);
    let maxStep = -Infinity;
    // Only the series' best point in this batch can become the stored latest.
    let best = 0;
    for (let i = 0; i < n; i++) {
      const st = steps[i];
      if (st > maxStep) maxStep = st;
      if (st > steps[best] || (st === steps[best] && ts[i] >= ts[best])) best = i;
    }
    const chunk = s.nextChunk.get(seq, key) as number;
    s.insertChunk.run(
      seq,
      key,
      chunk,
      n,
      maxStep,
      blobOf(steps.subarray(0, n)),
      blobOf(ts.subarray(0, n)),
      blobOf(vals.subarray(0, n)),
    );
    const v = vals[best];
    s.upsertLatest.run(seq, key, Number.isNaN(v) ? null : v, steps[best], ts[best]);
  }
  if (series.some((x) => x.n > 0)) s.refreshMetrics.run({ seq });
  if (batch.params?.length) {
    for (const [k, v] of batch.params) s.upsertParam.run(seq, k, v, numericValue(v));
    s.refreshParams.run({ seq });
  }
  if (batch.tags?.length) {
    for (const [k, v] of batch.tags) s.upsertTag.run(seq, k, v, numericValue(v));
    s.refreshTags.run({ seq });
  }
  for (const a of batch.artifacts ?? []) {
    s.upsertArtifact.run(seq, a.name, a.hash, a.size, a.type, a.files ?? null);
  }
  for (const r of batch.io ?? []) {
    s.upsertIo.run(
      seq,
      r.role,
      r.path,
      r.hash ?? null,
      r.size ?? null,
      r.type ?? null,
      r.files ?? null,
    );
  }
}

/**
 * Steps for the points logged without one: each is one past the highest step of its
 * series so far — stored, or earlier in this batch. Runs inside the write
 * transaction, so concurrent writers of a series serialise here.
 */
function resolveSteps(s: Statements, seq: number, sb: SeriesBatch): Float64Array {
  let auto = false;
  for (let i = 0; i < sb.n; i++) {
    if (Number.isNaN(sb.steps[i])) {
      auto = true;
      break;
    }
  }
  if (!auto) return sb.steps;
  // a copy: a failed write keeps the batch for a retry, still asking for automatic steps
  const steps = sb.steps.slice(0, sb.n);
  const stored = s.maxStep.get(seq, sb.key) as number | undefined;
  let top = stored ?? -1;
  for (let i = 0; i < sb.n; i++) {
    if (Number.isNaN(steps[i])) steps[i] = ++top;
    else if (steps[i] > top) top = steps[i];
  }
  return steps;
}

/**
 * Write a batch in one IMMEDIATE transaction: taking the write lock up front means a
 * concurrent writer waits on the busy timeout instead of failing with SQLITE_BUSY.
 */
export function writeRunBatch(store: Store, seq: number, batch: RunBatch): void {
  store.db.transaction(() => writeBatchRows(store.db, seq, batch)).immediate();
}

/** The last batch and the end of the run, atomically. */
export function finishRun(store: Store, seq: number, end: RunEnd, batch: RunBatch = {}): void {
  store.db
    .transaction(() => {
      writeBatchRows(store.db, seq, batch);
      stmts(store.db).finish.run({
        seq,
        status: end.status,
        endMs: end.endMs,
        exitCode: end.exitCode ?? null,
        logTail: end.logTail ?? null,
        error: end.error ?? null,
      });
    })
    .immediate();
}

export function getRunRow(store: Store, id: string): RunRow | undefined {
  return store.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
}

export function getRunRowBySeq(store: Store, seq: number): RunRow | undefined {
  return store.db.prepare('SELECT * FROM runs WHERE seq = ?').get(seq) as RunRow | undefined;
}

/** Ids starting with `prefix` (at most `limit`): enough to tell unique from ambiguous. */
export function findRunIdsByPrefix(store: Store, prefix: string, limit = 2): string[] {
  // The range [prefix, prefix + U+FFFF) uses the id index; LIKE would scan.
  return store.db
    .prepare('SELECT id FROM runs WHERE id >= ? AND id < ? ORDER BY id LIMIT ?')
    .pluck()
    .all(prefix, `${prefix}\uffff`, limit) as string[];
}

export function findRunIdsByName(store: Store, name: string, limit = 2): string[] {
  return store.db
    .prepare('SELECT id FROM runs WHERE name = ? ORDER BY start_ms DESC LIMIT ?')
    .pluck()
    .all(name, limit) as string[];
}

/** Chunks store float64 arrays little-endian, the byte order of every platform Node runs on. */
function blobOf(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function arrayOf(b: Buffer): Float64Array {
  // copy: a blob's byte offset need not be a multiple of 8
  const out = new Float64Array(b.length / 8);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** Every point of a series, ordered by step, then time, then the order logged. */
export function metricSeries(
  store: Store,
  seq: number,
  key: string,
): { step: number; value: number | null; ts: number }[] {
  const chunks = store.db
    .prepare(
      'SELECT steps, ts, vals FROM run_metric_chunks WHERE run = ? AND key = ? ORDER BY chunk',
    )
    .all(seq, key) as { steps: Buffer; ts: Buffer; vals: Buffer }[];
  const points: { step: number; value: number | null; ts: number }[] = [];
  for (const c of chunks) {
    const steps = arrayOf(c.steps);
    const ts = arrayOf(c.ts);
    const vals = arrayOf(c.vals);
    for (let i = 0; i < steps.length; i++) {
      const v = vals[i];
      points.push({ step: steps[i], value: Number.isNaN(v) ? null : v, ts: ts[i] });
    }
  }
  // stable: equal step and time keep the order they were logged in
  let sorted = true;
  for (let i = 1; i < points.length && sorted; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (b.step < a.step || (b.step === a.step && b.ts < a.ts)) sorted = false;
  }
  if (!sorted) points.sort((a, b) => a.step - b.step || a.ts - b.ts);
  return points;
}

/**
 * The same points as metricSeries, as three parallel arrays (NaN where the value was
 * NaN): no object per point, for charts reading 10 runs × 10,000 steps at once.
 */
export function metricSeriesColumns(
  store: Store,
  seq: number,
  key: string,
): { steps: Float64Array; ts: Float64Array; vals: Float64Array } {
  const chunks = store.db
    .prepare(
      'SELECT steps, ts, vals FROM run_metric_chunks WHERE run = ? AND key = ? ORDER BY chunk',
    )
    .all(seq, key) as { steps: Buffer; ts: Buffer; vals: Buffer }[];
  const n = chunks.reduce((a, c) => a + c.steps.length / 8, 0);
  let steps = new Float64Array(n);
  let ts = new Float64Array(n);
  let vals = new Float64Array(n);
  let at = 0;
  for (const c of chunks) {
    steps.set(arrayOf(c.steps), at);
    ts.set(arrayOf(c.ts), at);
    vals.set(arrayOf(c.vals), at);
    at += c.steps.length / 8;
  }
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) {
    if (steps[i] < steps[i - 1] || (steps[i] === steps[i - 1] && ts[i] < ts[i - 1])) sorted = false;
  }
  if (!sorted) {
    // stable, as metricSeries: equal step and time keep the order logged
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => steps[a] - steps[b] || ts[a] - ts[b] || a - b,
    );
    steps = Float64Array.from(order, (i) => steps[i]);
    ts = Float64Array.from(order, (i) => ts[i]);
    vals = Float64Array.from(order, (i) => vals[i]);
  }
  return { steps, ts, vals };
}

export function metricKeys(store: Store, seq: number): string[] {
  return store.db
    .prepare('SELECT key FROM run_latest_metrics WHERE run = ? ORDER BY key')
    .pluck()
    .all(seq) as string[];
}

export interface LatestMetricRow {
  key: string;
  value: number | null;
  step: number;
  ts: number;
}

export function latestMetrics(store: Store, seq: number): LatestMetricRow[] {
  return store.db
    .prepare('SELECT key, value, step, ts FROM run_latest_metrics WHERE run = ? ORDER BY key')
    .all(seq) as LatestMetricRow[];
}

export function listArtifactRows(store: Store, seq: number): ArtifactRow[] {
  const rows = store.db
    .prepare('SELECT name, hash, size, type, files FROM run_artifacts WHERE run = ? ORDER BY name')
    .all(seq) as (ArtifactRow & { files: number | null })[];
  return rows.map((r) => ({ ...r, files: r.files ?? undefined }));
}

export function listIoRows(store: Store, seq: number): IoRow[] {
  const rows = store.db
    .prepare(
      'SELECT role, path, hash, size, type, files FROM run_io WHERE run = ? ORDER BY role, path',
    )
    .all(seq) as {
    role: 'input' | 'output';
    path: string;
    hash: string | null;
    size: number | null;
    type: 'file' | 'dir' | null;
    files: number | null;
  }[];
  return rows.map((r) => ({
    role: r.role,
    path: r.path,
    hash: r.hash ?? undefined,
    size: r.size ?? undefined,
    type: r.type ?? undefined,
    files: r.files ?? undefined,
  }));
}

export function deleteRunRows(store: Store, seqs: readonly number[]): void {
  const del = store.db.prepare('DELETE FROM runs WHERE seq = ?');
  store.db.transaction(() => seqs.forEach((s) => del.run(s))).immediate();
}

export function listRunningRuns(
  store: Store,
): { seq: number; id: string; host: string; pid: number | null }[] {
  // a copy of another store's run is that store's to end
  return store.db
    .prepare("SELECT seq, id, host, pid FROM runs WHERE status = 'running' AND origin IS NULL")
    .all() as {
    seq: number;
    id: string;
    host: string;
    pid: number | null;
  }[];
}

/** Mark runs whose process vanished (kill -9, power loss) as killed, only if still running. */
export function markRunsAbandoned(store: Store, seqs: readonly number[], endMs: number): void {
  const stmt = store.db.prepare(
    `UPDATE runs SET status = 'killed', end_ms = COALESCE(end_ms, ?), pid = NULL,
       error = 'the process that owned the run disappeared without ending it'
     WHERE seq = ? AND status = 'running'`,
  );
  store.db.transaction(() => seqs.forEach((s) => stmt.run(endMs, s))).immediate();
}

export function countRuns(store: Store): number {
  return store.db.prepare('SELECT COUNT(*) FROM runs').pluck().get() as number;
}

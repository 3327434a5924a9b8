/**
 * SQL for the prediction log (migration 005): batched inserts for the server's log
 * writer, filtered streaming reads for drift checks and `readPredictions`. Rows come
 * back as stored (inputs and outputs as JSON text); src/serve and src/monitor parse them.
 *
 * One row per predicted instance (a request with 32 instances is 32 rows): `inputs` is
 * a JSON object of ONE instance keyed by the feature names recorded in the registry,
 * `outputs` a JSON object with the predicted value under "prediction" (probabilities
 * and other outputs may follow); `role` is primary or shadow, `route` main, canary or
 * shadow. Rows are indexed by (model, version, ts_ms), the drift check's filter.
 */
import { cachedStatement, type Store } from './open.js';

export type PredictionRole = 'primary' | 'shadow';
export type PredictionRoute = 'main' | 'canary' | 'shadow';

export interface PredictionRow {
  id: number;
  ts_ms: number;
  model: string;
  version: number;
  role: PredictionRole;
  route: PredictionRoute | null;
  request_id: string | null;
  latency_ms: number | null;
  /** JSON object: one instance by feature name */
  inputs: string;
  /** JSON object: {"prediction": ..., "probabilities": [...]?} */
  outputs: string;
}

/**
 * One row to insert, as an array in column order (ts_ms, model, version, role, route,
 * request_id, latency_ms, inputs, outputs): the writer builds thousands a second.
 */
export type NewPredictionRow = [
  tsMs: number,
  model: string,
  version: number,
  role: PredictionRole,
  route: PredictionRoute | null,
  requestId: string | null,
  latencyMs: number | null,
  inputs: string,
  outputs: string,
];

export interface PredictionQuery {
  model?: string;
  version?: number;
  /** default: every role */
  role?: PredictionRole;
  /** epoch ms, inclusive */
  sinceMs?: number;
  /** epoch ms, exclusive */
  untilMs?: number;
  /** newest rows only, still returned oldest first */
  limit?: number;
}

const stmt = cachedStatement;

const COLUMN_LIST = '(ts_ms, model, version, role, route, request_id, latency_ms, inputs, outputs)';
const ROW_PARAMS = '(?, ?, ?, ?, ?, ?, ?, ?, ?)';
/**
 * Rows per INSERT statement: each run() call crosses into the addon, and eight rows a
 * statement made a log write ~25% cheaper than one (measured while serving).
 */
const ROWS_PER_STATEMENT = 8;
const INSERT_ONE = `INSERT INTO prediction_log ${COLUMN_LIST} VALUES ${ROW_PARAMS}`;
const INSERT_MANY = `INSERT INTO prediction_log ${COLUMN_LIST} VALUES ${Array<string>(ROWS_PER_STATEMENT).fill(ROW_PARAMS).join(', ')}`;

/**
 * Insert rows in one transaction (all or none). Rows may come from a generator: they
 * are consumed one at a time, so a big batch never sits in memory as row arrays.
 * Returns how many were written.
 */
export function insertPredictionRows(store: Store, rows: Iterable<NewPredictionRow>): number {
  const one = stmt(store, INSERT_ONE);
  const many = stmt(store, INSERT_MANY);
  const width = 9;
  const params = new Array<unknown>(ROWS_PER_STATEMENT * width);
  return store.db.transaction(() => {
    let n = 0;
    let k = 0;
    for (const r of rows) {
      for (let c = 0; c < width; c++) params[k * width + c] = r[c];
      n++;
      if (++k === ROWS_PER_STATEMENT) {
        many.run(params);
        k = 0;
      }
    }
    for (let i = 0; i < k; i++) one.run(params.slice(i * width, (i + 1) * width));
    return n;
  })();
}

/** What every row of one batch shares: which served model answered, and how. */
export interface PredictionBatchHead {
  model: string;
  version: number;
  role: PredictionRole;
  route: PredictionRoute | null;
}

/**
 * n rows of one model version; `fill(i, params, at)` writes row i's ts_ms, request_id,
 * latency_ms, inputs and outputs to params[at] .. params[at + 4]. Rows are built as
 * the insert binds them, so no row object or array exists per row.
 */
export interface PredictionBatch {
  head: PredictionBatchHead;
  n: number;
  fill: (i: number, params: unknown[], at: number) => void;
}

const ROW_FIELDS = 5;

function sqlText(v: string | null): string {
  return v === null ? 'NULL' : `'${v.replaceAll("'", "''")}'`;
}

/**
 * The batch head goes into the statement as literals (one statement per served model
 * version, prepared once): fewer values cross into the addon and fewer strings are
 * encoded per row. (better-sqlite3 takes numbered parameters only by name.)
 */
function insertSql(head: PredictionBatchHead, rows: number): string {
  const fixed = `${sqlText(head.model)}, ${Math.trunc(head.version)}, ${sqlText(head.role)}, ${sqlText(head.route)}`;
  const row = `(?, ${fixed}, ?, ?, ?, ?)`;
  return `INSERT INTO prediction_log ${COLUMN_LIST} VALUES ${Array<string>(rows).fill(row).join(', ')}`;
}

/** Insert the batches' rows in one transaction (all or none); returns how many. */
export function insertPredictionBatches(store: Store, batches: readonly PredictionBatch[]): number {
  const params = new Array<unknown>(ROWS_PER_STATEMENT * ROW_FIELDS);
  const single = new Array<unknown>(ROW_FIELDS);
  return store.db.transaction(() => {
    let written = 0;
    for (const { head, n, fill } of batches) {
      const one = stmt(store, insertSql(head, 1));
      const many = stmt(store, insertSql(head, ROWS_PER_STATEMENT));
      let i = 0;
      for (; i + ROWS_PER_STATEMENT <= n; i += ROWS_PER_STATEMENT) {
        for (let k = 0; k < ROWS_PER_STATEMENT; k++) fill(i + k, params, k * ROW_FIELDS);
        many.run(params);
      }
      for (; i < n; i++) {
        fill(i, single, 0);
        one.run(single);
      }
      written += n;
    }
    return written;
  })();
}

function whereOf(q: PredictionQuery): { sql: string; params: (string | number)[] } {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  if (q.model !== undefined) {
    parts.push('model = ?');
    params.push(q.model);
  }
  if (q.version !== undefined) {
    parts.push('version = ?');
    params.push(q.version);
  }
  if (q.role !== undefined) {
    parts.push('role = ?');
    params.push(q.role);
  }
  if (q.sinceMs !== undefined) {
    parts.push('ts_ms >= ?');
    params.push(q.sinceMs);
  }
  if (q.untilMs !== undefined) {
    parts.push('ts_ms < ?');
    params.push(q.untilMs);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

const COLUMNS = 'id, ts_ms, model, version, role, route, request_id, latency_ms, inputs, outputs';

/** Matching rows, oldest first, streamed (a long log stays out of memory). */
export function iteratePredictionRows(
  store: Store,
  query: PredictionQuery = {},
): IterableIterator<PredictionRow> {
  const { sql, params } = whereOf(query);
  if (query.limit !== undefined) {
    // the newest `limit` rows, turned back into time order
    return stmt(
      store,
      `SELECT * FROM (SELECT ${COLUMNS} FROM prediction_log ${sql} ORDER BY ts_ms DESC, id DESC LIMIT ?)
       ORDER BY ts_ms, id`,
    ).iterate(...params, query.limit) as IterableIterator<PredictionRow>;
  }
  return stmt(store, `SELECT ${COLUMNS} FROM prediction_log ${sql} ORDER BY ts_ms, id`).iterate(
    ...params,
  ) as IterableIterator<PredictionRow>;
}

/** Whether any row matches: a LIMIT 1 probe, not a count over a long log. */
export function hasPredictionRows(store: Store, query: PredictionQuery = {}): boolean {
  const { sql, params } = whereOf(query);
  return stmt(store, `SELECT 1 FROM prediction_log ${sql} LIMIT 1`).get(...params) !== undefined;
}

export function countPredictionRows(store: Store, query: PredictionQuery = {}): number {
  const { sql, params } = whereOf(query);
  return stmt(store, `SELECT count(*) FROM prediction_log ${sql}`)
    .pluck()
    .get(...params) as number;
}

// ------------------------------------------------------------------ lost rows (013)

/** Rows of one served model the server could not keep, and when they were answered. */
export interface LostPredictionRows {
  model: string;
  version: number;
  role: PredictionRole;
  route: PredictionRoute | null;
  /** answer times of the lost rows, epoch ms, inclusive */
  fromMs: number;
  toMs: number;
  rows: number;
  reason: string;
}

export function insertLostPredictionRows(
  store: Store,
  lost: readonly LostPredictionRows[],
  nowMs = Date.now(),
): void {
  const insert = stmt(
    store,
    `INSERT INTO prediction_log_lost (model, version, role, route, from_ms, to_ms, rows, reason, recorded_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  store.db.transaction(() => {
    for (const l of lost) {
      insert.run(l.model, l.version, l.role, l.route, l.fromMs, l.toMs, l.rows, l.reason, nowMs);
    }
  })();
}

/**
 * Lost rows of a model version (role, time window as in PredictionQuery): every
 * record whose window overlaps the query's counts whole, so the figure is an upper
 * bound by at most one flush period (~200 ms) of rows at each edge.
 */
export function countLostPredictionRows(store: Store, query: PredictionQuery = {}): number {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  if (query.model !== undefined) {
    parts.push('model = ?');
    params.push(query.model);
  }
  if (query.version !== undefined) {
    parts.push('version = ?');
    params.push(query.version);
  }
  if (query.role !== undefined) {
    parts.push('role = ?');
    params.push(query.role);
  }
  if (query.sinceMs !== undefined) {
    parts.push('to_ms >= ?');
    params.push(query.sinceMs);
  }
  if (query.untilMs !== undefined) {
    parts.push('from_ms < ?');
    params.push(query.untilMs);
  }
  const where = parts.length ? `WHERE ${parts.join(' AND ')}` : '';
  return stmt(store, `SELECT coalesce(sum(rows), 0) FROM prediction_log_lost ${where}`)
    .pluck()
    .get(...params) as number;
}

// ------------------------------------------------------------------ spool segments (013)

/**
 * Insert a spool segment's rows and mark the segment drained, in one transaction.
 * Returns false (and inserts nothing) when the segment was drained before: its drainer
 * died between committing and deleting the file.
 */
export function insertSpoolSegment(
  store: Store,
  segment: string,
  batches: readonly PredictionBatch[],
  nowMs = Date.now(),
): boolean {
  const seen = stmt(store, 'SELECT 1 FROM prediction_spool_drained WHERE segment = ?');
  const mark = stmt(
    store,
    'INSERT INTO prediction_spool_drained (segment, rows, drained_ms) VALUES (?, ?, ?)',
  );
  // IMMEDIATE: two drainers of one segment queue on the write lock, and the second
  // then sees the first one's marker
  return store.db
    .transaction(() => {
      if (seen.get(segment) !== undefined) return false;
      const rows = insertPredictionBatches(store, batches);
      mark.run(segment, rows, nowMs);
      return true;
    })
    .immediate();
}

/** The segment's file is gone: its marker is no longer needed. */
export function forgetSpoolSegment(store: Store, segment: string): void {
  stmt(store, 'DELETE FROM prediction_spool_drained WHERE segment = ?').run(segment);
}

/**
 * SQL for ground truth (migration 017): labels as received, the request-id index of
 * the prediction log, and the joined rows (`prediction_outcomes`) that live metrics
 * read. A feed is staged in a per-connection temp table first (no write lock while a
 * file is read), then merged in one IMMEDIATE transaction: duplicates, changes and
 * unknown ids are counted in SQL and the join runs in SQLite, so a million labels never
 * become a million JavaScript objects.
 */
import { cachedStatement, type Store } from './open.js';

/** A staged label: [request_id, idx, entity, event_ms, label]. */
export type StagedLabel = [
  requestId: string | null,
  idx: number,
  entity: string | null,
  eventMs: number | null,
  label: string | number,
];

export interface LabelMergeOptions {
  mode: 'request' | 'entity';
  source: string;
  receivedMs: number;
  /** entity mode: how far back from a label's time its prediction may be (ms) */
  windowMs?: number;
  /** entity mode: the input feature holding the entity key */
  entityFeature?: string;
  /** entity mode: only this model's predictions */
  model?: string;
}

export interface LabelMergeCounts {
  /** labels in the feed (after dropping rows without id or label) */
  received: number;
  /** rows of the feed that repeat an earlier row's key (the last one counts) */
  duplicates: number;
  new: number;
  changed: number;
  unchanged: number;
  /** labels of this feed joined to at least one logged prediction */
  joined: number;
  /** prediction-log rows labelled by this feed (a request's primary and shadow answers each count) */
  rows: number;
  /** labels whose request id (entity) matches no logged prediction */
  unknown: number;
  /** labels whose request was logged with several instances but that give no index (or an index it does not have) */
  ambiguous: number;
  /** a few unknown keys, for the message */
  unknownExamples: string[];
  /** prediction-log rows added to the request index by this merge */
  indexed: number;
}

const ROWS_PER_INSERT = 100;

/**
 * The staged feed is keyed like the labels table (request mode: request id and index;
 * entity mode: entity and time), so a repeated key replaces the earlier row (the last
 * one in a file wins) and every later pass walks the feed in key order, which keeps the
 * probes into the labels' index on neighbouring pages.
 */
function prepareTemp(store: Store): void {
  // the staged feed and the sort of new log rows are scratch: keep them in memory
  store.db.pragma('temp_store = MEMORY');
  store.db.exec(`
    CREATE TEMP TABLE IF NOT EXISTS mlo_incoming (
      k TEXT NOT NULL, n INTEGER NOT NULL, event_ms INTEGER, label,
      state INTEGER NOT NULL DEFAULT 1, label_id INTEGER, PRIMARY KEY (k, n)) WITHOUT ROWID;
    CREATE TEMP TABLE IF NOT EXISTS mlo_seed (request_id TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE TEMP TABLE IF NOT EXISTS mlo_new (request_id TEXT NOT NULL, pred_id INTEGER NOT NULL,
      PRIMARY KEY (request_id, pred_id)) WITHOUT ROWID;
    CREATE TEMP TABLE IF NOT EXISTS mlo_hits (pred_id INTEGER PRIMARY KEY, request_id TEXT NOT NULL,
      k INTEGER, m INTEGER);
    CREATE TEMP TABLE IF NOT EXISTS mlo_cand (pred_id INTEGER PRIMARY KEY, e TEXT, ts_ms INTEGER);
    CREATE INDEX IF NOT EXISTS temp.mlo_cand_by_e ON mlo_cand (e, ts_ms);
  `);
  clearTemp(store);
}

function clearTemp(store: Store): void {
  store.db.exec(`DELETE FROM temp.mlo_incoming; DELETE FROM temp.mlo_seed;
    DELETE FROM temp.mlo_new; DELETE FROM temp.mlo_hits; DELETE FROM temp.mlo_cand;`);
}

/**
 * A feed being staged. `add` may be called many times (one file batch each), then
 * `merge` once; `dispose` empties the temp tables either way.
 */
export class LabelStaging {
  private staged = 0;

  constructor(
    private readonly store: Store,
    private readonly mode: 'request' | 'entity',
  ) {
    prepareTemp(store);
  }

  get size(): number {
    return this.staged;
  }

  /** Rows as [request_id, idx, entity, event_ms, label]; the mode decides the key. */
  add(rows: readonly StagedLabel[]): void {
    if (rows.length === 0) return;
    const width = 4;
    const sql = (count: number): string =>
      `INSERT OR REPLACE INTO temp.mlo_incoming (k, n, event_ms, label) VALUES ${Array<string>(count).fill('(?, ?, ?, ?)').join(', ')}`;
    const many = cachedStatement(this.store, sql(ROWS_PER_INSERT));
    const params = new Array<unknown>(ROWS_PER_INSERT * width);
    const entity = this.mode === 'entity';
    const put = (r: StagedLabel, out: unknown[], at: number): void => {
      out[at] = entity ? r[2] : r[0];
      out[at + 1] = entity ? r[3] : r[1];
      out[at + 2] = r[3];
      out[at + 3] = r[4];
    };
    this.store.db.transaction(() => {
      let i = 0;
      for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
        for (let k = 0; k < ROWS_PER_INSERT; k++) put(rows[i + k], params, k * width);
        many.run(params);
      }
      const rest = rows.length - i;
      if (rest > 0) {
        const tail = new Array<unknown>(rest * width);
        for (let k = 0; k < rest; k++) put(rows[i + k], tail, k * width);
        cachedStatement(this.store, sql(rest)).run(tail);
      }
    })();
    this.staged += rows.length;
  }

  merge(options: Omit<LabelMergeOptions, 'mode'>): LabelMergeCounts {
    return this.store.db
      .transaction(() => mergeStaged(this.store, this.staged, { ...options, mode: this.mode }))
      .immediate();
  }

  dispose(): void {
    if (this.store.db.open) clearTemp(this.store);
  }
}

function scalar(store: Store, sql: string, ...params: unknown[]): number {
  return (cachedStatement(store, sql)
    .pluck()
    .get(...params) ?? 0) as number;
}

function mergeStaged(store: Store, staged: number, o: LabelMergeOptions): LabelMergeCounts {
  const db = store.db;
  const request = o.mode === 'request';
  const received = scalar(store, 'SELECT count(*) FROM temp.mlo_incoming');
  const match = request
    ? 'f.request_id = i.k AND f.idx = i.n'
    : 'f.entity = i.k AND f.event_ms = i.n';
  // state: 1 new, 2 changed, 0 the same label as stored
  db.exec(`UPDATE temp.mlo_incoming AS i SET state = CASE WHEN f.label IS i.label THEN 0 ELSE 2 END, label_id = f.id
    FROM feedback_labels f WHERE ${match}`);
  const counts = db
    .prepare(
      `SELECT count(*) FILTER (WHERE state = 1) AS n, count(*) FILTER (WHERE state = 2) AS c
       FROM temp.mlo_incoming`,
    )
    .get() as { n: number; c: number };
  if (counts.n + counts.c > 0) {
    const [cols, target] = request
      ? ['k, n, NULL, event_ms', '(request_id, idx) WHERE request_id IS NOT NULL']
      : ['NULL, -1, k, n', '(entity, event_ms) WHERE entity IS NOT NULL'];
    // `WHERE true` keeps the parser from reading ON CONFLICT as a join constraint
    db.prepare(
      `INSERT INTO feedback_labels (request_id, idx, entity, event_ms, label, received_ms, source)
       SELECT ${cols}, label, ?, ? FROM temp.mlo_incoming WHERE state <> 0
       ON CONFLICT ${target} DO UPDATE SET label = excluded.label, event_ms = excluded.event_ms,
         received_ms = excluded.received_ms, source = excluded.source`,
    ).run(o.receivedMs, o.source);
    if (counts.n > 0) {
      db.exec(`UPDATE temp.mlo_incoming AS i SET label_id = f.id FROM feedback_labels f
        WHERE i.state = 1 AND ${match}`);
    }
  }

  // new log rows first: requests among them that already had labels are joined afresh
  const indexed = catchUpRequests(store, true);
  if (scalar(store, 'SELECT count(*) FROM temp.mlo_seed') > 0) joinRequests(store, 'stored');
  db.exec('DELETE FROM temp.mlo_seed');
  if (request) {
    // a changed label that had joined keeps its rows: only the label changes
    if (counts.c > 0) {
      db.exec(`UPDATE temp.mlo_incoming AS i SET state = 3 WHERE state = 2
        AND NOT EXISTS (SELECT 1 FROM prediction_outcomes o WHERE o.label_id = i.label_id)`);
      db.exec(`UPDATE prediction_outcomes AS o SET y_true = i.label
        FROM temp.mlo_incoming i WHERE i.state = 2 AND o.label_id = i.label_id`);
    }
    db.exec(
      'INSERT OR IGNORE INTO temp.mlo_seed SELECT k FROM temp.mlo_incoming WHERE state IN (1, 3)',
    );
    if (scalar(store, 'SELECT count(*) FROM temp.mlo_seed') > 0) joinRequests(store, 'staged');
  } else if (counts.n + counts.c > 0) {
    joinEntities(store, o);
  }

  const tally = db
    .prepare(
      `SELECT count(DISTINCT o.label_id) AS joined, count(*) AS rows
       FROM temp.mlo_incoming i CROSS JOIN prediction_outcomes o ON o.label_id = i.label_id`,
    )
    .get() as { joined: number; rows: number };
  const unknown = request
    ? scalar(
        store,
        `SELECT count(*) FROM temp.mlo_incoming i
         WHERE NOT EXISTS (SELECT 1 FROM prediction_requests r WHERE r.request_id = i.k)`,
      )
    : received - tally.joined;
  const unknownExamples =
    unknown === 0
      ? []
      : (db
          .prepare(
            request
              ? `SELECT i.k FROM temp.mlo_incoming i
                 WHERE NOT EXISTS (SELECT 1 FROM prediction_requests r WHERE r.request_id = i.k) LIMIT 5`
              : `SELECT i.k FROM temp.mlo_incoming i
                 WHERE NOT EXISTS (SELECT 1 FROM prediction_outcomes o WHERE o.label_id = i.label_id) LIMIT 5`,
          )
          .pluck()
          .all() as string[]);
  return {
    received,
    duplicates: staged - received,
    new: counts.n,
    changed: counts.c,
    unchanged: received - counts.n - counts.c,
    joined: tally.joined,
    rows: tally.rows,
    unknown,
    ambiguous: Math.max(0, received - tally.joined - unknown),
    unknownExamples,
    indexed,
  };
}

const CURSOR_KEY = 'requests_indexed_to';

/**
 * Bring the request-id index up to the end of the prediction log, and (when asked)
 * seed the requests among the new rows that already have labels: a label may arrive
 * before its prediction is written (a server's spool drained later). Returns the rows
 * indexed.
 */
export function catchUpRequests(store: Store, seed = false): number {
  const cursor = scalar(store, 'SELECT value FROM feedback_state WHERE key = ?', CURSOR_KEY);
  const max = scalar(store, 'SELECT coalesce(max(id), 0) FROM prediction_log');
  if (max <= cursor) return 0;
  if (!seed) prepareTemp(store);
  let added = 0;
  // in id ranges, so the sort of a long backlog stays a bounded amount of memory
  for (let from = cursor; from < max; from += CATCH_UP_ROWS) {
    added += catchUpRange(store, from, Math.min(max, from + CATCH_UP_ROWS), seed);
  }
  cachedStatement(
    store,
    'INSERT INTO feedback_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(CURSOR_KEY, max);
  return added;
}

const CATCH_UP_ROWS = 1_000_000;

function catchUpRange(store: Store, from: number, to: number, seed: boolean): number {
  const db = store.db;
  // one read of the new log rows, sorted by request id in memory, then a sequential
  // merge into the index
  db.prepare(
    `INSERT OR IGNORE INTO temp.mlo_new (request_id, pred_id)
     SELECT request_id, id FROM prediction_log WHERE id > ? AND id <= ? AND request_id IS NOT NULL`,
  ).run(from, to);
  const added = db
    .prepare(
      `INSERT OR IGNORE INTO prediction_requests (request_id, pred_id)
       SELECT request_id, pred_id FROM temp.mlo_new`,
    )
    .run().changes;
  if (seed) {
    // requests among the new rows that already have a label; walk whichever side is smaller
    const fresh = scalar(store, 'SELECT count(*) FROM temp.mlo_new');
    const labels = scalar(
      store,
      'SELECT count(*) FROM feedback_labels WHERE request_id IS NOT NULL',
    );
    db.exec(
      fresh <= labels
        ? `INSERT OR IGNORE INTO temp.mlo_seed SELECT DISTINCT n.request_id FROM temp.mlo_new n
           WHERE EXISTS (SELECT 1 FROM feedback_labels f WHERE f.request_id = n.request_id)`
        : `INSERT OR IGNORE INTO temp.mlo_seed SELECT DISTINCT f.request_id FROM feedback_labels f
           WHERE f.request_id IS NOT NULL
             AND EXISTS (SELECT 1 FROM temp.mlo_new n WHERE n.request_id = f.request_id)`,
    );
  }
  db.exec('DELETE FROM temp.mlo_new');
  return added;
}

/** What an outcome row takes from a prediction-log row `p` and a label row `f`. */
const OUTCOME_COLUMNS =
  '(pred_id, label_id, model, version, role, route, request_id, ts_ms, y_true, y_pred, p0, p1, probs, latency_ms)';
const outcomeValues = (p: string, f: string): string => `
  ${p}.id, ${f}.id, ${p}.model, ${p}.version, ${p}.role, ${p}.route, ${p}.request_id, ${p}.ts_ms,
  ${f}.label, json_extract(${p}.outputs, '$.prediction'),
  CASE WHEN json_array_length(${p}.outputs, '$.probabilities') = 2 THEN json_extract(${p}.outputs, '$.probabilities[0]') END,
  CASE WHEN json_array_length(${p}.outputs, '$.probabilities') = 2 THEN json_extract(${p}.outputs, '$.probabilities[1]') END,
  CASE WHEN json_array_length(${p}.outputs, '$.probabilities') > 2 THEN json_extract(${p}.outputs, '$.probabilities') END,
  ${p}.latency_ms`;

/**
 * Join request labels to the log rows of the requests in temp.mlo_seed. Within a
 * request, the rows of its latest answer per served model, role and route are its
 * instances, in log order: a label with idx k takes the k-th, a label without an index
 * (-1) takes the only one (a request answered with several instances is ambiguous
 * without one). `labels` says which labels join: every stored label of those requests
 * (their old outcomes are recomputed from scratch, as when new log rows arrived), or
 * only the staged ones marked to join (new labels, and changed ones that had not
 * joined before).
 */
function joinRequests(store: Store, labels: 'stored' | 'staged'): void {
  const db = store.db;
  if (labels === 'stored') {
    db.exec(`DELETE FROM prediction_outcomes WHERE label_id IN (
      SELECT f.id FROM temp.mlo_seed s CROSS JOIN feedback_labels f ON f.request_id = s.request_id)`);
  }
  // The log rows of the seeded requests, gathered first and then read in rowid order:
  // walking the log in id order reads each page once, where request-id order jumped
  // around the table (15× slower at 100k labels on a 1M-row log).
  db.exec(`
    DELETE FROM temp.mlo_hits;
    INSERT OR IGNORE INTO temp.mlo_hits (pred_id, request_id)
      SELECT r.pred_id, r.request_id FROM temp.mlo_seed s
      CROSS JOIN prediction_requests r ON r.request_id = s.request_id;`);
  rankInstances(store);
  const source =
    labels === 'stored'
      ? 'feedback_labels f'
      : '(SELECT label_id AS id, k AS request_id, n AS idx, label FROM temp.mlo_incoming WHERE state IN (1, 3)) f';
  db.exec(`
    INSERT OR REPLACE INTO prediction_outcomes ${OUTCOME_COLUMNS}
    SELECT ${outcomeValues('p', 'f')}
    FROM temp.mlo_hits h
    CROSS JOIN prediction_log p ON p.id = h.pred_id
    CROSS JOIN ${source} ON f.request_id = h.request_id AND (f.idx = h.k OR (f.idx = -1 AND h.m = 1))
    WHERE h.k IS NOT NULL;
    DELETE FROM temp.mlo_hits;
  `);
}

/**
 * Number the instances of each answer in temp.mlo_hits: k (position) and m (count)
 * among the rows of the latest answer of its request per served model, role and route;
 * rows of earlier answers (a retried request) keep k NULL. One pass in log order in
 * JavaScript: the same with window functions sorted the rows twice (4× the time).
 */
function rankInstances(store: Store): void {
  const rows = store.db
    .prepare(
      `SELECT p.id, h.request_id, p.model, p.version, p.role, p.route, p.ts_ms
       FROM temp.mlo_hits h CROSS JOIN prediction_log p ON p.id = h.pred_id`,
    )
    .raw(true)
    .iterate() as IterableIterator<[number, string, string, number, string, string | null, number]>;
  const answers = new Map<string, { ts: number; ids: number[] }>();
  for (const [id, rid, model, version, role, route, ts] of rows) {
    const key = `${rid}\u0000${model}\u0000${version}\u0000${role}\u0000${route ?? ''}`;
    const a = answers.get(key);
    if (a === undefined || ts > a.ts) answers.set(key, { ts, ids: [id] });
    else if (ts === a.ts) a.ids.push(id);
  }
  const params: number[] = [];
  const update = (n: number): void => {
    cachedStatement(
      store,
      `UPDATE temp.mlo_hits SET k = v.column2, m = v.column3
       FROM (VALUES ${Array<string>(n).fill('(?, ?, ?)').join(', ')}) AS v WHERE pred_id = v.column1`,
    ).run(params);
    params.length = 0;
  };
  for (const { ids } of answers.values()) {
    for (let k = 0; k < ids.length; k++) {
      params.push(ids[k], k, ids.length);
      if (params.length === 3 * ROWS_PER_INSERT) update(ROWS_PER_INSERT);
    }
  }
  if (params.length > 0) update(params.length / 3);
}

/**
 * Entity labels: each takes the latest primary answer whose input `entityFeature`
 * equals its entity, at most `windowMs` before the label's time, plus the other
 * answers (shadow) to that same request with the same inputs.
 */
function joinEntities(store: Store, o: LabelMergeOptions): void {
  const db = store.db;
  const window = o.windowMs ?? 7 * 86_400_000;
  const range = db
    .prepare('SELECT min(n) AS lo, max(n) AS hi FROM temp.mlo_incoming WHERE state <> 0')
    .get() as { lo: number | null; hi: number | null };
  db.exec(`DELETE FROM prediction_outcomes WHERE label_id IN (
    SELECT label_id FROM temp.mlo_incoming WHERE state <> 0)`);
  if (range.lo === null || range.hi === null) return;
  const path = `$."${o.entityFeature ?? ''}"`;
  const byModel = o.model === undefined ? '' : 'AND model = @model';
  db.prepare(
    `INSERT INTO temp.mlo_cand (pred_id, e, ts_ms)
     SELECT id, e, ts_ms FROM (
       SELECT id, ts_ms, CAST(json_extract(inputs, @path) AS TEXT) AS e FROM prediction_log
       WHERE role = 'primary' AND ts_ms >= @lo AND ts_ms <= @hi ${byModel})
     WHERE e IN (SELECT k FROM temp.mlo_incoming WHERE state <> 0)`,
  ).run({
    path,
    lo: range.lo - window,
    hi: range.hi,
    ...(o.model !== undefined && { model: o.model }),
  });
  db.prepare(
    `WITH chosen AS (
       SELECT i.label_id,
         (SELECT c.pred_id FROM temp.mlo_cand c WHERE c.e = i.k
            AND c.ts_ms <= i.n AND c.ts_ms >= i.n - @window
          ORDER BY c.ts_ms DESC, c.pred_id DESC LIMIT 1) AS pred_id
       FROM temp.mlo_incoming i WHERE i.state <> 0
     ),
     rows AS (
       SELECT chosen.label_id, p.id AS pred_id FROM chosen JOIN prediction_log p ON p.id = chosen.pred_id
       UNION
       SELECT chosen.label_id, q.id FROM chosen
       JOIN prediction_log p ON p.id = chosen.pred_id
       JOIN prediction_requests r ON r.request_id = p.request_id
       JOIN prediction_log q ON q.id = r.pred_id
       WHERE q.role <> 'primary' AND q.inputs = p.inputs
     )
     INSERT OR REPLACE INTO prediction_outcomes ${OUTCOME_COLUMNS}
     SELECT ${outcomeValues('p', 'f')}
     FROM rows JOIN prediction_log p ON p.id = rows.pred_id JOIN feedback_labels f ON f.id = rows.label_id`,
  ).run({ window });
}

/** A label as a pull carries it: [id, request_id, idx, entity, event_ms, label]. */
export type LabelFeedRow = [
  id: number,
  requestId: string | null,
  idx: number,
  entity: string | null,
  eventMs: number | null,
  label: string | number,
];

/** Labels after `afterId` (this store's row numbers), oldest first: what a pull of labels reads. */
export function readLabelRowsAfter(store: Store, afterId: number, limit: number): LabelFeedRow[] {
  return cachedStatement(
    store,
    `SELECT id, request_id, idx, entity, event_ms, label FROM feedback_labels
     WHERE id > ? ORDER BY id LIMIT ?`,
  )
    .raw(true)
    .all(afterId, limit) as LabelFeedRow[];
}

export function maxLabelId(store: Store): number {
  return scalar(store, 'SELECT coalesce(max(id), 0) FROM feedback_labels');
}

/** Labels received in [sinceMs, untilMs). */
export function countLabelsReceived(store: Store, sinceMs: number, untilMs: number): number {
  return scalar(
    store,
    'SELECT count(*) FROM feedback_labels WHERE received_ms >= ? AND received_ms < ?',
    sinceMs,
    untilMs,
  );
}

export interface OutcomeQuery {
  model: string;
  /** default: every version */
  versions?: readonly number[];
  role?: 'primary' | 'shadow';
  route?: string;
  sinceMs?: number;
  untilMs?: number;
}

/** One labelled prediction as `mlo perf` reads it (raw row: see OUTCOME_READ). */
export type OutcomeRow = [
  predId: number,
  version: number,
  role: string,
  route: string | null,
  requestId: string | null,
  tsMs: number,
  yTrue: string | number | null,
  yPred: string | number | null,
  p0: number | null,
  p1: number | null,
  probs: string | null,
  latencyMs: number | null,
];

function outcomeWhere(q: OutcomeQuery, t = ''): { sql: string; params: unknown[] } {
  const parts = [`${t}model = ?`];
  const params: unknown[] = [q.model];
  if (q.versions && q.versions.length > 0) {
    parts.push(`${t}version IN (${q.versions.map(() => '?').join(', ')})`);
    params.push(...q.versions);
  }
  if (q.sinceMs !== undefined) {
    parts.push(`${t}ts_ms >= ?`);
    params.push(q.sinceMs);
  }
  if (q.untilMs !== undefined) {
    parts.push(`${t}ts_ms < ?`);
    params.push(q.untilMs);
  }
  if (q.role !== undefined) {
    parts.push(`${t}role = ?`);
    params.push(q.role);
  }
  if (q.route !== undefined) {
    parts.push(`${t}route = ?`);
    params.push(q.route);
  }
  return { sql: parts.join(' AND '), params };
}

/** Labelled predictions, oldest first, as raw arrays (a million of them read in well under a second). */
export function iterateOutcomes(store: Store, q: OutcomeQuery): IterableIterator<OutcomeRow> {
  const { sql, params } = outcomeWhere(q);
  return cachedStatement(
    store,
    `SELECT pred_id, version, role, route, request_id, ts_ms, y_true, y_pred, p0, p1, probs, latency_ms
     FROM prediction_outcomes WHERE ${sql} ORDER BY ts_ms, pred_id`,
  )
    .raw(true)
    .iterate(...params) as IterableIterator<OutcomeRow>;
}

/**
 * One input feature of each labelled prediction (for slices), by prediction-log id.
 * `feature` is bound as a JSON path, never spliced into the SQL.
 */
export function outcomeFeature(
  store: Store,
  q: OutcomeQuery,
  feature: string,
): Map<number, unknown> {
  const { sql, params } = outcomeWhere(q, 'o.');
  const rows = store.db
    .prepare(
      `SELECT o.pred_id, json_extract(p.inputs, ?) FROM prediction_outcomes o
       JOIN prediction_log p ON p.id = o.pred_id WHERE ${sql}`,
    )
    .raw(true)
    .all(`$."${feature}"`, ...params) as [number, unknown][];
  return new Map(rows);
}

/** Labelled predictions per version / route in a window: the label coverage's numerator. */
export function countOutcomes(store: Store, q: OutcomeQuery): number {
  const { sql, params } = outcomeWhere(q);
  return scalar(store, `SELECT count(*) FROM prediction_outcomes WHERE ${sql}`, ...params);
}

/**
 * Bring the joins up to date with the log: index new log rows and join those whose
 * requests already have labels (a label that arrived before its prediction was
 * written). What `mlo perf` and the monitors run first. Returns the rows indexed.
 */
export function refreshOutcomes(store: Store): number {
  return store.db
    .transaction(() => {
      prepareTemp(store);
      try {
        const indexed = catchUpRequests(store, true);
        if (scalar(store, 'SELECT count(*) FROM temp.mlo_seed') > 0) joinRequests(store, 'stored');
        return indexed;
      } finally {
        clearTemp(store);
      }
    })
    .immediate();
}

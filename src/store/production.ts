/**
 * SQL for the rest of the production loop (migration 017): latency and traffic reads
 * for live comparisons and monitors, `mlo perf` history, monitor checks, incidents and
 * alert deliveries, retraining runs and named locks.
 */
import { cachedStatement, type Store } from './open.js';

export interface LogWindowQuery {
  model: string;
  version?: number;
  role?: 'primary' | 'shadow';
  route?: string;
  sinceMs?: number;
  untilMs?: number;
}

function logWhere(q: LogWindowQuery): { sql: string; params: unknown[] } {
  const parts = ['model = ?'];
  const params: unknown[] = [q.model];
  const add = (sql: string, v: unknown): void => {
    parts.push(sql);
    params.push(v);
  };
  if (q.version !== undefined) add('version = ?', q.version);
  if (q.sinceMs !== undefined) add('ts_ms >= ?', q.sinceMs);
  if (q.untilMs !== undefined) add('ts_ms < ?', q.untilMs);
  if (q.role !== undefined) add('role = ?', q.role);
  if (q.route !== undefined) add('route = ?', q.route);
  return { sql: parts.join(' AND '), params };
}

/** Logged latencies (ms) of a window, unsorted; rows without one are left out. */
export function readLatencies(store: Store, q: LogWindowQuery): Float64Array {
  const { sql, params } = logWhere(q);
  const out: number[] = [];
  for (const v of cachedStatement(
    store,
    `SELECT latency_ms FROM prediction_log WHERE ${sql} AND latency_ms IS NOT NULL`,
  )
    .pluck()
    .iterate(...params) as IterableIterator<number>) {
    out.push(v);
  }
  return Float64Array.from(out);
}

/** Versions with logged rows in a window (model, role, route), oldest first. */
export function loggedVersions(store: Store, q: LogWindowQuery): number[] {
  const { sql, params } = logWhere(q);
  return cachedStatement(
    store,
    `SELECT DISTINCT version FROM prediction_log WHERE ${sql} ORDER BY version`,
  )
    .pluck()
    .all(...params) as number[];
}

// ---- serve traffic (requests and errors per minute) ----

export interface TrafficRow {
  model: string;
  version: number;
  route: string;
  minuteMs: number;
  requests: number;
  errors: number;
  rejected: number;
}

/** Add counts to their minutes (a server flushes its counters every few seconds). */
export function addTraffic(store: Store, rows: readonly TrafficRow[]): void {
  const stmt = cachedStatement(
    store,
    `INSERT INTO serve_traffic (model, version, route, minute_ms, requests, errors, rejected)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (model, version, route, minute_ms) DO UPDATE SET
       requests = requests + excluded.requests, errors = errors + excluded.errors,
       rejected = rejected + excluded.rejected`,
  );
  store.db.transaction(() => {
    for (const r of rows) {
      stmt.run(r.model, r.version, r.route, r.minuteMs, r.requests, r.errors, r.rejected);
    }
  })();
}

export interface TrafficTotals {
  requests: number;
  errors: number;
  rejected: number;
}

/** Request and error counts of a window (minutes starting in it). */
export function sumTraffic(
  store: Store,
  q: { model: string; version?: number; route?: string; sinceMs?: number; untilMs?: number },
): TrafficTotals {
  const parts = ['model = ?'];
  const params: unknown[] = [q.model];
  if (q.version !== undefined) {
    parts.push('version = ?');
    params.push(q.version);
  }
  if (q.route !== undefined) {
    parts.push('route = ?');
    params.push(q.route);
  }
  if (q.sinceMs !== undefined) {
    parts.push('minute_ms >= ?');
    params.push(Math.floor(q.sinceMs / 60_000) * 60_000);
  }
  if (q.untilMs !== undefined) {
    parts.push('minute_ms < ?');
    params.push(q.untilMs);
  }
  const r = cachedStatement(
    store,
    `SELECT coalesce(sum(requests), 0) AS requests, coalesce(sum(errors), 0) AS errors,
            coalesce(sum(rejected), 0) AS rejected FROM serve_traffic WHERE ${parts.join(' AND ')}`,
  ).get(...params) as TrafficTotals;
  return r;
}

// ---- mlo perf history ----

export interface PerfResultRow {
  id: number;
  model: string;
  versions: string;
  role: string;
  since_ms: number | null;
  until_ms: number;
  by: string | null;
  labelled: number;
  verdict: string | null;
  created_ms: number;
  result_json: string;
}

export function insertPerfResult(store: Store, row: Omit<PerfResultRow, 'id'>): number {
  return Number(
    cachedStatement(
      store,
      `INSERT INTO perf_results (model, versions, role, since_ms, until_ms, by, labelled, verdict, created_ms, result_json)
       VALUES (@model, @versions, @role, @since_ms, @until_ms, @by, @labelled, @verdict, @created_ms, @result_json)`,
    ).run(row).lastInsertRowid,
  );
}

export function listPerfResults(store: Store, model: string, limit: number): PerfResultRow[] {
  return cachedStatement(
    store,
    'SELECT * FROM (SELECT * FROM perf_results WHERE model = ? ORDER BY id DESC LIMIT ?) ORDER BY id',
  ).all(model, limit) as PerfResultRow[];
}

// ---- monitor checks, incidents, deliveries ----

export interface CheckRow {
  rule: string;
  subject: string;
  at_ms: number;
  state: 'ok' | 'firing' | 'no_data' | 'error';
  value: number | null;
  sample: number | null;
  detail_json: string | null;
}

export function insertCheck(store: Store, row: CheckRow): number {
  return Number(
    cachedStatement(
      store,
      `INSERT INTO monitor_checks (rule, subject, at_ms, state, value, sample, detail_json)
       VALUES (@rule, @subject, @at_ms, @state, @value, @sample, @detail_json)`,
    ).run(row).lastInsertRowid,
  );
}

export function listChecks(
  store: Store,
  rule: string | undefined,
  limit: number,
): (CheckRow & { id: number })[] {
  return (
    rule === undefined
      ? cachedStatement(
          store,
          'SELECT * FROM (SELECT * FROM monitor_checks ORDER BY id DESC LIMIT ?) ORDER BY id',
        ).all(limit)
      : cachedStatement(
          store,
          'SELECT * FROM (SELECT * FROM monitor_checks WHERE rule = ? ORDER BY id DESC LIMIT ?) ORDER BY id',
        ).all(rule, limit)
  ) as (CheckRow & { id: number })[];
}

export interface IncidentRow {
  id: number;
  rule: string;
  subject: string;
  severity: string;
  dedup_key: string;
  opened_ms: number;
  resolved_ms: number | null;
  value: number | null;
  threshold: number | null;
  summary: string;
  detail_json: string | null;
}

export function getOpenIncident(
  store: Store,
  rule: string,
  subject: string,
): IncidentRow | undefined {
  return cachedStatement(
    store,
    'SELECT * FROM monitor_incidents WHERE rule = ? AND subject = ? AND resolved_ms IS NULL',
  ).get(rule, subject) as IncidentRow | undefined;
}

/**
 * Open an incident unless one is open for the rule and subject (the partial unique
 * index decides, so two monitors evaluating at once open one). Returns the new row, or
 * undefined when one was already open.
 */
export function openIncident(
  store: Store,
  row: Omit<IncidentRow, 'id' | 'resolved_ms'>,
): IncidentRow | undefined {
  const r = cachedStatement(
    store,
    `INSERT INTO monitor_incidents (rule, subject, severity, dedup_key, opened_ms, value, threshold, summary, detail_json)
     VALUES (@rule, @subject, @severity, @dedup_key, @opened_ms, @value, @threshold, @summary, @detail_json)
     ON CONFLICT DO NOTHING`,
  ).run(row);
  if (r.changes === 0) return undefined;
  return cachedStatement(store, 'SELECT * FROM monitor_incidents WHERE id = ?').get(
    r.lastInsertRowid,
  ) as IncidentRow;
}

/** Resolve an open incident; false when someone else resolved it first. */
export function resolveIncident(store: Store, id: number, atMs: number): boolean {
  return (
    cachedStatement(
      store,
      'UPDATE monitor_incidents SET resolved_ms = ? WHERE id = ? AND resolved_ms IS NULL',
    ).run(atMs, id).changes === 1
  );
}

export function listIncidents(
  store: Store,
  options: { open?: boolean; limit: number },
): IncidentRow[] {
  const where = options.open ? 'WHERE resolved_ms IS NULL' : '';
  return cachedStatement(
    store,
    `SELECT * FROM (SELECT * FROM monitor_incidents ${where} ORDER BY id DESC LIMIT ?) ORDER BY id`,
  ).all(options.limit) as IncidentRow[];
}

export interface DeliveryRow {
  id: number;
  incident: number;
  destination: string;
  event: 'trigger' | 'resolve';
  status: 'pending' | 'sending' | 'delivered' | 'failed';
  attempts: number;
  claimed_ms: number | null;
  last_error: string | null;
  created_ms: number;
  delivered_ms: number | null;
}

/** Queue a delivery (once per incident, destination and event). */
export function queueDelivery(
  store: Store,
  incident: number,
  destination: string,
  event: 'trigger' | 'resolve',
  atMs: number,
): void {
  cachedStatement(
    store,
    `INSERT INTO alert_deliveries (incident, destination, event, status, created_ms)
     VALUES (?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING`,
  ).run(incident, destination, event, atMs);
}

/**
 * Claim the deliveries this process should send now: pending ones, and ones another
 * process claimed more than `staleMs` ago (it died while sending).
 */
export function claimDeliveries(store: Store, nowMs: number, staleMs: number): DeliveryRow[] {
  return store.db
    .transaction(() => {
      const rows = cachedStatement(
        store,
        `SELECT * FROM alert_deliveries
         WHERE status = 'pending' OR (status = 'sending' AND claimed_ms < ?) ORDER BY id`,
      ).all(nowMs - staleMs) as DeliveryRow[];
      const claim = cachedStatement(
        store,
        "UPDATE alert_deliveries SET status = 'sending', claimed_ms = ? WHERE id = ?",
      );
      for (const r of rows) claim.run(nowMs, r.id);
      return rows;
    })
    .immediate();
}

export function finishDelivery(
  store: Store,
  id: number,
  result: {
    status: 'pending' | 'delivered' | 'failed';
    attempts: number;
    error: string | null;
    atMs: number;
  },
): void {
  cachedStatement(
    store,
    `UPDATE alert_deliveries SET status = ?, attempts = ?, last_error = ?, claimed_ms = NULL,
       delivered_ms = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_ms END WHERE id = ?`,
  ).run(result.status, result.attempts, result.error, result.status, result.atMs, id);
}

export function getIncident(store: Store, id: number): IncidentRow | undefined {
  return cachedStatement(store, 'SELECT * FROM monitor_incidents WHERE id = ?').get(id) as
    IncidentRow | undefined;
}

export function listDeliveries(store: Store, incident?: number): DeliveryRow[] {
  return (
    incident === undefined
      ? cachedStatement(store, 'SELECT * FROM alert_deliveries ORDER BY id').all()
      : cachedStatement(store, 'SELECT * FROM alert_deliveries WHERE incident = ? ORDER BY id').all(
          incident,
        )
  ) as DeliveryRow[];
}

// ---- retraining runs and locks ----

export interface RetrainRunRow {
  id: number;
  trigger: string;
  reason: string;
  started_ms: number;
  finished_ms: number | null;
  status: 'running' | 'succeeded' | 'failed';
  pid: number | null;
  host: string | null;
  detail_json: string | null;
}

export function insertRetrainRun(
  store: Store,
  row: Omit<RetrainRunRow, 'id' | 'finished_ms' | 'detail_json'>,
): number {
  return Number(
    cachedStatement(
      store,
      `INSERT INTO retrain_runs (trigger, reason, started_ms, status, pid, host)
       VALUES (@trigger, @reason, @started_ms, @status, @pid, @host)`,
    ).run(row).lastInsertRowid,
  );
}

export function finishRetrainRun(
  store: Store,
  id: number,
  result: { status: 'succeeded' | 'failed'; finishedMs: number; detail: unknown },
): void {
  cachedStatement(
    store,
    'UPDATE retrain_runs SET status = ?, finished_ms = ?, detail_json = ? WHERE id = ?',
  ).run(result.status, result.finishedMs, JSON.stringify(result.detail), id);
}

export function lastRetrainRun(store: Store, trigger: string): RetrainRunRow | undefined {
  return cachedStatement(
    store,
    'SELECT * FROM retrain_runs WHERE trigger = ? ORDER BY id DESC LIMIT 1',
  ).get(trigger) as RetrainRunRow | undefined;
}

export function listRetrainRuns(store: Store, limit: number): RetrainRunRow[] {
  return cachedStatement(
    store,
    'SELECT * FROM (SELECT * FROM retrain_runs ORDER BY id DESC LIMIT ?) ORDER BY id',
  ).all(limit) as RetrainRunRow[];
}

export interface LockRow {
  name: string;
  pid: number;
  host: string;
  proc_start: string | null;
  acquired_ms: number;
  purpose: string | null;
}

/**
 * Take the named lock unless a live holder has it: `isAlive(row)` decides about the
 * current holder (a crashed one is replaced). Atomic across processes (IMMEDIATE).
 */
export function tryLock(
  store: Store,
  row: LockRow,
  isAlive: (holder: LockRow) => boolean,
): LockRow | null {
  return store.db
    .transaction(() => {
      const holder = cachedStatement(store, 'SELECT * FROM monitor_locks WHERE name = ?').get(
        row.name,
      ) as LockRow | undefined;
      if (holder && isAlive(holder)) return holder;
      cachedStatement(
        store,
        `INSERT OR REPLACE INTO monitor_locks (name, pid, host, proc_start, acquired_ms, purpose)
         VALUES (@name, @pid, @host, @proc_start, @acquired_ms, @purpose)`,
      ).run(row);
      return null;
    })
    .immediate();
}

/** Release the lock if this owner still holds it. */
export function unlock(store: Store, name: string, pid: number, host: string): void {
  cachedStatement(store, 'DELETE FROM monitor_locks WHERE name = ? AND pid = ? AND host = ?').run(
    name,
    pid,
    host,
  );
}

export function setIncidentDetail(store: Store, id: number, detailJson: string): void {
  cachedStatement(store, 'UPDATE monitor_incidents SET detail_json = ? WHERE id = ?').run(
    detailJson,
    id,
  );
}

/** The label joined to one prediction-log row (undefined: none yet). */
export function labelOfPrediction(store: Store, predId: number): unknown {
  return cachedStatement(store, 'SELECT y_true FROM prediction_outcomes WHERE pred_id = ?')
    .pluck()
    .get(predId);
}

// ---- progressive rollouts (mlo serve --ramp) ----

export interface RolloutEventRow {
  id: number;
  rollout: string;
  model: string;
  main_version: number;
  canary_version: number;
  step: number;
  percent: number;
  event: 'step' | 'completed' | 'rolled_back';
  at_ms: number;
  guards_json: string | null;
}

export function insertRolloutEvent(store: Store, row: Omit<RolloutEventRow, 'id'>): number {
  return Number(
    cachedStatement(
      store,
      `INSERT INTO rollout_events (rollout, model, main_version, canary_version, step, percent, event, at_ms, guards_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      row.rollout,
      row.model,
      row.main_version,
      row.canary_version,
      row.step,
      row.percent,
      row.event,
      row.at_ms,
      row.guards_json,
    ).lastInsertRowid,
  );
}

export function listRolloutEvents(store: Store, model: string): RolloutEventRow[] {
  return cachedStatement(
    store,
    'SELECT * FROM rollout_events WHERE model = ? ORDER BY at_ms, id',
  ).all(model) as RolloutEventRow[];
}

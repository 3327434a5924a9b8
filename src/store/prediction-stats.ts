/**
 * Aggregates of the prediction log for dashboards: rows per served model version and
 * route, and counts per time bucket, computed by SQLite over the (model, version,
 * ts_ms) index instead of reading every row into JavaScript.
 */
import type { Store } from './open.js';
import type { PredictionRole, PredictionRoute } from './predictions.js';

export interface PredictionLogSummaryRow {
  model: string;
  version: number;
  role: PredictionRole;
  route: PredictionRoute | null;
  rows: number;
  first_ms: number;
  last_ms: number;
}

export function summarisePredictionLog(
  store: Store,
  q: { model?: string; sinceMs?: number } = {},
): PredictionLogSummaryRow[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (q.model !== undefined) {
    where.push('model = ?');
    args.push(q.model);
  }
  if (q.sinceMs !== undefined) {
    where.push('ts_ms >= ?');
    args.push(q.sinceMs);
  }
  return store.db
    .prepare(
      `SELECT model, version, role, route, count(*) AS rows, min(ts_ms) AS first_ms, max(ts_ms) AS last_ms
       FROM prediction_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       GROUP BY model, version, role, route ORDER BY model, version, role, route`,
    )
    .all(...args) as PredictionLogSummaryRow[];
}

/** Rows of one model per version and time bucket (bucket = floor((ts - from) / width)). */
export function countPredictionsByBucket(
  store: Store,
  q: { model: string; fromMs: number; widthMs: number; role?: PredictionRole },
): { version: number; bucket: number; rows: number }[] {
  return store.db
    .prepare(
      `SELECT version, CAST((ts_ms - ?) / ? AS INTEGER) AS bucket, count(*) AS rows FROM prediction_log
       WHERE model = ? AND ts_ms >= ? ${q.role ? 'AND role = ?' : ''}
       GROUP BY version, bucket ORDER BY version, bucket`,
    )
    .all(
      q.fromMs,
      Math.max(1, Math.floor(q.widthMs)),
      q.model,
      q.fromMs,
      ...(q.role ? [q.role] : []),
    ) as { version: number; bucket: number; rows: number }[];
}

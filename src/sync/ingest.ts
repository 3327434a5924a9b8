/**
 * Ingesting a prediction-log batch shipped by a serving replica (`mlo serve --from`):
 * validated whole, written in one transaction with the batch id, so a batch sent
 * again after a lost answer counts once. Rows keep the replica's id as their origin
 * and, when given, its row number (a row repeated under another batch id is skipped).
 */
import { MloError } from '../errors.js';
import { MODEL_NAME_RE } from '../registry/index.js';
import {
  ingestedBatchRows,
  insertSyncedPredictionRows,
  recordIngestedBatch,
  storeOrigin,
  type Store,
  type SyncedPredictionRow,
} from '../store/index.js';

export const MAX_BATCH_ROWS = 10_000;
const ORIGIN_RE = /^[0-9a-f]{32}$/;
const BATCH_RE = /^[A-Za-z0-9._:-]{1,64}$/;
const ROLES = new Set(['primary', 'shadow']);
const ROUTES = new Set(['main', 'canary', 'shadow']);

export interface PredictionBatchIn {
  /** the replica's id (32 hex digits, stable across its restarts) */
  origin: string;
  /** unique per batch of that replica */
  batch: string;
  rows: PredictionRowIn[];
}

export interface PredictionRowIn {
  ts_ms: number;
  model: string;
  version: number;
  role?: 'primary' | 'shadow';
  route?: 'main' | 'canary' | 'shadow' | null;
  request_id?: string | null;
  latency_ms?: number | null;
  /** one instance by feature name: an object, or its JSON text */
  inputs: Record<string, unknown> | string;
  /** {"prediction": ..., "probabilities": [...]}: an object, or its JSON text */
  outputs: Record<string, unknown> | string;
  /** the replica's row number (optional): a row is then kept once across batches */
  seq?: number | null;
}

export interface IngestResult {
  /** rows written now */
  accepted: number;
  /** the batch was ingested before: nothing written */
  duplicate: boolean;
  rows: number;
}

function bad(i: number, what: string): MloError {
  return new MloError('INVALID', `rows[${i}]: ${what}`);
}

function jsonText(v: unknown, i: number, field: string): string {
  if (typeof v === 'string') {
    try {
      const parsed = JSON.parse(v) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
    } catch {
      throw bad(i, `${field} must be a JSON object`);
    }
    return v;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw bad(i, `${field} must be an object`);
  }
  return JSON.stringify(v);
}

function toRow(r: PredictionRowIn, i: number, origin: string): SyncedPredictionRow {
  if (typeof r !== 'object' || r === null) throw bad(i, 'not an object');
  if (!Number.isSafeInteger(r.ts_ms) || r.ts_ms < 0)
    throw bad(i, 'ts_ms must be epoch milliseconds');
  if (typeof r.model !== 'string' || !MODEL_NAME_RE.test(r.model))
    throw bad(i, 'model is not a model name');
  if (!Number.isSafeInteger(r.version) || r.version < 1)
    throw bad(i, 'version must be a positive integer');
  const role = r.role ?? 'primary';
  if (!ROLES.has(role)) throw bad(i, 'role is primary or shadow');
  const route = r.route ?? null;
  if (route !== null && !ROUTES.has(route)) throw bad(i, 'route is main, canary or shadow');
  const requestId = r.request_id ?? null;
  if (requestId !== null && (typeof requestId !== 'string' || requestId.length > 200)) {
    throw bad(i, 'request_id must be text of at most 200 characters');
  }
  const latency = r.latency_ms ?? null;
  if (latency !== null && (typeof latency !== 'number' || !Number.isFinite(latency))) {
    throw bad(i, 'latency_ms must be a number');
  }
  const seq = r.seq ?? null;
  if (seq !== null && (!Number.isSafeInteger(seq) || seq < 0))
    throw bad(i, 'seq must be a whole number');
  return [
    r.ts_ms,
    r.model,
    r.version,
    role,
    route,
    requestId,
    latency,
    jsonText(r.inputs, i, 'inputs'),
    jsonText(r.outputs, i, 'outputs'),
    origin,
    seq,
  ];
}

export function ingestPredictionBatch(
  store: Store,
  batch: PredictionBatchIn,
  nowMs = Date.now(),
): IngestResult {
  if (typeof batch !== 'object' || batch === null)
    throw new MloError('INVALID', 'the body must be a batch object');
  if (typeof batch.origin !== 'string' || !ORIGIN_RE.test(batch.origin)) {
    throw new MloError('INVALID', 'origin must be 32 hex digits (the replica id)');
  }
  if (batch.origin === storeOrigin(store))
    throw new MloError('INVALID', "origin is this server's own id");
  if (typeof batch.batch !== 'string' || !BATCH_RE.test(batch.batch)) {
    throw new MloError('INVALID', 'batch must be 1 to 64 letters, digits, ".", "_", ":" or "-"');
  }
  if (!Array.isArray(batch.rows)) throw new MloError('INVALID', 'rows must be a list');
  if (batch.rows.length > MAX_BATCH_ROWS) {
    throw new MloError(
      'TOO_LARGE',
      `a batch holds at most ${MAX_BATCH_ROWS} rows, got ${batch.rows.length}`,
    );
  }
  const rows = batch.rows.map((r, i) => toRow(r, i, batch.origin));
  return store.db
    .transaction((): IngestResult => {
      const seen = ingestedBatchRows(store, batch.origin, batch.batch);
      if (seen !== undefined) return { accepted: 0, duplicate: true, rows: seen };
      const accepted = insertSyncedPredictionRows(store, rows);
      recordIngestedBatch(store, batch.origin, batch.batch, rows.length, nowMs);
      return { accepted, duplicate: false, rows: rows.length };
    })
    .immediate();
}

/**
 * SQL of migration 015: this store's origin id, the change log, per-remote cursors,
 * a server's tokens, pushing-store identities and ingested prediction batches.
 * src/sync and src/server give them meaning.
 */
import { cachedStatement as stmt, type Store } from './open.js';

const origins = new WeakMap<Store, string>();

/** This store's random id (migration 015): the origin of every record created here. */
export function storeOrigin(store: Store): string {
  let o = origins.get(store);
  if (o === undefined) {
    o = stmt(store, "SELECT value FROM meta WHERE key = 'store.origin'").pluck().get() as string;
    origins.set(store, o);
  }
  return o;
}

export interface SyncLogRow {
  seq: number;
  kind: string;
  key: string;
  digest: string | null;
}

/** Changes after `since`, oldest first. */
export function readSyncLog(
  store: Store,
  since: number,
  limit: number,
  kinds?: readonly string[],
): SyncLogRow[] {
  if (kinds === undefined) {
    return stmt(
      store,
      'SELECT seq, kind, key, digest FROM sync_log WHERE seq > ? ORDER BY seq LIMIT ?',
    ).all(since, limit) as SyncLogRow[];
  }
  const list = kinds.map((k) => `'${k.replaceAll("'", "''")}'`).join(', ');
  return stmt(
    store,
    `SELECT seq, kind, key, digest FROM sync_log WHERE seq > ? AND kind IN (${list}) ORDER BY seq LIMIT ?`,
  ).all(since, limit) as SyncLogRow[];
}

export function maxSyncSeq(store: Store): number {
  return (stmt(store, 'SELECT COALESCE(MAX(seq), 0) FROM sync_log').pluck().get() as number) ?? 0;
}

export function getSyncDigest(store: Store, kind: string, key: string): string | null {
  return (
    (stmt(store, 'SELECT digest FROM sync_log WHERE kind = ? AND key = ?')
      .pluck()
      .get(kind, key) as string | null | undefined) ?? null
  );
}

/** Remember what a push stored (call in the transaction that applied it). */
export function setSyncDigest(store: Store, kind: string, key: string, digest: string): void {
  stmt(store, 'UPDATE sync_log SET digest = ? WHERE kind = ? AND key = ?').run(digest, kind, key);
}

export function getSyncState(store: Store, scope: string, key: string): string | undefined {
  return stmt(store, 'SELECT value FROM sync_state WHERE scope = ? AND key = ?')
    .pluck()
    .get(scope, key) as string | undefined;
}

export function setSyncState(store: Store, scope: string, key: string, value: string): void {
  stmt(
    store,
    `INSERT INTO sync_state (scope, key, value) VALUES (?, ?, ?)
     ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value`,
  ).run(scope, key, value);
}

export function clearSyncState(store: Store, scope: string): void {
  stmt(store, 'DELETE FROM sync_state WHERE scope = ?').run(scope);
}

/** Every key of one scope (pending records of a pull are kept as `pending:<kind>:<key>`). */
export function listSyncState(store: Store, scope: string, prefix = ''): [string, string][] {
  return stmt(
    store,
    'SELECT key, value FROM sync_state WHERE scope = ? AND key >= ? AND key < ? ORDER BY key',
  )
    .raw()
    .all(scope, prefix, `${prefix}\uffff`) as [string, string][];
}

export function deleteSyncState(store: Store, scope: string, key: string): void {
  stmt(store, 'DELETE FROM sync_state WHERE scope = ? AND key = ?').run(scope, key);
}

// ------------------------------------------------------------------ tokens (server)

export type TokenScope = 'read' | 'write' | 'admin';

export interface TokenRow {
  id: number;
  name: string;
  scope: TokenScope;
  hash: string;
  created_ms: number;
  last_used_ms: number | null;
  revoked_ms: number | null;
}

export function insertToken(
  store: Store,
  t: { name: string; scope: TokenScope; hash: string; nowMs: number },
): number {
  return Number(
    stmt(
      store,
      'INSERT INTO server_tokens (name, scope, hash, created_ms) VALUES (?, ?, ?, ?)',
    ).run(t.name, t.scope, t.hash, t.nowMs).lastInsertRowid,
  );
}

/** The live (not revoked) token with this hash. */
export function findTokenByHash(store: Store, hash: string): TokenRow | undefined {
  return stmt(store, 'SELECT * FROM server_tokens WHERE hash = ? AND revoked_ms IS NULL').get(
    hash,
  ) as TokenRow | undefined;
}

export function listTokens(store: Store): TokenRow[] {
  return stmt(store, 'SELECT * FROM server_tokens ORDER BY id').all() as TokenRow[];
}

/** Revoke the live token of this name; false when there is none. */
export function revokeToken(store: Store, name: string, nowMs: number): boolean {
  return (
    stmt(
      store,
      'UPDATE server_tokens SET revoked_ms = ? WHERE name = ? AND revoked_ms IS NULL',
    ).run(nowMs, name).changes > 0
  );
}

export function touchToken(store: Store, id: number, nowMs: number): void {
  stmt(store, 'UPDATE server_tokens SET last_used_ms = ? WHERE id = ?').run(nowMs, id);
}

// ------------------------------------------------------------------ pushing stores (server)

/** The identity a pushing store is bound to (its first push's token), if any. */
export function originOwner(store: Store, origin: string): string | undefined {
  return stmt(store, 'SELECT owner FROM sync_origins WHERE origin = ?').pluck().get(origin) as
    string | undefined;
}

export function bindOrigin(store: Store, origin: string, owner: string, nowMs: number): void {
  stmt(store, 'INSERT OR IGNORE INTO sync_origins (origin, owner, first_ms) VALUES (?, ?, ?)').run(
    origin,
    owner,
    nowMs,
  );
}

// ------------------------------------------------------------------ ingested batches (server)

export function ingestedBatchRows(store: Store, origin: string, batch: string): number | undefined {
  return stmt(store, 'SELECT rows FROM ingest_batches WHERE origin = ? AND batch = ?')
    .pluck()
    .get(origin, batch) as number | undefined;
}

export function recordIngestedBatch(
  store: Store,
  origin: string,
  batch: string,
  rows: number,
  nowMs: number,
): void {
  stmt(store, 'INSERT INTO ingest_batches (origin, batch, rows, at_ms) VALUES (?, ?, ?, ?)').run(
    origin,
    batch,
    rows,
    nowMs,
  );
}

// ------------------------------------------------------------------ prediction-log copies

/**
 * A prediction-log row as it travels: the columns of prediction_log plus where it
 * came from. `[ts_ms, model, version, role, route, request_id, latency_ms, inputs,
 * outputs, origin, origin_seq]`.
 */
export type SyncedPredictionRow = [
  tsMs: number,
  model: string,
  version: number,
  role: string,
  route: string | null,
  requestId: string | null,
  latencyMs: number | null,
  inputs: string,
  outputs: string,
  origin: string,
  originSeq: number | null,
];

/**
 * Insert copied rows; a row whose (origin, origin_seq) is already here is skipped,
 * so a retried batch or a repeated pull adds nothing twice. Returns how many were new.
 */
export function insertSyncedPredictionRows(
  store: Store,
  rows: Iterable<SyncedPredictionRow>,
): number {
  const insert = stmt(
    store,
    `INSERT OR IGNORE INTO prediction_log (ts_ms, model, version, role, route, request_id,
       latency_ms, inputs, outputs, origin, origin_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let n = 0;
  for (const r of rows) n += insert.run(r).changes;
  return n;
}

/** Rows after `afterId` (this store's row numbers), oldest first: what a pull reads. */
export function readPredictionRowsAfter(
  store: Store,
  afterId: number,
  limit: number,
): { id: number; row: SyncedPredictionRow }[] {
  const rows = stmt(
    store,
    `SELECT id, ts_ms, model, version, role, route, request_id, latency_ms, inputs, outputs, origin, origin_seq
     FROM prediction_log WHERE id > ? ORDER BY id LIMIT ?`,
  )
    .raw()
    .all(afterId, limit) as [number, ...SyncedPredictionRow][];
  return rows.map(([id, ...row]) => ({ id, row }));
}

export function maxPredictionId(store: Store): number {
  return stmt(store, 'SELECT COALESCE(MAX(id), 0) FROM prediction_log').pluck().get() as number;
}

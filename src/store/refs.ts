/**
 * Object references: the single place where capabilities say which cache objects
 * they keep alive (model versions, run artifacts, baselines, stage run-cache).
 * `mlo gc` keeps every hash listed here, whatever wrote it.
 */
import type { Store } from './open.js';

export interface ObjectRef {
  kind: string;
  owner: string;
  hash: string;
}

export function addObjectRefs(store: Store, refs: Iterable<ObjectRef>): void {
  const stmt = store.db.prepare(
    'INSERT OR IGNORE INTO object_refs (kind, owner, hash) VALUES (?, ?, ?)',
  );
  store.db.transaction(() => {
    for (const r of refs) stmt.run(r.kind, r.owner, r.hash);
  })();
}

export function removeObjectRefs(store: Store, kind: string, owner: string): void {
  store.db.prepare('DELETE FROM object_refs WHERE kind = ? AND owner = ?').run(kind, owner);
}

export function listReferencedHashes(store: Store): Set<string> {
  const rows = store.db.prepare('SELECT DISTINCT hash FROM object_refs').pluck().all() as string[];
  return new Set(rows);
}

/** object_refs rows naming any of `hashes` (gc re-checks candidates with this). */
export function referencedAmong(store: Store, hashes: readonly string[]): Set<string> {
  const out = new Set<string>();
  const stmt = store.db.prepare('SELECT 1 FROM object_refs WHERE hash = ? LIMIT 1').pluck();
  for (const h of hashes) if (stmt.get(h) !== undefined) out.add(h);
  return out;
}

export interface PinRow {
  id: number;
  owner: string;
  created_ms: number;
  /** 32-byte SHA-256s, concatenated */
  hashes: Buffer;
}

export function insertPin(store: Store, owner: string, hashes: Buffer, now: number): number {
  return Number(
    store.db
      .prepare('INSERT INTO object_pins (owner, created_ms, hashes) VALUES (?, ?, ?)')
      .run(owner, now, hashes).lastInsertRowid,
  );
}

/** Pins with an id above `afterId`, oldest first. */
export function listPins(store: Store, afterId = 0): PinRow[] {
  return store.db
    .prepare('SELECT id, owner, created_ms, hashes FROM object_pins WHERE id > ? ORDER BY id')
    .all(afterId) as PinRow[];
}

/** Who holds pins (without the hashes): for finding the pins of dead owners. */
export function listPinOwners(store: Store): { id: number; owner: string; created_ms: number }[] {
  return store.db.prepare('SELECT id, owner, created_ms FROM object_pins').all() as {
    id: number;
    owner: string;
    created_ms: number;
  }[];
}

export function deletePins(store: Store, ids: readonly number[]): void {
  const del = store.db.prepare('DELETE FROM object_pins WHERE id = ?');
  for (const id of ids) del.run(id);
}

export interface GcLockRow {
  owner: string;
  started_ms: number;
}

export function getGcLock(store: Store): GcLockRow | undefined {
  return store.db.prepare('SELECT owner, started_ms FROM gc_lock WHERE id = 1').get() as
    GcLockRow | undefined;
}

export function setGcLock(store: Store, owner: string, now: number): void {
  store.db
    .prepare('INSERT OR REPLACE INTO gc_lock (id, owner, started_ms) VALUES (1, ?, ?)')
    .run(owner, now);
}

export function clearGcLock(store: Store, owner: string): void {
  store.db.prepare('DELETE FROM gc_lock WHERE id = 1 AND owner = ?').run(owner);
}

/**
 * The references the store's tables of record hold, for fsck, gc and remotes
 * (data/references.ts labels them). Baselines keep their profiles in the store and
 * no cache object; any object_refs kind not listed here comes back through
 * `listObjectRefs`.
 */
export interface ModelVersionRef {
  name: string;
  version: number;
  hash: string;
  size: number;
}

export function listModelVersionRefs(store: Store): ModelVersionRef[] {
  return store.db
    .prepare(
      `SELECT m.name AS name, v.version AS version, v.hash AS hash, v.size AS size
         FROM model_versions v JOIN models m ON m.id = v.model ORDER BY m.name, v.version`,
    )
    .all() as ModelVersionRef[];
}

export interface RunObjectRef {
  run: string;
  /** the artifact's name, or the output's path */
  label: string;
  role: 'artifact' | 'output';
  hash: string;
  size: number | null;
  type: string | null;
  /** the run is a copy pulled from a server (its objects stay there until fetched) */
  copy: number;
}

/** Run artifacts, and the run outputs the run keeps in the cache (`mlo exec -o`). */
export function listRunObjectRefs(store: Store): RunObjectRef[] {
  return store.db
    .prepare(
      `SELECT r.id AS run, a.name AS label, 'artifact' AS role, a.hash AS hash, a.size AS size, a.type AS type,
              r.origin IS NOT NULL AS copy
         FROM run_artifacts a JOIN runs r ON r.seq = a.run
       UNION ALL
       SELECT r.id, io.path, 'output', io.hash, io.size, io.type, r.origin IS NOT NULL
         FROM run_io io JOIN runs r ON r.seq = io.run
        WHERE io.role = 'output' AND io.hash IS NOT NULL
          AND EXISTS (SELECT 1 FROM object_refs o WHERE o.kind = 'run' AND o.owner = r.id AND o.hash = io.hash)`,
    )
    .all() as RunObjectRef[];
}

export function listStageCacheRows(store: Store): { key: string; stage: string; outs: string }[] {
  return store.db.prepare('SELECT key, stage, outs FROM stage_cache ORDER BY stage, key').all() as {
    key: string;
    stage: string;
    outs: string;
  }[];
}

export function listObjectRefs(store: Store, kinds?: readonly string[]): ObjectRef[] {
  const rows = store.db.prepare('SELECT kind, owner, hash FROM object_refs').all() as ObjectRef[];
  return kinds ? rows.filter((r) => kinds.includes(r.kind)) : rows;
}

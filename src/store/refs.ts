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

/** SQL for the stage run-cache: inputs key → the outputs a stage produced from them. */
import type { Store } from './open.js';

export interface StageCacheRow {
  key: string;
  stage: string;
  /** JSON: the lock-file entries of the outputs */
  outs: string;
  run_id: string | null;
  created_ms: number;
}

export function getStageCache(store: Store, key: string): StageCacheRow | undefined {
  return store.db.prepare('SELECT * FROM stage_cache WHERE key = ?').get(key) as
    StageCacheRow | undefined;
}

export function putStageCache(store: Store, row: StageCacheRow): void {
  store.db
    .prepare(
      'INSERT OR REPLACE INTO stage_cache (key, stage, outs, run_id, created_ms) VALUES (?,?,?,?,?)',
    )
    .run(row.key, row.stage, row.outs, row.run_id, row.created_ms);
}

/** Keys of a stage's entries beyond the newest `keep`, oldest last. */
export function staleStageCacheKeys(store: Store, stage: string, keep: number): string[] {
  return store.db
    .prepare(
      'SELECT key FROM stage_cache WHERE stage = ? ORDER BY created_ms DESC, key LIMIT -1 OFFSET ?',
    )
    .pluck()
    .all(stage, keep) as string[];
}

export function deleteStageCache(store: Store, keys: readonly string[]): void {
  const del = store.db.prepare('DELETE FROM stage_cache WHERE key = ?');
  store.db.transaction(() => keys.forEach((k) => del.run(k))).immediate();
}

/** The hash state table: which files we already hashed, keyed by what stat() says. */
import { cachedStatement as stmt, type Store } from './open.js';

export interface HashState {
  path: string;
  inode: number;
  mtimeMs: number;
  size: number;
  hash: string;
}

interface Row {
  path: string;
  inode: number;
  mtime_ms: number;
  size: number;
  hash: string;
}

const fromRow = (r: Row): HashState => ({
  path: r.path,
  inode: r.inode,
  mtimeMs: r.mtime_ms,
  size: r.size,
  hash: r.hash,
});

export function getHashState(store: Store, path: string): HashState | undefined {
  const row = stmt(
    store,
    'SELECT path, inode, mtime_ms, size, hash FROM hash_state WHERE path = ?',
  ).get(path) as Row | undefined;
  return row && fromRow(row);
}

/** Every state row at or below a directory, in one range scan (for 100k-file trees). */
export function getHashStatesUnder(store: Store, dir: string): Map<string, HashState> {
  // '/' + 1 is '0': the range [dir/, dir0) holds exactly the paths below dir.
  const rows = store.db
    .prepare(
      'SELECT path, inode, mtime_ms, size, hash FROM hash_state WHERE path >= ? AND path < ?',
    )
    .all(`${dir}/`, `${dir}0`) as Row[];
  const map = new Map<string, HashState>();
  for (const r of rows) map.set(r.path, fromRow(r));
  return map;
}

export function putHashStates(store: Store, states: Iterable<HashState>): void {
  const stmt = store.db.prepare(
    'INSERT OR REPLACE INTO hash_state (path, inode, mtime_ms, size, hash) VALUES (?, ?, ?, ?, ?)',
  );
  store.db.transaction(() => {
    for (const s of states) stmt.run(s.path, s.inode, s.mtimeMs, s.size, s.hash);
  })();
}

export function deleteHashStatesUnder(store: Store, dir: string): void {
  store.db
    .prepare('DELETE FROM hash_state WHERE path = ? OR (path >= ? AND path < ?)')
    .run(dir, `${dir}/`, `${dir}0`);
}

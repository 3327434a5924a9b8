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

/** A tracked directory's snapshot: its manifest and each entry's (inode, mtime). */
export interface DirState {
  manifest: string;
  /** [inode0, mtime0, inode1, mtime1, ...] in manifest order */
  stamps: Float64Array;
  /** entry paths in manifest order, UTF-8, joined by NUL (absent on rows older than 019) */
  listing?: Buffer;
  /** entry sizes in manifest order */
  sizes?: Float64Array;
  /** JSON [path, inode, ctimeMs] of each folder, stamped before the listing read it */
  dirs?: string;
  /** proof that every object was in the cache (data/cache-seal.ts) */
  seal?: string;
}

interface DirStateRow {
  manifest: string;
  stamps: Buffer;
  listing: Buffer | null;
  sizes: Buffer | null;
  dirs: string | null;
  cache_seal: string | null;
}

export function getDirState(store: Store, path: string): DirState | undefined {
  const row = store.db
    .prepare(
      'SELECT manifest, stamps, listing, sizes, dirs, cache_seal FROM dir_state WHERE path = ?',
    )
    .get(path) as DirStateRow | undefined;
  if (!row) return undefined;
  return {
    manifest: row.manifest,
    stamps: float64s(row.stamps),
    ...(row.listing !== null && row.sizes !== null
      ? { listing: row.listing, sizes: float64s(row.sizes) }
      : {}),
    ...(row.dirs !== null ? { dirs: row.dirs } : {}),
    ...(row.cache_seal !== null ? { seal: row.cache_seal } : {}),
  };
}

// Copy into an aligned buffer: the blob's byte offset need not be a multiple of 8.
function float64s(blob: Buffer): Float64Array {
  const out = new Float64Array(blob.length / 8);
  new Uint8Array(out.buffer).set(blob);
  return out;
}

const blobOf = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

export function putDirState(store: Store, path: string, state: DirState): void {
  store.db
    .prepare(
      `INSERT OR REPLACE INTO dir_state (path, manifest, stamps, listing, sizes, dirs, cache_seal)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      path,
      state.manifest,
      blobOf(state.stamps),
      state.listing ?? null,
      state.sizes ? blobOf(state.sizes) : null,
      state.dirs ?? null,
      state.seal ?? null,
    );
}

/** Record that every object of `manifest` is in the cache, if the row still holds it. */
export function sealDirState(store: Store, path: string, manifest: string, seal: string): void {
  store.db
    .prepare('UPDATE dir_state SET cache_seal = ? WHERE path = ? AND manifest = ?')
    .run(seal, path, manifest);
}

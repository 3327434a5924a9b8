/**
 * Opening the SQLite store: WAL so a server, a pipeline and a user can share it,
 * a busy timeout so concurrent writers wait instead of failing, and the numbered
 * migrations applied on open.
 */
import type Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MloError } from '../errors.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { busyTimeoutMs, storeBusyError } from './busy.js';

export type Db = Database.Database;

// The SQLite module (its JavaScript and the native addon) loads when a store first
// opens, not with this file: a no-change `mlo status` reads no store at all.
const requireHere = createRequire(import.meta.url);
let sqlite: typeof Database | undefined;
const loadSqlite = (): typeof Database =>
  (sqlite ??= requireHere('better-sqlite3') as typeof Database);

export interface Store {
  readonly db: Db;
  readonly path: string;
  close(): void;
}

export interface OpenStoreOptions {
  /** how long a writer waits for another's lock before failing (ms; default $MLO_BUSY_TIMEOUT_MS or 15 s) */
  busyTimeoutMs?: number;
  /** override the migration list (tests of the upgrade path) */
  migrations?: readonly Migration[];
}

export function latestSchemaVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;
}

let addonPath: string | null | undefined;

/**
 * Where better-sqlite3's addon is, found the way its loader (the `bindings` package)
 * would find it, minus the search: that tries each candidate folder with a require
 * that throws, which cost a few ms on every command that opens the store. null when
 * the layout is not the usual one; the loader's own search then runs.
 */
function sqliteAddon(): string | null {
  if (addonPath !== undefined) return addonPath;
  addonPath = null;
  try {
    const build = join(dirname(requireHere.resolve('better-sqlite3/package.json')), 'build');
    const name = 'better_sqlite3.node';
    // the loader's order: build/, build/Debug/, then build/Release/
    if (!existsSync(join(build, name)) && !existsSync(join(build, 'Debug', name))) {
      const release = join(build, 'Release', name);
      if (existsSync(release)) addonPath = release;
    }
  } catch {
    // not resolvable from here: leave it to the loader
  }
  return addonPath;
}

export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  mkdirSync(dirname(path), { recursive: true });
  let db: Db;
  try {
    const Sqlite = loadSqlite();
    const addon = sqliteAddon();
    db = addon === null ? new Sqlite(path) : new Sqlite(path, { nativeBinding: addon });
  } catch (err) {
    throw new MloError('INVALID', `${path}: cannot open the store: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? busyTimeoutMs()}`);
    db.pragma('journal_mode = WAL');
    // NORMAL is durable against process crashes in WAL mode and much faster than FULL.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, path, options.migrations ?? MIGRATIONS);
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new MloError('INVALID', `${path}: not an SQLite database`, { cause: err });
    }
    throw storeBusyError(err, path) ?? err;
  }
  return {
    db,
    path,
    close: () => {
      if (db.open) db.close();
    },
  };
}

function readVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db, path: string, migrations: readonly Migration[]): void {
  const latest = latestSchemaVersion(migrations);
  const current = readVersion(db);
  if (current > latest) throw newerStoreError(path, current, latest);
  if (current === latest && missingMigrations(db, migrations).length === 0) return;
  // IMMEDIATE takes the write lock first, so two processes opening an old store at
  // once migrate it exactly once: the second re-reads what is applied inside the lock.
  const run = db.transaction(() => {
    const now = readVersion(db);
    if (now > latest) throw newerStoreError(path, now, latest);
    for (const m of missingMigrations(db, migrations)) {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    }
    db.pragma(`user_version = ${latest}`);
  });
  run.immediate();
}

/**
 * The migrations a store has not applied, in list order. Numbers were handed out to
 * work done side by side, so a store may hold a higher number than one that landed
 * later (13 before 10): what counts is the set in schema_migrations, not the highest
 * version, or the later-landing migration would be skipped forever.
 */
function missingMigrations(db: Db, migrations: readonly Migration[]): Migration[] {
  if (readVersion(db) === 0) return [...migrations];
  const rows = db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[];
  const applied = new Set(rows.map((r) => r.version));
  return migrations.filter((m) => !applied.has(m.version));
}

function newerStoreError(path: string, found: number, known: number): MloError {
  return new MloError(
    'UNSUPPORTED',
    `${path} was written by a newer mlo (store schema ${found}; this mlo knows up to ${known})`,
    { hint: 'upgrade mlo (npm install -g mlo-toolkit@latest) to use this repository' },
  );
}

/**
 * Run `fn` holding the store's write lock. SQLite's lock is shared by every mlo
 * process on this repository, so it doubles as a cross-process mutex for small
 * read-modify-write edits of workspace files such as .gitignore.
 */
export function withWriteLock<T>(store: Store, fn: () => T): T {
  return store.db.transaction(fn).immediate();
}

/**
 * A prepared statement cached per store: preparing costs more than running a point
 * query, and hot paths (the hash state, a server resolving aliases) run the same
 * SQL many times.
 */
const statements = new WeakMap<Store, Map<string, Database.Statement>>();
export function cachedStatement(store: Store, sql: string): Database.Statement {
  let map = statements.get(store);
  if (!map) statements.set(store, (map = new Map<string, Database.Statement>()));
  let s = map.get(sql);
  if (!s) map.set(sql, (s = store.db.prepare(sql)));
  return s;
}

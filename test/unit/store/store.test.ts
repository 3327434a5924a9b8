import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import {
  MIGRATIONS,
  latestSchemaVersion,
  openStore,
  withWriteLock,
} from '../../../src/store/index.js';

const dirs: string[] = [];
function dbPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'mlo-store-'));
  dirs.push(d);
  return join(d, 'mlo.db');
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('store', () => {
  it('opens in WAL mode with a busy timeout and applies every migration', () => {
    const s = openStore(dbPath());
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    expect(s.db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion());
    const applied = s.db
      .prepare('SELECT version FROM schema_migrations ORDER BY version')
      .pluck()
      .all();
    expect(applied).toEqual(MIGRATIONS.map((m) => m.version));
    s.close();
  });

  it('migration versions start at 1 and increase (numbers are assigned per branch)', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect(versions[0]).toBe(1);
    expect(versions.every((v, i) => i === 0 || v > versions[i - 1])).toBe(true);
  });

  it('upgrades a store written by an older mlo, keeping its data', () => {
    const path = dbPath();
    const old = openStore(path, { migrations: MIGRATIONS.slice(0, 1) });
    old.db.prepare("INSERT INTO meta (key, value) VALUES ('k', 'kept')").run();
    old.close();
    const extra = {
      version: latestSchemaVersion() + 1,
      name: 'test-extra',
      up: 'CREATE TABLE extra (x INTEGER);',
    };
    const s = openStore(path, { migrations: [...MIGRATIONS, extra] });
    expect(s.db.pragma('user_version', { simple: true })).toBe(extra.version);
    expect(s.db.prepare("SELECT value FROM meta WHERE key = 'k'").pluck().get()).toBe('kept');
    expect(s.db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").pluck().get()).toBe(
      'extra',
    );
    s.close();
  });

  it('applies a migration numbered below one the store already has (numbers landed out of order)', () => {
    const path = dbPath();
    const first = { version: 1, name: 'one', up: 'CREATE TABLE one (x INTEGER);' };
    const late = { version: 2, name: 'late', up: 'CREATE TABLE late (x INTEGER);' };
    const early = { version: 3, name: 'early', up: 'CREATE TABLE early (x INTEGER);' };
    // the store was written by a build that had 1 and 3, not 2
    const old = openStore(path, {
      migrations: [
        {
          ...first,
          up: `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL); ${first.up}`,
        },
        early,
      ],
    });
    old.close();
    const s = openStore(path, {
      migrations: [{ ...first, up: 'SELECT 1' }, late, early],
    });
    const tables = s.db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('one', 'late', 'early') ORDER BY name",
      )
      .pluck()
      .all();
    expect(tables).toEqual(['early', 'late', 'one']);
    const applied = s.db
      .prepare('SELECT version FROM schema_migrations ORDER BY version')
      .pluck()
      .all();
    expect(applied).toEqual([1, 2, 3]);
    s.close();
  });

  it('refuses a store from a newer mlo with a clear message and leaves it untouched', () => {
    const path = dbPath();
    const raw = new Database(path);
    raw.pragma('user_version = 999');
    raw.close();
    let err: unknown;
    try {
      openStore(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MloError);
    expect((err as MloError).message).toMatch(
      /written by a newer mlo \(store schema 999; this mlo knows up to \d+\)/,
    );
    expect((err as MloError).exitCode).toBe(2);
    const check = new Database(path);
    expect(check.pragma('user_version', { simple: true })).toBe(999);
    check.close();
  });

  it('refuses a file that is not a database', () => {
    const path = dbPath();
    writeFileSync(
      path,
      'this is not sqlite, just text that is long enough to have a header'.repeat(20),
    );
    expect(() => openStore(path)).toThrow(/not an SQLite database|cannot open/);
  });

  it('withWriteLock runs the callback inside an IMMEDIATE transaction', () => {
    const s = openStore(dbPath());
    const inTx = withWriteLock(s, () => s.db.inTransaction);
    expect(inTx).toBe(true);
    s.close();
  });

  it('the live schema matches the checked-in snapshot', async () => {
    const s = openStore(dbPath());
    const sql = s.db
      .prepare(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, name",
      )
      .pluck()
      .all() as string[];
    s.close();
    const normalised = sql.map((q) => q.replace(/\s+/g, ' ').trim() + ';').join('\n') + '\n';
    await expect(normalised).toMatchFileSnapshot('./__snapshots__/schema.sql');
  });
});

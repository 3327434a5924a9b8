/**
 * The default online store: one SQLite file, .mlo/features/online.db, apart from the
 * main store so that serving reads never wait on a pipeline's writes there. One
 * table per view keyed by the entity key (a point read is one B-tree lookup), the
 * values as one JSON array per key.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MloError } from '../../errors.js';
import { NAME_RE } from '../schema.js';
import type { OnlineKey, OnlineRecord, OnlineRows, OnlineStore } from './types.js';

const table = (view: string): string => {
  // view names are checked by the schema; checked again since they become SQL names
  if (!NAME_RE.test(view)) throw new MloError('INVALID', `"${view}" is not a view name`);
  return `"fv_${view}"`;
};

interface Row {
  event_ms: number;
  created_ms: number | null;
  vals: string;
}

export class SqliteOnlineStore implements OnlineStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly reads = new Map<string, Database.Statement<[string], Row>>();

  constructor(readonly where: string) {
    mkdirSync(dirname(where), { recursive: true });
    this.db = new Database(where);
    this.db.pragma('busy_timeout = 15000');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS online_views (view TEXT PRIMARY KEY, shape TEXT NOT NULL) WITHOUT ROWID',
    );
  }

  // async so that a refusal is a rejected promise, as from every store
  async prepare(view: string, shape: string): Promise<void> {
    this.db
      .transaction(() => {
        const prior = this.shapeSync(view);
        if (prior !== undefined && prior !== shape) {
          throw new MloError('CONFLICT', `the online store holds view ${view} in another shape`, {
            hint: 'mlo features apply removes values of changed views; run it first',
          });
        }
        this.db.exec(
          `CREATE TABLE IF NOT EXISTS ${table(view)} (key TEXT PRIMARY KEY, event_ms INTEGER NOT NULL, created_ms INTEGER, vals TEXT NOT NULL) WITHOUT ROWID`,
        );
        this.db
          .prepare('INSERT OR REPLACE INTO online_views (view, shape) VALUES (?, ?)')
          .run(view, shape);
      })
      .immediate();
    this.reads.delete(view);
  }

  write(view: string, rows: OnlineRows): Promise<number> {
    // Keep-newest: a row replaces the stored one only when its event time is later, or
    // equal with a created time at least as late (null created times sort first).
    const upsert = this.db.prepare(
      `INSERT INTO ${table(view)} (key, event_ms, created_ms, vals) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET event_ms = excluded.event_ms,
         created_ms = excluded.created_ms, vals = excluded.vals
       WHERE excluded.event_ms > event_ms
          OR (excluded.event_ms = event_ms
              AND coalesce(excluded.created_ms, -9e18) >= coalesce(created_ms, -9e18))`,
    );
    const n = rows.keys.length;
    let written = 0;
    this.db
      .transaction(() => {
        for (let i = 0; i < n; i++) {
          const c = rows.createdMs[i];
          written += upsert.run(
            rows.keys[i],
            rows.eventMs[i],
            c === c ? c : null,
            rows.vals[i],
          ).changes;
        }
      })
      .immediate();
    return Promise.resolve(written);
  }

  /** Synchronous point reads: the serving path calls this directly. */
  readSync(keys: readonly OnlineKey[]): (OnlineRecord | undefined)[] {
    const out = new Array<OnlineRecord | undefined>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const { view, key } = keys[i];
      let stmt = this.reads.get(view);
      if (!stmt) {
        if (this.shapeSync(view) === undefined) {
          out[i] = undefined;
          continue;
        }
        stmt = this.db.prepare<[string], Row>(
          `SELECT event_ms, created_ms, vals FROM ${table(view)} WHERE key = ?`,
        );
        this.reads.set(view, stmt);
      }
      let row: Row | undefined;
      try {
        row = stmt.get(key);
      } catch (err) {
        // another process removed the view (mlo features apply) since we prepared
        if ((err as { code?: string }).code !== 'SQLITE_ERROR') throw err;
        this.reads.delete(view);
      }
      out[i] = row && { eventMs: row.event_ms, createdMs: row.created_ms, vals: row.vals };
    }
    return out;
  }

  read(keys: readonly OnlineKey[]): Promise<(OnlineRecord | undefined)[]> {
    return Promise.resolve(this.readSync(keys));
  }

  private shapeSync(view: string): string | undefined {
    return this.db.prepare('SELECT shape FROM online_views WHERE view = ?').pluck().get(view) as
      string | undefined;
  }

  shapeOf(view: string): Promise<string | undefined> {
    return Promise.resolve(this.shapeSync(view));
  }

  counts(): Promise<Record<string, number>> {
    const views = this.db
      .prepare('SELECT view FROM online_views ORDER BY view')
      .pluck()
      .all() as string[];
    const out: Record<string, number> = {};
    for (const v of views) {
      out[v] = this.db
        .prepare(`SELECT count(*) FROM ${table(v)}`)
        .pluck()
        .get() as number;
    }
    return Promise.resolve(out);
  }

  purge(views: readonly string[]): Promise<void> {
    this.db
      .transaction(() => {
        for (const v of views) {
          this.db.exec(`DROP TABLE IF EXISTS ${table(v)}`);
          this.db.prepare('DELETE FROM online_views WHERE view = ?').run(v);
          this.reads.delete(v);
        }
      })
      .immediate();
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}

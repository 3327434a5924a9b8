/**
 * The default online store: one SQLite file, .mlo/features/online.db, apart from the
 * main store so that serving reads never wait on a pipeline's writes there. One
 * table per view keyed by the entity key — an INTEGER PRIMARY KEY (the rowid itself)
 * when the view has one integer join key — holding the encoded values (codec.ts).
 * Writes go in key order: a B-tree filled in order touches each page once.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MloError } from '../../errors.js';
import { NAME_RE } from '../schema.js';
import type { KeyKind, OnlineKey, OnlineRecord, OnlineRows, OnlineStore } from './types.js';

const table = (view: string): string => {
  // view names are checked by the schema; checked again since they become SQL names
  if (!NAME_RE.test(view)) throw new MloError('INVALID', `"${view}" is not a view name`);
  return `"fv_${view}"`;
};

/** Rows per INSERT statement when writing. */
const BATCH = 64;

interface Row {
  event_ms: number;
  created_ms: number | null;
  vals: Buffer;
}

interface ViewInfo {
  shape: string;
  keyKind: KeyKind;
}

/** An integer key's text as SQLite's INTEGER: a number while exact, else a BigInt. */
const intKey = (key: string): number | bigint => {
  const n = Number(key);
  return Number.isSafeInteger(n) ? n : BigInt(key);
};

export class SqliteOnlineStore implements OnlineStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly reads = new Map<
    string,
    { stmt: Database.Statement<[unknown], Row>; int: boolean }
  >();

  constructor(readonly where: string) {
    mkdirSync(dirname(where), { recursive: true });
    this.db = new Database(where);
    this.db.pragma('busy_timeout = 15000');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS online_views (view TEXT PRIMARY KEY, shape TEXT NOT NULL, key_kind TEXT NOT NULL) WITHOUT ROWID',
    );
  }

  private info(view: string): ViewInfo | undefined {
    const r = this.db
      .prepare('SELECT shape, key_kind FROM online_views WHERE view = ?')
      .get(view) as { shape: string; key_kind: KeyKind } | undefined;
    return r && { shape: r.shape, keyKind: r.key_kind };
  }

  // async so that a refusal is a rejected promise, as from every store
  async prepare(view: string, shape: string, keyKind: KeyKind): Promise<void> {
    this.db
      .transaction(() => {
        const prior = this.info(view);
        if (prior !== undefined && prior.shape !== shape) {
          throw new MloError('CONFLICT', `the online store holds view ${view} in another shape`, {
            hint: 'mlo features apply removes values of changed views; run it first',
          });
        }
        const key = keyKind === 'int' ? 'key INTEGER PRIMARY KEY' : 'key TEXT PRIMARY KEY';
        this.db.exec(
          `CREATE TABLE IF NOT EXISTS ${table(view)} (${key}, event_ms INTEGER NOT NULL, created_ms INTEGER, vals BLOB NOT NULL)` +
            (keyKind === 'int' ? '' : ' WITHOUT ROWID'),
        );
        this.db
          .prepare('INSERT OR REPLACE INTO online_views (view, shape, key_kind) VALUES (?, ?, ?)')
          .run(view, shape, prior?.keyKind ?? keyKind);
      })
      .immediate();
    this.reads.delete(view);
  }

  async write(view: string, rows: OnlineRows): Promise<number> {
    const info = this.info(view);
    if (!info) throw new MloError('INTERNAL', `view ${view} written before prepare`);
    const int = info.keyKind === 'int';
    // Keep-newest: a row replaces the stored one only when its event time is later, or
    // equal with a created time at least as late (null created times sort first).
    // Rows go BATCH to a statement: one call per row is most of the cost otherwise.
    // A key twice in one statement is resolved in order, as in separate statements.
    const upsertOf = (k: number) =>
      this.db.prepare(
        `INSERT INTO ${table(view)} (key, event_ms, created_ms, vals) VALUES ${Array<string>(k).fill('(?, ?, ?, ?)').join(', ')}
         ON CONFLICT (key) DO UPDATE SET event_ms = excluded.event_ms,
           created_ms = excluded.created_ms, vals = excluded.vals
         WHERE excluded.event_ms > event_ms
            OR (excluded.event_ms = event_ms
                AND coalesce(excluded.created_ms, -9e18) >= coalesce(created_ms, -9e18))`,
      );
    const n = rows.keys.length;
    const keys: (number | bigint | string)[] = int ? rows.keys.map(intKey) : rows.keys;
    const order = keyOrder(keys);
    const full = upsertOf(BATCH);
    const params = new Array<unknown>(BATCH * 4);
    let written = 0;
    this.db
      .transaction(() => {
        for (let start = 0; start < n; start += BATCH) {
          const k = Math.min(BATCH, n - start);
          if (k < BATCH) params.length = k * 4;
          for (let j = 0; j < k; j++) {
            const i = order[start + j];
            const c = rows.createdMs[i];
            params[4 * j] = keys[i];
            params[4 * j + 1] = rows.eventMs[i];
            params[4 * j + 2] = c === c ? c : null;
            params[4 * j + 3] = rows.buffer.subarray(rows.offsets[i], rows.offsets[i + 1]);
          }
          written += (k === BATCH ? full : upsertOf(k)).run(params).changes;
        }
      })
      .immediate();
    return written;
  }

  /** Synchronous point reads: the serving path calls this directly. */
  readSync(keys: readonly OnlineKey[]): (OnlineRecord | undefined)[] {
    const out = new Array<OnlineRecord | undefined>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const { view, key } = keys[i];
      let read = this.reads.get(view);
      if (!read) {
        const info = this.info(view);
        if (info === undefined) {
          out[i] = undefined;
          continue;
        }
        read = {
          stmt: this.db.prepare<[unknown], Row>(
            `SELECT event_ms, created_ms, vals FROM ${table(view)} WHERE key = ?`,
          ),
          int: info.keyKind === 'int',
        };
        this.reads.set(view, read);
      }
      let row: Row | undefined;
      try {
        row = read.stmt.get(read.int ? intKey(key) : key);
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

  shapeOf(view: string): Promise<string | undefined> {
    return Promise.resolve(this.info(view)?.shape);
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

/**
 * The write order: ascending keys as SQLite orders them (integers by value, text by
 * bytes). Keys usually arrive sorted (DuckDB sorts them); checking costs one pass.
 */
function keyOrder(keys: readonly (number | bigint | string)[]): Int32Array {
  const n = keys.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (keys[i - 1] > keys[i]) sorted = false;
  if (sorted) return order;
  if (keys.every((k) => typeof k === 'number')) {
    // a native numeric sort, then each key's row (keys are unique per view)
    const values = Float64Array.from(keys as number[]);
    const rowOf = new Map<number, number>();
    for (let i = 0; i < n; i++) rowOf.set(values[i], i);
    if (rowOf.size === n) {
      values.sort();
      for (let i = 0; i < n; i++) order[i] = rowOf.get(values[i]) as number;
      return order;
    }
  }
  const rows = Array.from(order);
  const texts = keys.map(String);
  rows.sort((a, b) => (texts[a] < texts[b] ? -1 : texts[a] > texts[b] ? 1 : 0));
  return Int32Array.from(rows);
}

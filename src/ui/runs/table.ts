/**
 * The runs table behind the UI: every run's attributes and the keys a view filters,
 * sorts or groups by, held as columns in memory and reloaded when the store changes;
 * an ordering (filter + sort + group) is computed once and kept, so scrolling through
 * 100,000 runs reads only the rows of each window.
 */
import { MloError } from '../../errors.js';
import {
  readRunListRows,
  readStoreGeneration,
  type FieldRef,
  type FilterExpr,
  type RunListRow,
  type SortKey,
  type Store,
} from '../../store/index.js';
import {
  loadBaseColumns,
  loadKeyColumn,
  loadTextAttribute,
  type BaseColumns,
  type KeyColumn,
  type TextColumn,
} from './columns.js';
import { evaluateFilter, type ColumnSource } from './evaluate.js';
import { orderRows, type Ordered } from './order.js';

export interface TableQuery {
  filter?: FilterExpr;
  sort?: SortKey[];
  group?: FieldRef;
  /** the time `duration` of running runs is measured to (default: now) */
  nowMs?: number;
}

export interface OrderedRuns {
  /** run seqs in order */
  seqs: Int32Array;
  groups?: { value: string | null; count: number }[];
  /** the store generation it was computed at */
  generation: string;
}

const KEEP_ORDERS = 8;

class Columns implements ColumnSource {
  readonly base: BaseColumns;
  nowMs = Date.now();
  private readonly keys = new Map<string, KeyColumn>();
  private readonly texts = new Map<string, TextColumn>();
  private readonly numberTexts = new Map<number, string>();

  constructor(private readonly store: Store) {
    this.base = loadBaseColumns(store);
  }

  key(kind: 'metric' | 'param' | 'tag', key: string): KeyColumn {
    const id = `${kind}\u0000${key}`;
    let c = this.keys.get(id);
    if (!c) this.keys.set(id, (c = loadKeyColumn(this.store, this.base, kind, key)));
    return c;
  }

  text(name: 'id' | 'name' | 'commit'): TextColumn {
    let c = this.texts.get(name);
    if (!c) this.texts.set(name, (c = loadTextAttribute(this.store, this.base, name)));
    return c;
  }

  sqlText(n: number): string {
    let t = this.numberTexts.get(n);
    if (t === undefined) {
      t = this.store.db.prepare('SELECT CAST(? AS TEXT)').pluck().get(n) as string;
      this.numberTexts.set(n, t);
    }
    return t;
  }
}

export class RunTable {
  private columns: Columns | undefined;
  private generation = '';
  private readonly orders = new Map<string, OrderedRuns>();

  constructor(private readonly store: Store) {}

  /** The columns for the store as it is now (reloaded after any change). */
  private current(): Columns {
    const gen = readStoreGeneration(this.store);
    if (!this.columns || gen !== this.generation) {
      this.columns = new Columns(this.store);
      this.generation = gen;
      this.orders.clear();
    }
    return this.columns;
  }

  order(query: TableQuery, cacheKey?: string): OrderedRuns {
    const cols = this.current();
    if (cacheKey !== undefined && query.nowMs === undefined) {
      const hit = this.orders.get(cacheKey);
      if (hit) {
        // most recently used last
        this.orders.delete(cacheKey);
        this.orders.set(cacheKey, hit);
        return hit;
      }
    }
    cols.nowMs = query.nowMs ?? Date.now();
    const n = cols.base.n;
    let rows: Int32Array;
    if (query.filter) {
      const truth = evaluateFilter(cols, query.filter);
      let k = 0;
      for (let i = 0; i < n; i++) if (truth[i] === 1) k++;
      rows = new Int32Array(k);
      k = 0;
      for (let i = 0; i < n; i++) if (truth[i] === 1) rows[k++] = i;
    } else {
      rows = new Int32Array(n);
      for (let i = 0; i < n; i++) rows[i] = i;
    }
    let ordered: Ordered;
    try {
      ordered = orderRows(cols, rows, query.sort ?? [], query.group);
    } catch (err) {
      throw new MloError('USAGE', (err as Error).message);
    }
    const seqs = new Int32Array(ordered.rows.length);
    for (let i = 0; i < seqs.length; i++) seqs[i] = cols.base.seq[ordered.rows[i]];
    const result: OrderedRuns = {
      seqs,
      ...(ordered.groups && { groups: ordered.groups }),
      generation: this.generation,
    };
    if (cacheKey !== undefined && query.nowMs === undefined) {
      this.orders.set(cacheKey, result);
      if (this.orders.size > KEEP_ORDERS) this.orders.delete(this.orders.keys().next().value!);
    }
    return result;
  }

  /** Experiments and stages with their run counts (active runs), most runs first. */
  facets(): {
    experiments: { value: string; count: number }[];
    stages: { value: string; count: number }[];
  } {
    const base = this.current().base;
    const count = (col: TextColumn): { value: string; count: number }[] => {
      const counts = new Int32Array(col.dict.values.length);
      for (const c of col.codes) if (c >= 0) counts[c]++;
      return col.dict.values
        .map((value, i) => ({ value, count: counts[i] }))
        .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    };
    return { experiments: count(base.experiment), stages: count(base.stage) };
  }

  /** The listing rows of a window of an ordering. */
  window(ordered: OrderedRuns, offset: number, limit: number): RunListRow[] {
    return readRunListRows(this.store, ordered.seqs.subarray(offset, offset + limit));
  }
}

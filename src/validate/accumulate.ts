/**
 * What one streaming pass keeps per column so that every expectation of a suite is
 * answered from it: counts of rows, missing and mismatched cells, moments, the values
 * themselves (only for medians and quantiles), value counts (only for distinct-value,
 * most-common and uniqueness questions), and the map checks' unexpected rows.
 *
 * Missing means what pandas' isnull() means, as Great Expectations counts it: an empty
 * cell or null token, and NaN in a numeric column. ±inf is a value. A cell that does
 * not fit the column's kind (a mismatch) is a value too — an unexpected one for most
 * checks — and statistics leave it out.
 */
import { CellState, type Column, type ColumnInfo } from '../io/index.js';
import { Float64Table } from './f64-table.js';
import { GrowableF64 } from './growable.js';

/** Count, compensated sum, Welford's mean and M2, min and max of the values seen. */
export class Moments {
  count = 0;
  private sumHi = 0;
  private sumLo = 0;
  mean = 0;
  private m2 = 0;
  min = Infinity;
  max = -Infinity;

  add(v: number): void {
    this.count++;
    // Neumaier's compensated sum: pandas' sum is pairwise, close enough at 1e-15.
    const t = this.sumHi + v;
    if (Math.abs(this.sumHi) >= Math.abs(v)) this.sumLo += this.sumHi - t + v;
    else this.sumLo += v - t + this.sumHi;
    this.sumHi = t;
    const delta = v - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (v - this.mean);
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  get sum(): number {
    return Number.isFinite(this.sumHi) ? this.sumHi + this.sumLo : this.sumHi;
  }

  /** sum / count as pandas' mean (NaN when empty) */
  get average(): number {
    if (this.count === 0) return NaN;
    return Number.isFinite(this.sumHi) ? this.sum / this.count : this.sumHi / this.count;
  }

  /** sample standard deviation (ddof = 1), as pandas' std */
  get stdev(): number {
    if (this.count < 2 || !Number.isFinite(this.sumHi)) return NaN;
    return Math.sqrt(Math.max(0, this.m2) / (this.count - 1));
  }
}

/** Unexpected rows of one check: how many, and the first few with their row index. */
export class Unexpected {
  count = 0;
  readonly values: unknown[] = [];
  readonly rows: number[] = [];

  constructor(readonly limit: number) {}

  add(row: number, value: unknown): void {
    if (this.count++ < this.limit) {
      this.values.push(value);
      this.rows.push(row);
    }
  }
}

export type Key = number | string | boolean;

/**
 * Counts per dense slot (0, 1, 2, ...), with the first row of each and the first
 * repeated rows: what uniqueness and value-count questions need of any key.
 */
export class SlotCounts {
  size = 0;
  counts = new Float64Array(256);
  firstRow = new Float64Array(256);
  /** the first `repeatLimit` rows whose slot had been seen before */
  readonly repeats: { row: number; slot: number }[] = [];

  constructor(protected readonly repeatLimit = 0) {}

  /** Count a row of `slot`, a dense id (at most one more than the largest so far). */
  hit(slot: number, row: number): void {
    if (slot >= this.size) this.grow(slot);
    if (this.counts[slot]++ === 0) this.firstRow[slot] = row;
    else if (this.repeats.length < this.repeatLimit) this.repeats.push({ row, slot });
  }

  private grow(slot: number): void {
    this.size = slot + 1;
    if (slot < this.counts.length) return;
    const cap = Math.max(slot + 1, this.counts.length * 2);
    const counts = new Float64Array(cap);
    counts.set(this.counts);
    this.counts = counts;
    const first = new Float64Array(cap);
    first.set(this.firstRow);
    this.firstRow = first;
  }

  /** slots seen more than once, and how many rows they cover */
  duplicates(): { slots: number[]; rows: number } {
    const slots: number[] = [];
    let rows = 0;
    for (let s = 0; s < this.size; s++) {
      if (this.counts[s] > 1) {
        slots.push(s);
        rows += this.counts[s];
      }
    }
    return { slots, rows };
  }

  /**
   * The first `limit` rows, in row order, whose slot occurs more than once. A
   * duplicated slot's first row is known exactly; its later rows are repeats, and the
   * first `limit` repeats in row order are kept, which is all a merge needs.
   */
  firstDuplicateRows(dupSlots: readonly number[], limit: number): { row: number; slot: number }[] {
    const firsts = dupSlots.map((slot) => ({ row: this.firstRow[slot], slot }));
    firsts.sort((a, b) => a.row - b.row);
    const out: { row: number; slot: number }[] = [];
    let i = 0;
    let j = 0;
    while (out.length < limit && (i < firsts.length || j < this.repeats.length)) {
      const a = firsts[i];
      const b = this.repeats[j];
      if (b === undefined || (a !== undefined && a.row < b.row)) {
        out.push(a);
        i++;
      } else {
        out.push(b);
        j++;
      }
    }
    return out;
  }
}

/**
 * Dense slots for the distinct values of a column, with a count and the first row of
 * each: distinct values, most common values, uniqueness. Text columns are indexed by
 * dictionary code (one lookup per distinct value, not per row) until the reader starts
 * a new dictionary. Mismatched cells are keyed by their raw text, which a numeric
 * column's number keys never equal.
 */
export class ValueIndex extends SlotCounts {
  readonly keys: Key[] = [];
  /** when set, the slot of each row of the last batch (−1 for a missing cell) */
  batchSlots: Int32Array | null = null;
  keepBatchSlots = false;
  /** string and boolean keys; numbers go through `numbers`, which is much faster */
  private readonly map = new Map<Key, number>();
  private readonly numbers = new Float64Table();
  /** slot of each of `numbers`' ids */
  private numberSlots = new Int32Array(1024);
  private dictionary: readonly string[] | null = null;
  private codeSlots = new Int32Array(0);

  private newSlot(key: Key): number {
    this.keys.push(key);
    return this.keys.length - 1;
  }

  private slotOf(key: Key): number {
    if (typeof key === 'number') return this.slotOfNumber(key);
    let slot = this.map.get(key);
    if (slot === undefined) {
      slot = this.newSlot(key);
      this.map.set(key, slot);
    }
    return slot;
  }

  private slotOfNumber(v: number): number {
    const before = this.numbers.size;
    const id = this.numbers.slotOf(v);
    if (id < before) return this.numberSlots[id];
    if (id === this.numberSlots.length) {
      const grown = new Int32Array(id * 2);
      grown.set(this.numberSlots);
      this.numberSlots = grown;
    }
    const slot = this.newSlot(v === 0 ? 0 : v);
    this.numberSlots[id] = slot;
    return slot;
  }

  add(col: Column, rowStart: number): void {
    const n = 'codes' in col ? col.codes.length : col.values.length;
    let slots: Int32Array | null = null;
    if (this.keepBatchSlots) {
      slots = this.batchSlots?.length === n ? this.batchSlots : new Int32Array(n);
      slots.fill(-1);
      this.batchSlots = slots;
    }
    const state = col.state;
    if ('codes' in col) {
      if (col.dictionary !== this.dictionary) {
        this.dictionary = col.dictionary;
        this.codeSlots = new Int32Array(Math.max(64, col.dictionary.length));
      }
      if (this.codeSlots.length < col.dictionary.length) {
        const grown = new Int32Array(col.dictionary.length * 2);
        grown.set(this.codeSlots);
        this.codeSlots = grown;
      }
      const codeSlots = this.codeSlots;
      const dict = col.dictionary;
      const codes = col.codes;
      for (let i = 0; i < n; i++) {
        const c = codes[i];
        if (c < 0) continue;
        let s = codeSlots[c] - 1;
        if (s < 0) {
          s = this.slotOf(dict[c]);
          codeSlots[c] = s + 1;
        }
        this.hit(s, rowStart + i);
        if (slots !== null) slots[i] = s;
      }
      return;
    }
    const values = col.values;
    const isBool = col.kind === 'boolean';
    for (let i = 0; i < n; i++) {
      let s: number;
      if (state !== null && state[i] !== CellState.VALUE) {
        if (state[i] !== CellState.MISMATCH) continue;
        s = this.slotOf(col.mismatches?.get(i) ?? '');
      } else {
        const v = values[i];
        if (v !== v) continue; // NaN is missing
        s = isBool ? this.slotOf(v === 1) : this.slotOfNumber(v);
      }
      this.hit(s, rowStart + i);
      if (slots !== null) slots[i] = s;
    }
  }
}

/** A check that looks at one column's cells, batch by batch. */
export interface ColumnCheck {
  consume(col: Column, rowStart: number): void;
}

/** A check that looks at whole batches (several columns per row). */
export interface BatchCheck {
  consume(columns: readonly Column[], rowStart: number, length: number): void;
}

/** Everything kept for one column over the pass; expectations switch on what they need. */
export class ColumnAccumulator {
  rows = 0;
  /** null cells, plus NaN in numeric columns */
  missing = 0;
  mismatched = 0;
  moments: Moments | null = null;
  values: GrowableF64 | null = null;
  index: ValueIndex | null = null;
  /** every row's value in row order, NaN for missing and mismatched cells (numeric columns) */
  rowKeys: GrowableF64 | null = null;
  /** mismatched cells by raw text: how many, and their first rows (with rowKeys) */
  readonly mismatchKeys = new Map<string, { count: number; rows: number[] }>();
  private mismatchRowLimit = 0;
  readonly checks: ColumnCheck[] = [];
  private readonly numeric: boolean;

  constructor(
    readonly info: ColumnInfo,
    /** the column's position in the batches */
    readonly position: number,
  ) {
    this.numeric = info.kind === 'number' || info.kind === 'integer' || info.kind === 'datetime';
  }

  needMoments(): Moments {
    return (this.moments ??= new Moments());
  }

  needValues(): GrowableF64 {
    return (this.values ??= new GrowableF64());
  }

  /** Keep every row's value in row order (numeric columns: uniqueness by sorting). */
  needRowKeys(mismatchRows: number): void {
    this.rowKeys ??= new GrowableF64();
    this.mismatchRowLimit = Math.max(this.mismatchRowLimit, mismatchRows);
  }

  /**
   * Ask for the value index (read `index` after the pass). A uniqueness check asks for
   * `repeats`, a multi-column check for the slots of each batch's rows.
   */
  needIndex(options: { repeats?: number; batchSlots?: boolean } = {}): void {
    this.indexWanted = true;
    this.repeatLimit = Math.max(this.repeatLimit, options.repeats ?? 0);
    if (options.batchSlots === true) this.batchSlots = true;
  }
  private indexWanted = false;
  private repeatLimit = 0;
  private batchSlots = false;

  /** Called once, after planning and before the first batch. */
  begin(): void {
    if (!this.indexWanted) return;
    this.index = new ValueIndex(this.repeatLimit);
    this.index.keepBatchSlots = this.batchSlots;
  }

  consume(col: Column, rowStart: number): void {
    const n = 'codes' in col ? col.codes.length : col.values.length;
    this.rows += n;
    this.mismatched += col.mismatchCount;
    let missing = col.nullCount;
    const state = col.state;
    if ('values' in col) {
      const values = col.values;
      const moments = this.moments;
      const kept = this.values;
      const rowKeys = this.rowKeys;
      if (this.numeric || moments !== null || kept !== null || rowKeys !== null) {
        for (let i = 0; i < n; i++) {
          if (state !== null && state[i] !== CellState.VALUE) {
            if (rowKeys !== null) {
              rowKeys.push(NaN);
              if (state[i] === CellState.MISMATCH)
                this.keyMismatch(col.mismatches?.get(i) ?? '', rowStart + i);
            }
            continue;
          }
          const v = values[i];
          if (v !== v) {
            missing++;
            if (rowKeys !== null) rowKeys.push(NaN);
            continue;
          }
          if (moments !== null) moments.add(v);
          if (kept !== null) kept.push(v);
          if (rowKeys !== null) rowKeys.push(v);
        }
      }
    }
    this.missing += missing;
    this.index?.add(col, rowStart);
    for (const check of this.checks) check.consume(col, rowStart);
  }

  private keyMismatch(raw: string, row: number): void {
    let entry = this.mismatchKeys.get(raw);
    if (entry === undefined) {
      entry = { count: 0, rows: [] };
      this.mismatchKeys.set(raw, entry);
    }
    entry.count++;
    if (entry.rows.length < this.mismatchRowLimit) entry.rows.push(row);
  }
}

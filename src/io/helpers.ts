/** Small things every consumer of column batches needs, so none of them re-derives the layout. */
import { MloError } from '../errors.js';
import { CellState } from './types.js';
import type { Column, ColumnBatch, NumberColumn, TextColumn } from './types.js';

/** The batch's column by name (the schema order is faster in loops: look it up once). */
export function columnOf(batch: ColumnBatch, name: string): Column {
  const col = batch.columns.find((c) => c.name === name);
  if (col === undefined) throw new MloError('INTERNAL', `column "${name}" is not in this batch`);
  return col;
}

/** Row i holds a value of the column's kind (not null, not a mismatch). */
export function hasValue(col: Column, i: number): boolean {
  return col.state === null || col.state[i] === CellState.VALUE;
}

/** Row i holds a finite number: what statistics use (null, NaN and ±inf left out). */
export function isFiniteAt(col: NumberColumn, i: number): boolean {
  return hasValue(col, i) && Number.isFinite(col.values[i]);
}

/** The value of row i as JavaScript: number (datetime: epoch ms), boolean, string, or null. */
export function valueAt(col: Column, i: number): number | boolean | string | null {
  if (!hasValue(col, i)) return null;
  switch (col.kind) {
    case 'number':
    case 'integer':
    case 'datetime':
      return col.values[i];
    case 'boolean':
      return col.values[i] === 1;
    case 'string':
    case 'category':
      return col.dictionary[col.codes[i]];
  }
}

/**
 * Row i as text: what the user would recognise in messages and example lists. A
 * mismatched cell gives its raw text from the file; null gives null. Datetimes are ISO
 * 8601 in UTC, booleans "true"/"false", numbers as JavaScript prints them.
 */
export function textAt(col: Column, i: number): string | null {
  if (col.state !== null) {
    const s = col.state[i];
    if (s === CellState.NULL) return null;
    if (s === CellState.MISMATCH) return col.mismatches?.get(i) ?? null;
  }
  switch (col.kind) {
    case 'number':
    case 'integer':
      return String(col.values[i]);
    case 'datetime': {
      const d = new Date(col.values[i]);
      return Number.isNaN(d.getTime()) ? String(col.values[i]) : d.toISOString();
    }
    case 'boolean':
      return col.values[i] === 1 ? 'true' : 'false';
    case 'string':
    case 'category':
      return col.dictionary[col.codes[i]];
  }
}

/**
 * The finite values of a numeric column, in row order, as a new Float64Array (or
 * written into `out` from index 0 when it is large enough; then use the returned
 * subarray). Nulls, mismatches, NaN and ±inf are left out, as the drift spec says.
 */
export function finiteValues(col: NumberColumn, out?: Float64Array): Float64Array {
  const values = col.values;
  const n = values.length;
  const target = out !== undefined && out.length >= n ? out : new Float64Array(n);
  let k = 0;
  const state = col.state;
  if (state === null) {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v - v === 0) target[k++] = v; // false for NaN and ±inf
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (state[i] === CellState.VALUE && v - v === 0) target[k++] = v;
    }
  }
  return target.subarray(0, k);
}

/**
 * Counts per distinct value across batches, for categorical statistics. Text columns
 * are counted by dictionary code (no string work per row) and folded into strings when
 * the dictionary changes or the counts are asked for; other kinds count `textAt`.
 */
export class ValueCounter {
  /** rows counted that were null */
  nulls = 0;
  /** rows counted that did not fit the column's kind */
  mismatches = 0;
  /** rows counted with a value */
  values = 0;
  private readonly folded = new Map<string, number>();
  private dictionary: readonly string[] | null = null;
  private byCode = new Float64Array(0);

  add(col: Column): void {
    this.nulls += col.nullCount;
    this.mismatches += col.mismatchCount;
    if ('codes' in col) {
      this.addText(col);
      return;
    }
    const n = col.values.length;
    for (let i = 0; i < n; i++) {
      if (!hasValue(col, i)) continue;
      const key = textAt(col, i) as string;
      this.folded.set(key, (this.folded.get(key) ?? 0) + 1);
      this.values++;
    }
  }

  private addText(col: TextColumn): void {
    if (col.dictionary !== this.dictionary) {
      this.fold();
      this.dictionary = col.dictionary;
    }
    if (this.byCode.length < col.dictionary.length) {
      const grown = new Float64Array(Math.max(64, col.dictionary.length * 2));
      grown.set(this.byCode);
      this.byCode = grown;
    }
    const byCode = this.byCode;
    const codes = col.codes;
    let counted = 0;
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c >= 0) {
        byCode[c]++;
        counted++;
      }
    }
    this.values += counted;
  }

  private fold(): void {
    const dict = this.dictionary;
    if (dict === null) return;
    const byCode = this.byCode;
    for (let c = 0; c < dict.length; c++) {
      const n = byCode[c];
      if (n > 0) this.folded.set(dict[c], (this.folded.get(dict[c]) ?? 0) + n);
    }
    byCode.fill(0);
  }

  /** value → count, most frequent first (ties in first-seen order) */
  counts(): Map<string, number> {
    this.fold();
    return new Map([...this.folded].sort((a, b) => b[1] - a[1]));
  }
}

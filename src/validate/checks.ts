/**
 * Row-by-row checks of one column (GX's column map expectations), run on each batch
 * as it streams by. Text columns are judged once per distinct dictionary entry, so a
 * regular expression or a set lookup costs one array read per row.
 */
import { CellState, type Column, type ColumnInfo } from '../io/index.js';
import { Unexpected, type ColumnCheck } from './accumulate.js';
import { EvaluationError, isoOf } from './values.js';

/** Whether a value is expected, per layout; a layout without a test cannot be checked. */
export interface Tester {
  /** number, integer and datetime (epoch ms) columns */
  number?: (v: number) => boolean;
  boolean?: (b: boolean) => boolean;
  /** string and category columns (judged once per distinct value) */
  text?: (s: string) => boolean;
  /** a cell that did not fit the column's kind, by its raw text; default: unexpected */
  mismatch?: (raw: string) => boolean;
}

const VERDICT_UNKNOWN = 0;
const VERDICT_OK = 1;
const VERDICT_BAD = 2;

/** Rows whose non-missing value fails the tester are unexpected; missing rows are skipped. */
export class TestCheck implements ColumnCheck {
  readonly unexpected: Unexpected;
  private dictionary: readonly string[] | null = null;
  private verdicts = new Uint8Array(0);

  constructor(
    readonly info: ColumnInfo,
    private readonly tester: Tester,
    limit: number,
    what: string,
  ) {
    this.unexpected = new Unexpected(limit);
    const kind = info.kind;
    const layout =
      kind === 'string' || kind === 'category' ? 'text' : kind === 'boolean' ? 'boolean' : 'number';
    if (tester[layout] === undefined) {
      throw new EvaluationError(`${what} does not apply to column "${info.name}" (${kind})`);
    }
  }

  consume(col: Column, rowStart: number): void {
    if ('codes' in col) {
      // text columns hold any text: they never have mismatched cells
      this.consumeText(col.codes, col.dictionary, rowStart);
      return;
    }
    const state = col.state;
    const rec = this.unexpected;
    const values = col.values;
    const n = values.length;
    if (col.kind === 'boolean') {
      const test = this.tester.boolean as (b: boolean) => boolean;
      for (let i = 0; i < n; i++) {
        if (state !== null && state[i] !== CellState.VALUE) {
          if (state[i] === CellState.MISMATCH) this.mismatchAt(col, i, rowStart);
          continue;
        }
        const b = values[i] === 1;
        if (!test(b)) rec.add(rowStart + i, b);
      }
      return;
    }
    const test = this.tester.number as (v: number) => boolean;
    const datetime = col.kind === 'datetime';
    for (let i = 0; i < n; i++) {
      if (state !== null && state[i] !== CellState.VALUE) {
        if (state[i] === CellState.MISMATCH) this.mismatchAt(col, i, rowStart);
        continue;
      }
      const v = values[i];
      if (v !== v) continue; // NaN: missing
      if (!test(v)) rec.add(rowStart + i, datetime ? isoOf(v) : v);
    }
  }

  private mismatchAt(col: Column, i: number, rowStart: number): void {
    const raw = col.mismatches?.get(i) ?? '';
    if (!(this.tester.mismatch?.(raw) ?? false)) this.unexpected.add(rowStart + i, raw);
  }

  private consumeText(codes: Int32Array, dict: readonly string[], rowStart: number): void {
    if (dict !== this.dictionary) {
      this.dictionary = dict;
      this.verdicts = new Uint8Array(Math.max(64, dict.length));
    } else if (this.verdicts.length < dict.length) {
      const grown = new Uint8Array(dict.length * 2);
      grown.set(this.verdicts);
      this.verdicts = grown;
    }
    const verdicts = this.verdicts;
    const test = this.tester.text as (s: string) => boolean;
    const rec = this.unexpected;
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c < 0) continue;
      let v = verdicts[c];
      if (v === VERDICT_UNKNOWN) {
        v = test(dict[c]) ? VERDICT_OK : VERDICT_BAD;
        verdicts[c] = v;
      }
      if (v === VERDICT_BAD) rec.add(rowStart + i, dict[c]);
    }
  }
}

/**
 * expect_column_values_to_(not_)be_null: the rows that are missing (not_be_null) or
 * that hold anything (be_null) are unexpected.
 */
export class MissingCheck implements ColumnCheck {
  readonly unexpected: Unexpected;

  constructor(
    readonly info: ColumnInfo,
    private readonly wantMissing: boolean,
    limit: number,
  ) {
    this.unexpected = new Unexpected(limit);
  }

  consume(col: Column, rowStart: number): void {
    const state = col.state;
    const rec = this.unexpected;
    const n = 'codes' in col ? col.codes.length : col.values.length;
    const values = 'values' in col ? col.values : null;
    const numeric = values !== null && col.kind !== 'boolean';
    if (!this.wantMissing) {
      if (col.nullCount === 0 && !numeric) return;
      for (let i = 0; i < n; i++) {
        const isNull =
          (state !== null && state[i] === CellState.NULL) ||
          (numeric && (state === null || state[i] === CellState.VALUE) && values[i] !== values[i]);
        if (isNull) rec.add(rowStart + i, null);
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      if (state !== null && state[i] === CellState.NULL) continue;
      if (state !== null && state[i] === CellState.MISMATCH) {
        rec.add(rowStart + i, col.mismatches?.get(i) ?? null);
        continue;
      }
      if ('codes' in col) rec.add(rowStart + i, col.dictionary[col.codes[i]]);
      else if (col.kind === 'boolean') rec.add(rowStart + i, col.values[i] === 1);
      else {
        const v = col.values[i];
        if (v !== v) continue;
        rec.add(rowStart + i, col.kind === 'datetime' ? isoOf(v) : v);
      }
    }
  }
}

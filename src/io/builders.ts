/**
 * Column builders: fill one batch's arrays for one column, from CSV fields (bytes, the
 * hot path) or from JavaScript values (JSON Lines, Parquet, records). They decide what
 * is null and what does not fit the column's kind, the same way for every format.
 */
import { ByteDict } from './byte-dict.js';
import type { FieldTable } from './csv-tokenizer.js';
import { toJsonText } from './json-text.js';
import { rowMajorColumn, type RowMajorSink } from './row-major.js';
import { CellState } from './types.js';
import type { Column, ColumnInfo, ColumnIssue, ColumnKind, MismatchExample } from './types.js';
import {
  parseBooleanText,
  parseDatetimeText,
  parseNumberText,
  parsePlainDecimalBytes,
} from './values.js';

export const MAX_MISMATCH_EXAMPLES = 5;

/** Mismatch counts and first examples per column, over one pass. */
export class IssueLog {
  private readonly byColumn = new Map<string, ColumnIssue>();

  /** @param order column names in schema order, the order `list()` follows */
  constructor(private readonly order: readonly string[]) {}

  record(column: string, kind: ColumnKind, example: MismatchExample): void {
    let issue = this.byColumn.get(column);
    if (issue === undefined) {
      issue = { column, kind, mismatches: 0, examples: [] };
      this.byColumn.set(column, issue);
    }
    issue.mismatches++;
    if (issue.examples.length < MAX_MISMATCH_EXAMPLES) issue.examples.push(example);
  }

  list(): ColumnIssue[] {
    return this.order.flatMap((name) => {
      const i = this.byColumn.get(name);
      return i === undefined ? [] : [{ ...i, examples: [...i.examples] }];
    });
  }

  clear(): void {
    this.byColumn.clear();
  }
}

export interface BuildContext {
  nullTokens: ReadonlySet<string>;
  maxDictionary: number;
  issues: IssueLog;
}

/** The text of a CSV field, with doubled quotes undone when the tokenizer saw them. */
export function fieldText(buf: Buffer, table: FieldTable, k: number): string {
  const text = buf.toString('utf8', table.starts[k], table.ends[k]);
  return table.quoted[k] === 2 ? text.replaceAll('""', '"') : text;
}

/**
 * The text of a JavaScript value (JSON Lines, Parquet) in a text column, or shown for
 * one that does not fit its column: lists, structs and maps become JSON.
 */
function rawText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return toJsonText(v);
}

/**
 * Rows of one Parquet page, as the Parquet reader hands them to builders. Numeric
 * pages: a Float64Array and `nulls` (1 marks a null row whatever `values` holds
 * there). Dictionary-encoded text: `values` holds indices into `dictionary`, -1 for
 * null. Otherwise a JavaScript value per row, null for null.
 */
export interface PageValues {
  values: ArrayLike<unknown>;
  nulls: Uint8Array | null;
  dictionary: ArrayLike<unknown> | null;
}

export abstract class ColumnBuilder {
  protected state: Uint8Array | null = null;
  protected nullCount = 0;
  protected mismatchCount = 0;
  protected mismatches: Map<number, string> | null = null;
  protected rowStart = 0;
  protected capacity = 0;

  constructor(
    readonly info: ColumnInfo,
    protected readonly ctx: BuildContext,
  ) {}

  begin(capacity: number, rowStart: number): void {
    this.capacity = capacity;
    this.rowStart = rowStart;
    this.state = null;
    this.nullCount = 0;
    this.mismatchCount = 0;
    this.mismatches = null;
    this.allocate(capacity);
  }

  protected abstract allocate(capacity: number): void;

  /** Convert field `field` of `rows` tokenized rows into batch rows at, at+1, ... */
  abstract fromFields(
    buf: Buffer,
    table: FieldTable,
    field: number,
    rows: number,
    at: number,
  ): void;

  /** Convert one JavaScript value (JSON, Parquet) into batch row i. */
  abstract fromValue(v: unknown, i: number): void;

  /** Convert data[offset, offset + count) into batch rows at, at+1, ... */
  fromValues(data: ArrayLike<unknown>, offset: number, count: number, at: number): void {
    for (let r = 0; r < count; r++) this.fromValue(data[offset + r], at + r);
  }

  /** Convert rows [offset, offset + count) of a page into batch rows at, at+1, ... */
  fromPage(page: PageValues, offset: number, count: number, at: number): void {
    const { values, nulls, dictionary } = page;
    if (dictionary !== null) {
      for (let r = 0; r < count; r++) {
        const k = values[offset + r] as number;
        this.fromValue(k < 0 ? null : dictionary[k], at + r);
      }
    } else if (nulls === null) this.fromValues(values, offset, count, at);
    else {
      for (let r = 0; r < count; r++)
        this.fromValue(nulls[offset + r] === 1 ? null : values[offset + r], at + r);
    }
  }

  abstract finish(length: number): Column;

  /** Convert one unquoted CSV field buf[start, end) into batch row i (csv-fast.ts). */
  abstract fromBytes(buf: Buffer, start: number, end: number, i: number): void;

  protected markNull(i: number): void {
    (this.state ??= new Uint8Array(this.capacity))[i] = CellState.NULL;
    this.nullCount++;
  }

  /** Rows a page's `nulls` marks in a Float64Array column: NaN and CellState.NULL. */
  protected markPageNulls(
    values: Float64Array,
    nulls: Uint8Array,
    offset: number,
    count: number,
    at: number,
  ): void {
    for (let r = 0; r < count; r++) {
      if (nulls[offset + r] !== 1) continue;
      values[at + r] = NaN;
      this.markNull(at + r);
    }
  }

  protected markMismatch(i: number, raw: string): void {
    (this.state ??= new Uint8Array(this.capacity))[i] = CellState.MISMATCH;
    this.mismatchCount++;
    (this.mismatches ??= new Map()).set(i, raw);
    this.ctx.issues.record(this.info.name, this.info.kind, {
      rowIndex: this.rowStart + i,
      value: raw,
    });
  }

  protected base(length: number): {
    name: string;
    state: Uint8Array | null;
    nullCount: number;
    mismatchCount: number;
    mismatches: ReadonlyMap<number, string> | null;
  } {
    return {
      name: this.info.name,
      state: this.state === null ? null : this.state.subarray(0, length),
      nullCount: this.nullCount,
      mismatchCount: this.mismatchCount,
      mismatches: this.mismatches,
    };
  }
}

/**
 * number and integer: Float64Array with NaN in empty slots, or, for a column of a
 * row-major matrix (row-major.ts), the column's slot in every row of the matrix.
 */
export class NumberBuilder extends ColumnBuilder {
  /** where cell i goes: values[i * stride + slot] */
  private values: Float64Array | Float32Array = new Float64Array(0);
  private stride = 1;
  private readonly slot: number;
  private readonly integer = this.info.kind === 'integer';
  /** a null token that reads as a number (say "-999") rules out the byte fast path */
  private readonly numericNullToken = [...this.ctx.nullTokens].some(
    (t) => parseNumberText(t) !== undefined,
  );

  constructor(
    info: ColumnInfo,
    ctx: BuildContext,
    private readonly matrix: RowMajorSink | null = null,
  ) {
    super(info, ctx);
    this.slot = matrix === null ? 0 : matrix.columns.indexOf(info.name);
  }

  protected allocate(capacity: number): void {
    if (this.matrix === null) this.values = new Float64Array(capacity);
    else {
      // the reader began the sink's matrix for this batch
      this.values = this.matrix.values;
      this.stride = this.matrix.width;
    }
  }

  private set(i: number, v: number): void {
    this.values[i * this.stride + this.slot] = v;
  }

  fromFields(buf: Buffer, table: FieldTable, field: number, rows: number, at: number): void {
    const { values, stride, slot } = this;
    const { starts, ends } = table;
    const nc = table.ncols;
    const integer = this.integer;
    if (this.numericNullToken) {
      for (let r = 0, k = field; r < rows; r++, k += nc)
        this.fromText(fieldText(buf, table, k), at + r);
      return;
    }
    for (let r = 0, k = field; r < rows; r++, k += nc) {
      const v = parsePlainDecimalBytes(buf, starts[k], ends[k]);
      // v === v: not NaN, i.e. the fast path took it.
      if (v === v && (!integer || Number.isInteger(v))) values[(at + r) * stride + slot] = v;
      else this.fromText(fieldText(buf, table, k), at + r);
    }
  }

  override fromValues(data: ArrayLike<unknown>, offset: number, count: number, at: number): void {
    // (a row-major matrix is CSV's alone: one value at a time keeps this right anyway)
    if (this.matrix !== null) return super.fromValues(data, offset, count, at);
    const values = this.values as Float64Array;
    // Parquet's required numeric columns arrive as typed arrays: copy them whole.
    if (
      data instanceof Float64Array ||
      data instanceof Float32Array ||
      data instanceof Int32Array ||
      data instanceof Uint32Array
    ) {
      if (!this.integer || !(data instanceof Float64Array || data instanceof Float32Array)) {
        values.set(data.subarray(offset, offset + count), at);
        return;
      }
    }
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
      // past ±2^53 the nearest double, as pandas gives for an int64 column with nulls
      for (let r = 0; r < count; r++) values[at + r] = Number(data[offset + r]);
      return;
    }
    super.fromValues(data, offset, count, at);
  }

  override fromPage(page: PageValues, offset: number, count: number, at: number): void {
    if (page.dictionary !== null || this.matrix !== null)
      return super.fromPage(page, offset, count, at);
    this.fromValues(page.values, offset, count, at);
    if (page.nulls !== null)
      this.markPageNulls(this.values as Float64Array, page.nulls, offset, count, at);
  }

  /** Whether csv-fast may parse plain decimals itself and write them to `store`. */
  get fastDecimals(): boolean {
    return !this.integer && !this.numericNullToken;
  }

  /** The same for an integer column: csv-fast stores the plain decimals that are integers. */
  get fastIntegers(): boolean {
    return this.integer && !this.numericNullToken;
  }

  /** Where csv-fast writes a plain decimal of batch row i: values[i * stride + slot]. */
  get store(): { values: Float64Array | Float32Array; stride: number; slot: number } {
    return { values: this.values, stride: this.stride, slot: this.slot };
  }

  fromBytes(buf: Buffer, start: number, end: number, i: number): void {
    const v = this.numericNullToken ? NaN : parsePlainDecimalBytes(buf, start, end);
    if (v === v && (!this.integer || Number.isInteger(v))) this.set(i, v);
    else this.fromText(buf.toString('utf8', start, end), i);
  }

  private fromText(text: string, i: number): void {
    if (this.ctx.nullTokens.has(text)) return this.setNull(i);
    const v = parseNumberText(text);
    if (v === undefined || (this.integer && Number.isFinite(v) && !Number.isInteger(v))) {
      this.set(i, NaN);
      return this.markMismatch(i, text);
    }
    this.set(i, v);
  }

  private setNull(i: number): void {
    this.set(i, NaN);
    this.markNull(i);
  }

  fromValue(v: unknown, i: number): void {
    if (typeof v === 'number') {
      if (this.integer && Number.isFinite(v) && !Number.isInteger(v)) {
        this.set(i, NaN);
        return this.markMismatch(i, String(v));
      }
      this.set(i, v);
    } else if (v === null || v === undefined) this.setNull(i);
    else if (typeof v === 'string') this.fromText(v, i);
    else if (typeof v === 'bigint') this.fromValue(Number(v), i);
    else {
      this.set(i, NaN);
      this.markMismatch(i, rawText(v));
    }
  }

  finish(length: number): Column {
    const kind = this.info.kind as 'number' | 'integer';
    if (this.matrix !== null)
      return rowMajorColumn(this.base(length), kind, this.values, this.stride, this.slot, length);
    return {
      ...this.base(length),
      kind,
      values: (this.values as Float64Array).subarray(0, length),
    };
  }
}

class DatetimeBuilder extends ColumnBuilder {
  private values = new Float64Array(0);

  protected allocate(capacity: number): void {
    this.values = new Float64Array(capacity);
  }

  override fromPage(page: PageValues, offset: number, count: number, at: number): void {
    // Parquet datetime pages arrive as epoch milliseconds in a Float64Array
    const { values, nulls } = page;
    if (!(values instanceof Float64Array) || page.dictionary !== null)
      return super.fromPage(page, offset, count, at);
    this.values.set(values.subarray(offset, offset + count), at);
    if (nulls !== null) this.markPageNulls(this.values, nulls, offset, count, at);
  }

  fromFields(buf: Buffer, table: FieldTable, field: number, rows: number, at: number): void {
    for (let r = 0, k = field; r < rows; r++, k += table.ncols)
      this.fromText(fieldText(buf, table, k), at + r);
  }

  fromBytes(buf: Buffer, start: number, end: number, i: number): void {
    this.fromText(buf.toString('utf8', start, end), i);
  }

  private fromText(text: string, i: number): void {
    if (this.ctx.nullTokens.has(text)) {
      this.values[i] = NaN;
      return this.markNull(i);
    }
    const t = parseDatetimeText(text);
    if (t === undefined) {
      this.values[i] = NaN;
      return this.markMismatch(i, text);
    }
    this.values[i] = t;
  }

  fromValue(v: unknown, i: number): void {
    if (v instanceof Date) this.values[i] = v.getTime();
    else if (typeof v === 'string') this.fromText(v, i);
    else if (typeof v === 'number') this.values[i] = v;
    else if (typeof v === 'bigint') this.values[i] = Number(v);
    else if (v === null || v === undefined) {
      this.values[i] = NaN;
      this.markNull(i);
    } else {
      this.values[i] = NaN;
      this.markMismatch(i, rawText(v));
    }
  }

  finish(length: number): Column {
    return { ...this.base(length), kind: 'datetime', values: this.values.subarray(0, length) };
  }
}

const NULL_CODE = -1;
/** BooleanBuilder: codes below this are mismatches (-2 - index into `badTexts`). */
const BAD_CODE = -2;
const MAX_BAD_BOOLEANS = 4096;

class BooleanBuilder extends ColumnBuilder {
  private values = new Uint8Array(0);
  private badTexts: string[] = [];
  private dict = this.newDict();

  private newDict(): ByteDict {
    return new ByteDict((text) => {
      if (this.ctx.nullTokens.has(text)) return NULL_CODE;
      const b = parseBooleanText(text);
      if (b !== undefined) return b ? 1 : 0;
      this.badTexts.push(text);
      return BAD_CODE - (this.badTexts.length - 1);
    });
  }

  protected allocate(capacity: number): void {
    this.values = new Uint8Array(capacity);
    // A column of unique non-booleans would otherwise grow the table without end.
    if (this.badTexts.length > MAX_BAD_BOOLEANS) {
      this.badTexts = [];
      this.dict = this.newDict();
    }
  }

  fromFields(buf: Buffer, table: FieldTable, field: number, rows: number, at: number): void {
    for (let r = 0, k = field; r < rows; r++, k += table.ncols) {
      const code =
        table.quoted[k] === 2
          ? this.codeOfText(fieldText(buf, table, k))
          : this.dict.codeOf(buf, table.starts[k], table.ends[k]);
      this.put(code, at + r);
    }
  }

  fromBytes(buf: Buffer, start: number, end: number, i: number): void {
    this.put(this.dict.codeOf(buf, start, end), i);
  }

  private codeOfText(text: string): number {
    const bytes = Buffer.from(text);
    return this.dict.codeOf(bytes, 0, bytes.length);
  }

  private put(code: number, i: number): void {
    if (code >= 0) this.values[i] = code;
    else if (code === NULL_CODE) this.markNull(i);
    else this.markMismatch(i, this.badTexts[BAD_CODE - code]);
  }

  fromValue(v: unknown, i: number): void {
    if (typeof v === 'boolean') this.values[i] = v ? 1 : 0;
    else if (v === null || v === undefined) this.markNull(i);
    else if (v === 0 || v === 1) this.values[i] = v;
    else if (typeof v === 'string') this.put(this.codeOfText(v), i);
    else this.markMismatch(i, rawText(v));
  }

  finish(length: number): Column {
    return { ...this.base(length), kind: 'boolean', values: this.values.subarray(0, length) };
  }
}

/**
 * string and category: codes into a dictionary shared across batches (see TextColumn).
 * CSV cells are looked up by their bytes, JavaScript values by their string.
 */
export class TextBuilder extends ColumnBuilder {
  private codes = new Int32Array(0);
  private dictionary: string[] = [];
  private byBytes: ByteDict = this.newByteDict();
  private byString = new Map<string, number>();

  private newByteDict(): ByteDict {
    return new ByteDict((text) => (this.ctx.nullTokens.has(text) ? NULL_CODE : this.add(text)));
  }

  private add(text: string): number {
    this.dictionary.push(text);
    return this.dictionary.length - 1;
  }

  protected allocate(capacity: number): void {
    this.codes = new Int32Array(capacity);
    if (this.dictionary.length > this.ctx.maxDictionary) {
      // A new array object tells consumers that codes start over.
      this.dictionary = [];
      this.byBytes = this.newByteDict();
      this.byString = new Map();
    }
  }

  fromFields(buf: Buffer, table: FieldTable, field: number, rows: number, at: number): void {
    const codes = this.codes;
    const dict = this.byBytes;
    const { starts, ends, quoted } = table;
    const nc = table.ncols;
    for (let r = 0, k = field; r < rows; r++, k += nc) {
      let code: number;
      if (quoted[k] === 2) {
        const bytes = Buffer.from(fieldText(buf, table, k));
        code = dict.codeOf(bytes, 0, bytes.length);
      } else code = dict.codeOf(buf, starts[k], ends[k]);
      codes[at + r] = code;
      if (code === NULL_CODE) this.markNull(at + r);
    }
  }

  fromBytes(buf: Buffer, start: number, end: number, i: number): void {
    this.put(this.byBytes.codeOf(buf, start, end), i);
  }

  get byteDict(): ByteDict {
    return this.byBytes;
  }

  /** Codes of a Parquet page dictionary's entries, looked up once per entry (-2: not yet). */
  private pageDictionary: ArrayLike<unknown> | null = null;
  private pageCodes = new Int32Array(0);
  private pageCodesOf: readonly string[] | null = null;

  override fromPage(page: PageValues, offset: number, count: number, at: number): void {
    const { values, dictionary } = page;
    if (dictionary === null) return super.fromPage(page, offset, count, at);
    // a new page dictionary, or the builder started a new dictionary of its own
    if (dictionary !== this.pageDictionary || this.pageCodesOf !== this.dictionary) {
      this.pageDictionary = dictionary;
      this.pageCodesOf = this.dictionary;
      this.pageCodes = new Int32Array(dictionary.length).fill(-2);
    }
    const map = this.pageCodes;
    const codes = this.codes;
    for (let r = 0; r < count; r++) {
      const k = values[offset + r] as number;
      if (k < 0) {
        codes[at + r] = NULL_CODE;
        this.markNull(at + r);
        continue;
      }
      let code = map[k];
      if (code === -2) code = map[k] = this.codeOfValue(dictionary[k]);
      codes[at + r] = code;
    }
  }

  /** Store a code from byteDict for row i. */
  put(code: number, i: number): void {
    this.codes[i] = code;
    if (code === NULL_CODE) this.markNull(i);
  }

  fromValue(v: unknown, i: number): void {
    if (v === null || v === undefined) {
      this.codes[i] = NULL_CODE;
      return this.markNull(i);
    }
    this.codes[i] = this.codeOfValue(v);
  }

  private codeOfValue(v: unknown): number {
    const text = rawText(v);
    let code = this.byString.get(text);
    if (code === undefined) {
      code = this.add(text);
      this.byString.set(text, code);
    }
    return code;
  }

  finish(length: number): Column {
    return {
      ...this.base(length),
      kind: this.info.kind as 'string' | 'category',
      codes: this.codes.subarray(0, length),
      dictionary: this.dictionary,
    };
  }
}

/** `rowMajor`: the matrix the columns it names are parsed into (CSV), if any. */
export function createBuilder(
  info: ColumnInfo,
  ctx: BuildContext,
  rowMajor: RowMajorSink | null = null,
): ColumnBuilder {
  switch (info.kind) {
    case 'number':
    case 'integer':
      return new NumberBuilder(
        info,
        ctx,
        rowMajor !== null && rowMajor.columns.includes(info.name) ? rowMajor : null,
      );
    case 'datetime':
      return new DatetimeBuilder(info, ctx);
    case 'boolean':
      return new BooleanBuilder(info, ctx);
    case 'string':
    case 'category':
      return new TextBuilder(info, ctx);
  }
}

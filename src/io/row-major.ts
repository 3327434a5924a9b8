/**
 * Numeric columns parsed straight into a row-major matrix (OpenTableOptions.rowMajor):
 * what a model's input tensor takes, without a column-to-row copy after reading. The
 * sink owns one matrix per batch; each column's NumberBuilder writes its cells at its
 * slot of every row.
 */
import type { Column, ColumnInfo, RowMajorType, RowMajorValues } from './types.js';

export class RowMajorSink {
  values: Float32Array | Float64Array;

  constructor(
    readonly type: RowMajorType,
    readonly columns: readonly string[],
    /** one matrix for every batch (OpenTableOptions.rowMajor.reuse) */
    readonly reuse = false,
  ) {
    this.values = this.allocate(0);
  }

  get width(): number {
    return this.columns.length;
  }

  /**
   * The matrix for the next batch: a new one (the last one stays with the batch it was
   * given in), or with `reuse` the same one while it is large enough.
   */
  begin(capacity: number): void {
    const n = capacity * this.width;
    if (!this.reuse || this.values.length < n) this.values = this.allocate(n);
  }

  finish(length: number): RowMajorValues {
    return {
      type: this.type,
      values: this.values.subarray(0, length * this.width),
      columns: this.columns,
    };
  }

  private allocate(n: number): Float32Array | Float64Array {
    return this.type === 'float32' ? new Float32Array(n) : new Float64Array(n);
  }
}

/**
 * The sink for `wanted`, or null when a reader cannot fill one: a column not among
 * the batch's columns, or one that is not read as a number.
 */
export function rowMajorSink(
  wanted: { columns: readonly string[]; type: RowMajorType; reuse?: boolean } | undefined,
  columns: readonly ColumnInfo[],
): RowMajorSink | null {
  if (!wanted || wanted.columns.length === 0) return null;
  if (new Set(wanted.columns).size !== wanted.columns.length) return null;
  for (const name of wanted.columns) {
    const info = columns.find((c) => c.name === name);
    if (!info || (info.kind !== 'number' && info.kind !== 'integer')) return null;
  }
  return new RowMajorSink(wanted.type, wanted.columns, wanted.reuse === true);
}

/**
 * A column whose values live in a row-major matrix: `values` is gathered from its slot
 * on first access (most consumers of a row-major batch never ask).
 */
export function rowMajorColumn(
  base: Omit<Column, 'kind' | 'values' | 'codes' | 'dictionary'>,
  kind: 'number' | 'integer',
  matrix: Float32Array | Float64Array,
  width: number,
  slot: number,
  length: number,
): Column {
  let values: Float64Array | null = null;
  return {
    ...base,
    kind,
    get values(): Float64Array {
      if (values === null) {
        values = new Float64Array(length);
        for (let i = 0, k = slot; i < length; i++, k += width) values[i] = matrix[k];
      }
      return values;
    },
  };
}

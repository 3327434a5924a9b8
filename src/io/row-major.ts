/**
 * Numeric columns parsed straight into a row-major matrix (OpenTableOptions.rowMajor):
 * what a model's input tensor takes, without a column-to-row copy after reading. The
 * sink owns one matrix per batch; each column's NumberBuilder writes its cells at its
 * slot of every row.
 */
import { MloError } from '../errors.js';
import type { Column, ColumnInfo, RowMajorType, RowMajorValues } from './types.js';

export class RowMajorSink {
  values: Float32Array | Float64Array;
  /** batches begun so far: a reused matrix belongs to the last one only */
  generation = 0;

  constructor(
    readonly type: RowMajorType,
    readonly columns: readonly string[],
    private readonly reuse: boolean,
  ) {
    this.values = this.allocate(0);
  }

  get width(): number {
    return this.columns.length;
  }

  /**
   * The matrix for the next batch: a new one (the last stays with the batch it was
   * given in), or with `reuse` the same one while it is large enough. Every cell of a
   * batch's rows is written as they are parsed, so a reused matrix needs no clearing.
   */
  begin(capacity: number): void {
    this.generation++;
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
 * on first access (most consumers of a row-major batch never ask). A reused matrix
 * holds the next batch once that has begun: asking then is a bug in the caller.
 */
export function rowMajorColumn(
  base: Omit<Column, 'kind' | 'values' | 'codes' | 'dictionary'>,
  kind: 'number' | 'integer',
  sink: RowMajorSink,
  slot: number,
  length: number,
): Column {
  const matrix = sink.values;
  const width = sink.width;
  const generation = sink.generation;
  let values: Float64Array | null = null;
  return {
    ...base,
    kind,
    get values(): Float64Array {
      if (values === null) {
        if (sink.generation !== generation && sink.values === matrix)
          throw new MloError(
            'INTERNAL',
            `column "${base.name}": its values were read after the next batch reused its matrix`,
          );
        values = new Float64Array(length);
        for (let i = 0, k = slot; i < length; i++, k += width) values[i] = matrix[k];
      }
      return values;
    },
  };
}

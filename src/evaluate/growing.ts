/**
 * Columns that grow batch by batch: an evaluation keeps every row's prediction,
 * probability and target until the metrics run. Typed arrays that double when full
 * keep a number in 8 (or 4) bytes instead of a JS array slot per row, and take a
 * batch with one `set` instead of a push per row.
 */
import type { Label } from './metrics/index.js';

type FloatArray = Float32Array | Float64Array;

export class GrowingFloats<A extends FloatArray> {
  private data: A;
  length = 0;

  constructor(private readonly make: (n: number) => A) {
    this.data = make(1024);
  }

  push(values: ArrayLike<number>): void {
    const need = this.length + values.length;
    if (need > this.data.length) {
      const bigger = this.make(Math.max(need, this.data.length * 2));
      bigger.set(this.data.subarray(0, this.length));
      this.data = bigger;
    }
    this.data.set(values, this.length);
    this.length = need;
  }

  /** The values so far (a view: later pushes may or may not show in it). */
  values(): A {
    return this.data.subarray(0, this.length) as A;
  }
}

export const growingFloat32 = (): GrowingFloats<Float32Array> =>
  new GrowingFloats((n) => new Float32Array(n));
export const growingFloat64 = (): GrowingFloats<Float64Array> =>
  new GrowingFloats((n) => new Float64Array(n));

/**
 * Class labels, as numbers in a Float64Array while every label is a number (int64 and
 * int32 label outputs), else as a plain array.
 */
export class GrowingLabels {
  private numbers: GrowingFloats<Float64Array> | null = growingFloat64();
  private mixed: Label[] | null = null;

  get length(): number {
    return this.numbers ? this.numbers.length : (this.mixed as Label[]).length;
  }

  push(labels: ArrayLike<Label>): void {
    if (this.numbers && allNumbers(labels)) {
      this.numbers.push(labels as ArrayLike<number>);
      return;
    }
    if (this.numbers) {
      this.mixed = Array.from(this.numbers.values());
      this.numbers = null;
    }
    const out = this.mixed as Label[];
    for (let i = 0; i < labels.length; i++) out.push(labels[i]);
  }

  values(): Float64Array | Label[] {
    return this.numbers ? this.numbers.values() : (this.mixed as Label[]);
  }
}

function allNumbers(labels: ArrayLike<Label>): boolean {
  if (ArrayBuffer.isView(labels)) return true;
  for (let i = 0; i < labels.length; i++) if (typeof labels[i] !== 'number') return false;
  return true;
}

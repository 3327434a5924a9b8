/** Small numeric helpers shared by the metrics. */
import { MloError } from '../../errors.js';

/**
 * Neumaier-compensated sum: numpy sums with pairwise summation, so a naive loop
 * over a million float64 values can drift from it by ~1e-10 relative; this keeps
 * us within a few ulps of the exact sum instead.
 */
export class CompensatedSum {
  private sum = 0;
  private carry = 0;

  add(x: number): void {
    const t = this.sum + x;
    if (Math.abs(this.sum) >= Math.abs(x)) this.carry += this.sum - t + x;
    else this.carry += x - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    return this.sum + this.carry;
  }
}

/** First row whose value is NaN, or -1. */
export function firstNaN(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) return i;
  }
  return -1;
}

export function checkSameLength(
  a: { name: string; length: number },
  b: { name: string; length: number },
): void {
  if (a.length !== b.length) {
    throw new MloError('INVALID', `${a.name} has ${a.length} rows but ${b.name} has ${b.length}`);
  }
}

/**
 * Text values as small integers whose order is SQLite's BINARY order (UTF-8 bytes),
 * so the in-memory table compares and sorts text as `mlo runs list` does in SQL
 * without comparing strings per run.
 */

/** UTF-8 byte order: code point order, which UTF-16 code unit order is not. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // a surrogate (an astral code point) sorts above every BMP unit in UTF-8
    const hx = x >= 0xd800 && x <= 0xdfff;
    const hy = y >= 0xd800 && y <= 0xdfff;
    if (hx !== hy) return hx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

export class Dictionary {
  /** distinct values in byte order; a value's code is its index */
  readonly values: string[];
  private readonly index: Map<string, number>;

  constructor(distinct: Iterable<string>) {
    this.values = [...new Set(distinct)].sort(compareUtf8);
    this.index = new Map(this.values.map((v, i) => [v, i]));
  }

  code(value: string): number {
    return this.index.get(value) ?? -1;
  }

  /** the first code whose value is >= `value`, and whether it is equal */
  lowerBound(value: string): { at: number; exact: boolean } {
    let lo = 0;
    let hi = this.values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareUtf8(this.values[mid], value) < 0) lo = mid + 1;
      else hi = mid;
    }
    return { at: lo, exact: lo < this.values.length && this.values[lo] === value };
  }
}

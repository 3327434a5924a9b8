import { describe, expect, it } from 'vitest';
import { splitFinite, sortFloat64, sortedFinite } from '../../../src/monitor/stats/index.js';
import { normals, rng } from './helpers.js';

describe('sortFloat64', () => {
  it('orders large arrays (radix path) exactly as a numeric comparison sort does', () => {
    const r = rng(1);
    const n = 70_000;
    const a = new Float64Array(n);
    const specials = [
      0, -0, 5e-324, -5e-324, 1.7976931348623157e308, -1.7976931348623157e308, 1, -1,
    ];
    for (let i = 0; i < n; i++) {
      const u = r();
      a[i] =
        i < specials.length
          ? specials[i]
          : u < 0.3
            ? Math.floor(u * 50) - 7
            : (u - 0.5) * 10 ** Math.floor(r() * 40 - 20);
    }
    const expected = Array.from(a).sort((x, y) => x - y);
    const got = Array.from(sortFloat64(a.slice()));
    // -0 and +0 compare equal; compare numerically
    expect(got.every((v, i) => v === expected[i])).toBe(true);
    expect(got.every((v, i) => i === 0 || v >= got[i - 1])).toBe(true);
  });

  it.each([
    ['dense: one hi word, lo words sorted byte-wise', (u: number) => 1 + u * 1e-9],
    ['mid-dense: short runs of equal hi words', (u: number) => 100 + u * 1e-3],
    ['integers and halves: lo words already in order', (u: number) => Math.floor(u * 200) / 2 - 50],
  ])('%s', (_name, f) => {
    const r = rng(9);
    const a = Float64Array.from({ length: 50_000 }, () => f(r()));
    const expected = a.slice().sort();
    expect(sortFloat64(a).every((v, i) => v === expected[i])).toBe(true);
  });

  it('sorts small arrays and keeps the same values', () => {
    const a = normals(1000, 2);
    const got = sortFloat64(a.slice());
    expect(Array.from(got)).toEqual(Array.from(a).sort((x, y) => x - y));
  });
});

describe('splitFinite', () => {
  it('counts NaN and ±inf as nulls and drops them, turning -0 into +0', () => {
    const f = splitFinite([1, NaN, -Infinity, -0, Infinity, 2]);
    expect(Array.from(f.values)).toEqual([1, 0, 2]);
    expect(Object.is(f.values[1], 0)).toBe(true);
    expect(f.nulls).toBe(3);
    expect(Array.from(sortedFinite([3, NaN, 1, 2]).values)).toEqual([1, 2, 3]);
  });
});

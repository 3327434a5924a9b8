import { describe, expect, it } from 'vitest';
import { percentilesOf } from '../../../src/evaluate/metrics/index.js';
import { selectInPlace, sortFloats } from '../../../src/evaluate/metrics/sort.js';

function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('sortFloats (radix) agrees with TypedArray#sort', () => {
  const rand = seeded(1);
  const special = [0, -0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, 1e308, -1e308];
  const cases: [string, () => number][] = [
    ['uniform [0, 1)', () => rand()],
    ['mixed signs and magnitudes', () => (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20)],
    ['heavy ties', () => Math.round(rand() * 5) / 5],
    ['specials', () => special[Math.floor(rand() * special.length)]],
    ['one value', () => 0.25],
    ['doubles that are exact float32 values', () => Math.fround((rand() - 0.3) * 1e6)],
  ];
  for (const [name, gen] of cases) {
    for (const Ctor of [Float64Array, Float32Array]) {
      it(`${name}, ${Ctor.name}`, () => {
        const values = new Ctor(5000);
        for (let i = 0; i < values.length; i++) values[i] = gen();
        const expected = Ctor.from(values).sort();
        const got = sortFloats(Ctor.from(values));
        // Object.is tells -0 from +0
        const same = Array.from(got).every((v, i) => Object.is(v, expected[i]));
        expect(same).toBe(true);
      });
    }
  }
});

describe('selectInPlace', () => {
  it('puts the k-th smallest at k with smaller values before and larger after', () => {
    const rand = seeded(9);
    for (const gen of [() => rand(), () => Math.round(rand() * 3), () => 1]) {
      const values = Float64Array.from({ length: 3001 }, gen);
      const sorted = Float64Array.from(values).sort();
      for (const k of [0, 1, 1500, 2999, 3000]) {
        const v = Float64Array.from(values);
        selectInPlace(v, k);
        expect(v[k]).toBe(sorted[k]);
        expect(v.subarray(0, k).every((x) => x <= v[k])).toBe(true);
        expect(v.subarray(k + 1).every((x) => x >= v[k])).toBe(true);
      }
    }
  });

  it('percentilesOf agrees with interpolating a full sort, in any q order', () => {
    const rand = seeded(4);
    const values = Float64Array.from({ length: 2000 }, () => Math.round(rand() * 50) / 7);
    const sorted = Float64Array.from(values).sort();
    const qs = [99, 50, 0, 100, 95, 50.5, 12.3];
    const got = percentilesOf(values, qs);
    qs.forEach((q, i) => {
      const h = (sorted.length - 1) * (q / 100);
      const lo = sorted[Math.floor(h)];
      const hi = sorted[Math.min(Math.floor(h) + 1, sorted.length - 1)];
      expect(got[i]?.value).toBeCloseTo(lo + (hi - lo) * (h - Math.floor(h)), 12);
    });
  });
});

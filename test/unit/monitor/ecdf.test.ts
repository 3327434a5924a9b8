/** The unit-weight ECDF walk against the general one it stands in for. */
import { describe, expect, it } from 'vitest';
import { KllSketch } from '../../../src/monitor/profile/kll.js';
import {
  sortFloat64,
  unitWeighted,
  walkWeighted,
  walkWeightedUnit,
} from '../../../src/monitor/stats/index.js';

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 48271) % 2147483647) / 2147483647;
}

describe('walkWeightedUnit', () => {
  it('gives walkWeighted(a, unitWeighted(b)) to the bit: ties, shifts, sketches, empty sides', () => {
    const rand = rng(5);
    const sample = (n: number, shift: number, discrete: boolean) =>
      sortFloat64(
        Float64Array.from({ length: n }, () =>
          discrete ? Math.floor(rand() * 12) + shift : rand() * 10 + shift,
        ),
      );
    let compared = 0;
    for (const [na, nb, shift, discrete] of [
      [1000, 800, 0.3, false],
      [5000, 7000, 0, true],
      [0, 500, 0, false],
      [400, 0, 1, true],
      [50_000, 40_000, -0.2, false],
    ] as const) {
      const a = sample(na, 0, discrete);
      const b = sample(nb, shift, discrete);
      const sketch = new KllSketch(200);
      sketch.updateSorted(a);
      for (const wa of [unitWeighted(a), sketch.toWeighted()]) {
        const want = walkWeighted(wa, unitWeighted(b));
        const got = walkWeightedUnit(wa, b);
        expect(got).toEqual(want);
        if (na > 0 && nb > 0) expect(want.dPlus + want.dMinus).toBeGreaterThan(0);
        compared++;
      }
    }
    expect(compared).toBe(10);
  });
});

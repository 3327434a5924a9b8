import { describe, expect, it } from 'vitest';
import { KllSketch } from '../../../src/monitor/profile/index.js';
import { sortFloat64, unitWeighted, walkWeighted } from '../../../src/monitor/stats/index.js';
import { integers, normals, rng } from './helpers.js';

/** sup_x |F_sketch(x) - F_exact(x)| */
function cdfError(s: KllSketch, data: Float64Array): number {
  const w = walkWeighted(s.toWeighted(), unitWeighted(sortFloat64(data.slice())));
  return Math.max(w.dPlus, w.dMinus);
}

describe('KllSketch', () => {
  it('is exact while nothing has been compacted', () => {
    const s = new KllSketch(64);
    s.update([3, 1, 2]);
    const w = s.toWeighted();
    expect(Array.from(w.values)).toEqual([1, 2, 3]);
    expect(Array.from(w.cumWeights)).toEqual([1, 2, 3]);
    expect(s.rankErrorBound()).toBe(0);
  });

  it.each([
    ['normal, item updates', () => normals(200_000, 11), false],
    ['normal, sorted runs', () => normals(200_000, 12), true],
    ['discrete with heavy ties', () => integers(200_000, 13, 7), true],
  ] as const)('keeps the CDF within its own 99%% bound: %s', (_name, make, sortedRuns) => {
    const data = make();
    const s = new KllSketch(1024);
    for (let i = 0; i < data.length; i += 50_000) {
      const chunk = data.slice(i, i + 50_000);
      if (sortedRuns) s.updateSorted(sortFloat64(chunk));
      else s.update(chunk);
    }
    expect(s.count).toBe(data.length);
    expect(s.retained).toBeLessThan(4 * 1024);
    const err = cdfError(s, data);
    expect(s.rankErrorBound()).toBeGreaterThan(0);
    expect(err).toBeLessThanOrEqual(s.rankErrorBound());
    expect(s.rankErrorBound()).toBeLessThan(0.01);
  });

  it('merges: the merged sketch summarises both inputs within its bound', () => {
    const a = normals(120_000, 21);
    const b = normals(80_000, 22, 1, 2);
    const sa = new KllSketch(1024);
    const sb = new KllSketch(1024);
    sa.updateSorted(sortFloat64(a.slice()));
    sb.update(b);
    sa.merge(sb);
    const all = new Float64Array(200_000);
    all.set(a);
    all.set(b, a.length);
    expect(sa.count).toBe(200_000);
    expect(cdfError(sa, all)).toBeLessThanOrEqual(sa.rankErrorBound());
    expect(() => sa.merge(new KllSketch(512))).toThrow(/k=1024 and k=512/);
  });

  it('is deterministic and survives a state round trip', () => {
    const data = normals(50_000, 31);
    const s1 = new KllSketch(256);
    const s2 = new KllSketch(256);
    s1.update(data);
    s2.update(data);
    expect(s1.toState()).toEqual(s2.toState());
    const copy = KllSketch.fromState(s1.toState());
    copy.update([1, 2, 3]);
    s1.update([1, 2, 3]);
    expect(copy.toState()).toEqual(s1.toState());
  });

  it('toWeighted gives, bit for bit, what one stable comparator sort of all items gives', () => {
    const cases: [string, KllSketch][] = [];
    const add = (name: string, fill: (s: KllSketch) => void, k = 256): void => {
      const s = new KllSketch(k);
      fill(s);
      cases.push([name, s]);
    };
    add('item updates (unsorted level 0)', (s) => s.update(normals(20_000, 41)));
    add('sorted runs', (s) => {
      for (let i = 0; i < 4; i++) s.updateSorted(sortFloat64(normals(30_000, 50 + i, i, 3)));
    });
    add('heavy ties across levels', (s) => {
      s.update(integers(30_000, 61, 9));
      s.updateSorted(sortFloat64(integers(40_000, 62, 9)));
    });
    add('mixed signs, a few values', (s) => {
      const r = rng(71);
      for (let i = 0; i < 50; i++)
        s.update(Float64Array.from({ length: 997 }, () => Math.round((r() - 0.5) * 40) / 4));
    });
    add('merged sketches', (s) => {
      const other = new KllSketch(256);
      other.update(normals(25_000, 81, 2));
      s.updateSorted(sortFloat64(normals(25_000, 82)));
      s.merge(other);
      s.update([0, 1.5, 0, -3]);
    });
    add('-0 among the items', (s) => s.update([0, -0, 1, -0, 0, 2, -1]), 8);
    add(
      'the default k over a million sorted values',
      (s) => {
        s.updateSorted(sortFloat64(normals(1_000_000, 91, 30, 4).map((x) => Number(x.toFixed(6)))));
      },
      16384,
    );
    for (const [name, s] of cases) {
      const want = weightedBySort(s);
      const got = s.toWeighted();
      expect(got.count, name).toBe(want.count);
      expect(got.values.length, name).toBe(want.values.length);
      expect(Buffer.from(got.values.buffer).equals(Buffer.from(want.values.buffer)), name).toBe(
        true,
      );
      expect(
        Buffer.from(got.cumWeights.buffer).equals(Buffer.from(want.cumWeights.buffer)),
        name,
      ).toBe(true);
    }
  });
});

/** The reference: every retained item with its weight, one stable sort, equal values merged. */
function weightedBySort(s: KllSketch): {
  values: Float64Array;
  cumWeights: Float64Array;
  count: number;
} {
  const state = s.toState();
  const items: { v: number; w: number }[] = [];
  state.levels.forEach((level, h) => level.forEach((v) => items.push({ v, w: 2 ** h })));
  items.sort((a, b) => a.v - b.v);
  const values: number[] = [];
  const cum: number[] = [];
  let total = 0;
  for (const { v, w } of items) {
    total += w;
    if (values.length > 0 && values[values.length - 1] === v) cum[cum.length - 1] = total;
    else {
      values.push(v);
      cum.push(total);
    }
  }
  return { values: Float64Array.from(values), cumWeights: Float64Array.from(cum), count: state.n };
}

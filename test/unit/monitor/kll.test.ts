import { describe, expect, it } from 'vitest';
import { KllSketch } from '../../../src/monitor/profile/index.js';
import { sortFloat64, unitWeighted, walkWeighted } from '../../../src/monitor/stats/index.js';
import { integers, normals } from './helpers.js';

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
});

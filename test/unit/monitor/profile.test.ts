import { describe, expect, it } from 'vitest';
import {
  CategoricalProfiler,
  NumericProfiler,
  decodeProfile,
  encodeProfile,
  mergeCategoricalProfiles,
  mergeNumericProfiles,
  profileCategorical,
  profileNumeric,
  type CategoricalProfile,
  type NumericProfile,
} from '../../../src/monitor/profile/index.js';
import { isMloError } from '../../../src/errors.js';
import { integers, normals } from './helpers.js';

function naiveMoments(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length);
  return { mean, std };
}

describe('NumericProfiler', () => {
  it('profiles batches: nulls, moments, min/max, sorted values, numpy quantiles', () => {
    const p = new NumericProfiler();
    p.add([3, NaN, 1], 2);
    p.add(new Float64Array([Infinity, 2, -Infinity, 10]));
    p.add([]);
    const prof = p.finish();
    expect(prof.count).toBe(4);
    expect(prof.nulls).toBe(5);
    const m = naiveMoments([3, 1, 2, 10]);
    expect(prof.mean).toBeCloseTo(m.mean, 14);
    expect(prof.std).toBeCloseTo(m.std, 14);
    expect([prof.min, prof.max]).toEqual([1, 10]);
    expect(Array.from(prof.values!)).toEqual([1, 2, 3, 10]);
    expect(prof.sketch).toBeNull();
    // np.quantile([1,2,3,10], [0, .25, .5, .75, 1]) = [1, 1.75, 2.5, 4.75, 10]
    const q = Object.fromEntries(prof.quantiles.map((x) => [x.q, x.value]));
    expect([q[0], q[0.25], q[0.5], q[0.75], q[1]]).toEqual([1, 1.75, 2.5, 4.75, 10]);
    expect(Array.from(prof.distinct!.values)).toEqual([1, 2, 3, 10]);
    expect(prof.histogram.counts.reduce((s, c) => s + c, 0)).toBe(4);
  });

  it('an all-null column has count 0 and null moments, never NaN', () => {
    const prof = profileNumeric([NaN, NaN, Infinity]);
    expect(prof.count).toBe(0);
    expect(prof.nulls).toBe(3);
    expect([prof.mean, prof.std, prof.min, prof.max]).toEqual([null, null, null, null]);
    expect(JSON.stringify({ ...prof, values: null })).not.toMatch(/NaN/);
  });

  it('switches to a sketch past exactLimit and keeps exact moments and counts', () => {
    const data = normals(30_000, 5, 100, 3);
    const p = new NumericProfiler({ exactLimit: 10_000, bufferLimit: 12_000, sketchK: 512 });
    for (let i = 0; i < data.length; i += 7_000) p.add(data.subarray(i, i + 7_000));
    const prof = p.finish();
    expect(prof.values).toBeNull();
    expect(prof.sketch!.count).toBe(30_000);
    const m = naiveMoments(Array.from(data));
    expect(prof.mean).toBeCloseTo(m.mean, 10);
    expect(prof.std).toBeCloseTo(m.std, 10);
    expect(prof.min).toBe(Math.min(...data));
    expect(prof.distinct).toBeNull();
    const median = prof.quantiles.find((q) => q.q === 0.5)!.value;
    expect(Math.abs(median - 100)).toBeLessThan(0.2);
  });

  it('keeps value counts of discrete columns past the exact limit', () => {
    const data = integers(50_000, 6, 4);
    const prof = profileNumeric(data, { exactLimit: 1000, bufferLimit: 4096, sketchK: 256 });
    expect(prof.sketch).not.toBeNull();
    const expected = [0, 1, 2, 3].map((v) => data.filter((x) => x === v).length);
    expect(Array.from(prof.distinct!.values)).toEqual([0, 1, 2, 3]);
    expect(Array.from(prof.distinct!.counts)).toEqual(expected);
  });

  it('merging exact profiles equals profiling the concatenation', () => {
    const a = normals(3000, 7);
    const b = normals(2000, 8, 1);
    const merged = mergeNumericProfiles(profileNumeric(a), profileNumeric(b));
    const whole = profileNumeric([...a, ...b]);
    expect(Array.from(merged.values!)).toEqual(Array.from(whole.values!));
    expect(merged.mean).toBeCloseTo(whole.mean!, 12);
    expect(merged.std).toBeCloseTo(whole.std!, 12);
    expect(merged.quantiles).toEqual(whole.quantiles);
  });

  it('merging past the exact limit gives a sketch over both', () => {
    const opts = { exactLimit: 4000, sketchK: 256 };
    const merged = mergeNumericProfiles(
      profileNumeric(normals(3000, 9), opts),
      profileNumeric(normals(3000, 10), opts),
    );
    expect(merged.values).toBeNull();
    expect(merged.count).toBe(6000);
    expect(merged.sketch!.count).toBe(6000);
  });
});

describe('CategoricalProfiler', () => {
  it('counts dictionary-encoded and plain batches, nulls included', () => {
    const p = new CategoricalProfiler();
    p.add({ codes: new Int32Array([0, 1, 1, -1, 2, 0]), dictionary: ['a', 'b', null] });
    p.add(['b', null, 'c', undefined]);
    const prof = p.finish();
    expect(prof.count).toBe(6);
    expect(prof.nulls).toBe(4);
    expect(prof.categories).toEqual(['b', 'a', 'c']);
    expect(prof.counts).toEqual([3, 2, 1]);
    expect(prof.other).toBe(0);
    expect(prof.distinctCount).toBe(3);
  });

  it('keeps the top K and folds the rest into other; past the track limit counts go to other', () => {
    const values = ['x', 'x', 'x', 'y', 'y', 'z', 'w'];
    const top2 = profileCategorical(values, { topK: 2 });
    expect(top2.categories).toEqual(['x', 'y']);
    expect(top2.other).toBe(2);
    expect(top2.distinctCount).toBe(4);
    const tracked = profileCategorical(values, { topK: 2, trackLimit: 2 });
    expect(tracked.categories).toEqual(['x', 'y']);
    expect(tracked.other).toBe(2);
    expect(tracked.distinctCount).toBeNull();
  });

  it('merges exactly when nothing was folded', () => {
    const m = mergeCategoricalProfiles(
      profileCategorical(['a', 'b', 'a']),
      profileCategorical(['b', 'c', null]),
    );
    expect(m.categories).toEqual(['a', 'b', 'c']);
    expect(m.counts).toEqual([2, 2, 1]);
    expect(m.nulls).toBe(1);
    expect(m.distinctCount).toBe(3);
  });
});

describe('encodeProfile / decodeProfile', () => {
  const strip = (p: NumericProfile) => ({ ...p, sketch: p.sketch?.toState() ?? null });

  it('round-trips exact, sketched and categorical profiles', () => {
    const exact = profileNumeric([...normals(5000, 1), NaN]);
    const sketched = profileNumeric(normals(20_000, 2), { exactLimit: 1000, sketchK: 512 });
    const discrete = profileNumeric(integers(20_000, 3, 5), { exactLimit: 1000 });
    for (const p of [exact, sketched, discrete]) {
      const back = decodeProfile(encodeProfile(p)) as NumericProfile;
      expect(strip(back)).toEqual(strip(p));
    }
    const cat = profileCategorical(['é', 'b', 'é', null]);
    expect(decodeProfile(encodeProfile(cat)) as CategoricalProfile).toEqual(cat);
  });

  it('is compact: a sketch is far smaller than the values it stands for', () => {
    const p = profileNumeric(normals(300_000, 4), { sketchK: 4096 });
    expect(encodeProfile(p).length).toBeLessThan(100_000);
    // discrete data compresses
    const d = profileNumeric(integers(50_000, 5, 10));
    expect(encodeProfile(d).length).toBeLessThan(50_000 * 8 * 0.5);
  });

  it('rejects bytes that are not a profile, or from a newer version', () => {
    const good = encodeProfile(profileNumeric([1, 2, 3]));
    const bad = Uint8Array.from(good);
    bad[0] = 0;
    expect(() => decodeProfile(bad)).toThrow(/not an mlo column profile/);
    const newer = Uint8Array.from(good);
    newer[4] = 99;
    try {
      decodeProfile(newer);
      expect.unreachable();
    } catch (err) {
      expect(isMloError(err) && err.code).toBe('UNSUPPORTED');
    }
  });
});

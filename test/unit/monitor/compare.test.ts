/**
 * Drift computed from profiles: exact profiles must reproduce scipy's numbers (so a
 * stored baseline is as good as the raw reference), sketched ones must stay within
 * the error bounds they report, and bad input must never produce NaN.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CategoricalProfiler,
  categoricalDrift,
  decodeProfile,
  encodeProfile,
  numericDrift,
  profileCategorical,
  profileNumeric,
  type CategoricalProfile,
  type NumericProfile,
} from '../../../src/monitor/profile/index.js';
import {
  ks2sampSorted,
  psiSorted,
  sortedFinite,
  wassersteinSorted,
} from '../../../src/monitor/stats/index.js';
import { integers, normals, numbersIn } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/drift');
const load = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;

interface NumericCase {
  name: string;
  a: number[];
  b: number[];
  ks_statistic: number;
  ks_pvalue: number;
  wasserstein: number;
  std_a: number;
  psi: number;
}
interface CategoricalCase {
  name: string;
  reference: number[];
  current: number[];
  chi2_pvalue: number;
  js_distance: number;
  psi: number;
  z_pvalue?: number;
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(1, Math.abs(b));
const numeric = load<{ cases: NumericCase[] }>('numeric.json').cases;
const categorical = load<{ cases: CategoricalCase[] }>('categorical.json').cases;

function fromCounts(counts: number[]): CategoricalProfile {
  const p = new CategoricalProfiler();
  counts.forEach((n, i) => p.addCounts(`c${i}`, n));
  return p.finish();
}

describe('numeric drift from a stored (encoded) reference profile equals scipy', () => {
  it.each(numeric.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const ref = decodeProfile(encodeProfile(profileNumeric(c.a))) as NumericProfile;
    const d = numericDrift(ref, profileNumeric(c.b));
    expect(d.status).toBe('ok');
    expect(d.approximate).toBe(false);
    expect(rel(d.stats.ks_statistic!, c.ks_statistic)).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(d.stats.ks_pvalue! - c.ks_pvalue)).toBeLessThanOrEqual(1e-6);
    expect(rel(d.stats.wasserstein!, c.wasserstein)).toBeLessThanOrEqual(1e-9);
    const norm = c.wasserstein / Math.max(c.std_a, 0.001);
    expect(rel(d.stats.wasserstein_norm!, norm)).toBeLessThanOrEqual(1e-9);
    expect(rel(d.stats.psi!, c.psi)).toBeLessThanOrEqual(1e-12);
    const score = { ks: d.stats.ks_pvalue, wasserstein: d.stats.wasserstein_norm }[d.test as 'ks'];
    if (d.test === 'ks' || d.test === 'wasserstein') expect(d.score).toBe(score);
    const small = c.a.length <= 1000;
    if (d.distinctValues === null || d.distinctValues > 5)
      expect(d.test).toBe(small ? 'ks' : 'wasserstein');
    expect(numbersIn(d).some(Number.isNaN)).toBe(false);
  });
});

describe('categorical drift from profiles equals scipy / Evidently', () => {
  it.each(categorical.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const ref = decodeProfile(encodeProfile(fromCounts(c.reference))) as CategoricalProfile;
    const d = categoricalDrift(ref, fromCounts(c.current));
    expect(d.status).toBe('ok');
    expect(Math.abs(d.stats.chi2_pvalue! - c.chi2_pvalue)).toBeLessThanOrEqual(1e-6);
    expect(rel(d.stats.js_distance!, c.js_distance)).toBeLessThanOrEqual(1e-9);
    expect(rel(d.stats.psi!, c.psi)).toBeLessThanOrEqual(1e-12);
    const unseen = c.current
      .map((n, i) => (n > 0 && c.reference[i] === 0 ? `c${i}` : null))
      .filter(Boolean);
    expect(d.unseen.sort()).toEqual(unseen.sort());
    if (d.test === 'z') expect(Math.abs(d.score! - c.z_pvalue!)).toBeLessThanOrEqual(1e-6);
    if (d.test === 'chisquare') expect(d.score).toBe(d.stats.chi2_pvalue);
    if (d.test === 'jensenshannon') expect(d.score).toBe(d.stats.js_distance);
    expect(numbersIn(d).some(Number.isNaN)).toBe(false);
  });

  it('a binary numeric column uses the z-test with Evidently p-values', () => {
    const c = categorical.find((x) => x.name === '2x2 yates small')!;
    const column = (counts: number[]) => counts.flatMap((n, v) => new Array<number>(n).fill(v));
    const d = numericDrift(profileNumeric(column(c.reference)), profileNumeric(column(c.current)));
    expect(d.test).toBe('z');
    expect(Math.abs(d.score! - c.z_pvalue!)).toBeLessThanOrEqual(1e-6);
    expect(d.chart?.type).toBe('bars');
  });
});

describe('numeric drift against a sketched reference', () => {
  const ref = normals(400_000, 41, 10, 2);
  const cur = normals(50_000, 42, 10.1, 2.1);
  const refSorted = sortedFinite(ref).values;
  const curSorted = sortedFinite(cur).values;
  const exact = {
    ks: ks2sampSorted(refSorted, curSorted).statistic,
    w: wassersteinSorted(refSorted, curSorted),
    psi: psiSorted(refSorted, curSorted).psi,
  };

  it('stays within the bounds it reports', () => {
    const profile = profileNumeric(ref, { sketchK: 2048 });
    expect(profile.sketch).not.toBeNull();
    const d = numericDrift(profile, profileNumeric(cur));
    expect(d.approximate).toBe(true);
    expect(d.ksMethod).toBe('asymp');
    const b = d.errorBound!;
    expect(Math.abs(d.stats.ks_statistic! - exact.ks)).toBeLessThanOrEqual(b.ks_statistic);
    expect(Math.abs(d.stats.wasserstein! - exact.w)).toBeLessThanOrEqual(b.wasserstein);
    // the bounds are useful, not vacuous
    expect(b.ks_statistic).toBeLessThan(0.005);
    expect(b.wasserstein / profile.std!).toBeLessThan(0.05);
    expect(Math.abs(d.stats.psi! - exact.psi)).toBeLessThan(0.002);
    expect(d.test).toBe('wasserstein');
    expect(d.drifted).toBe(d.stats.wasserstein_norm! >= 0.1);
  });
});

describe('bad input is reported, never NaN', () => {
  it('an all-null current column gives no-data', () => {
    const d = numericDrift(profileNumeric([1, 2, 3]), profileNumeric([NaN, Infinity, -Infinity]));
    expect(d.status).toBe('no-data');
    expect(d.message).toMatch(/current data has no non-null values/);
    expect(d.drifted).toBe(false);
    expect(d.currentNulls).toBe(3);
    expect(numbersIn(d).some(Number.isNaN)).toBe(false);
    const c = categoricalDrift(profileCategorical([]), profileCategorical(['a']));
    expect(c.status).toBe('no-data');
    expect(c.message).toMatch(/reference/);
  });

  it('a constant reference column uses the 0.001 std floor', () => {
    const d = numericDrift(
      profileNumeric(new Array<number>(2000).fill(5)),
      profileNumeric(normals(2000, 3, 5, 1)),
    );
    expect(d.stats.wasserstein_norm).toBeCloseTo(d.stats.wasserstein! / 0.001, 6);
    expect(d.test).toBe('wasserstein');
    expect(d.drifted).toBe(true);
    expect(numbersIn(d).some((x) => !Number.isFinite(x))).toBe(false);
  });

  it('one-element samples and identical samples', () => {
    const one = numericDrift(profileNumeric([1]), profileNumeric([1]));
    expect(one.stats).toMatchObject({ ks_statistic: 0, ks_pvalue: 1, wasserstein: 0, psi: 0 });
    expect(one.test).toBe('z');
    expect(one.score).toBe(1);
    const x = normals(3000, 8);
    const same = numericDrift(profileNumeric(x), profileNumeric(x));
    expect(same.stats).toMatchObject({ ks_statistic: 0, ks_pvalue: 1, wasserstein: 0, psi: 0 });
    expect(same.drifted).toBe(false);
  });

  it('overrides pick another test and threshold; impossible ones are errors', () => {
    const a = profileNumeric(normals(500, 1));
    const b = profileNumeric(normals(500, 2, 0.5));
    const psi = numericDrift(a, b, { test: 'psi', threshold: 0.2 });
    expect(psi.test).toBe('psi');
    expect(psi.threshold).toBe(0.2);
    expect(psi.score).toBe(psi.stats.psi);
    expect(psi.drifted).toBe(psi.stats.psi! >= 0.2);
    const chi = numericDrift(a, b, { test: 'chisquare' });
    expect(chi.score).toBeGreaterThanOrEqual(0);
    expect(() => numericDrift(a, b, { test: 'z' })).toThrow(
      /z-test needs at most 2 distinct values/,
    );
    const cat = profileCategorical(['a', 'b']);
    expect(() => categoricalDrift(cat, cat, { test: 'ks' })).toThrow(
      /does not apply to categorical/,
    );
  });
});

describe('charts for the report', () => {
  it('numeric histograms share edges and sum to 1 on each side', () => {
    const d = numericDrift(profileNumeric(normals(5000, 1)), profileNumeric(normals(4000, 2, 0.3)));
    expect(d.chart?.type).toBe('histogram');
    if (d.chart?.type !== 'histogram') return;
    expect(d.chart.edges).toHaveLength(21);
    expect(d.chart.reference.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(d.chart.current.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
  });

  it('discrete numeric columns get bars per value; categories get bars with unseen ones', () => {
    const d = numericDrift(
      profileNumeric(integers(3000, 1, 4)),
      profileNumeric(integers(3000, 2, 5)),
    );
    expect(d.chart).toMatchObject({ type: 'bars', labels: ['0', '1', '2', '3', '4'] });
    const c = categoricalDrift(
      profileCategorical(['a', 'a', 'b']),
      profileCategorical(['a', 'c', 'c', 'c']),
    );
    expect(c.unseen).toEqual(['c']);
    expect(c.chart).toMatchObject({ type: 'bars' });
    if (c.chart?.type === 'bars') {
      expect(new Set(c.chart.labels)).toEqual(new Set(['a', 'b', 'c']));
      expect(c.chart.reference.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    }
    expect(c.categories[0].category).toBe('c');
  });

  it('a reference that folded categories into other compares new ones against other', () => {
    const ref = profileCategorical(['a', 'a', 'a', 'b', 'b', 'x', 'y'], { topK: 2 });
    const d = categoricalDrift(ref, profileCategorical(['a', 'b', 'z']));
    expect(d.unseen).toEqual([]);
    expect(d.approximate).toBe(true);
    expect(d.categories.map((c) => c.category).sort()).toEqual(['(other)', 'a', 'b']);
  });
});

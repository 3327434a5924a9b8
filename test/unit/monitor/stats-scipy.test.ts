/**
 * The statistics against scipy 1.10 / numpy 1.24 reference values computed by
 * test/fixtures/drift/make_fixtures.py (committed JSON; no Python needed here).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chi2Drift,
  chi2Sf,
  jensenShannon,
  kolmogorovSf,
  ks2samp,
  populationStd,
  proportionsZTest,
  psiCategorical,
  psiSorted,
  sortedFinite,
  wassersteinDistance,
} from '../../../src/monitor/stats/index.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/drift');
const load = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;

interface NumericCase {
  name: string;
  a: number[];
  b: number[];
  ks_statistic: number;
  ks_pvalue: number;
  ks_method: 'exact' | 'asymp';
  wasserstein: number;
  std_a: number;
  psi: number;
  psi_edges: number[];
}
interface CategoricalCase {
  name: string;
  reference: number[];
  current: number[];
  chi2_statistic: number;
  chi2_pvalue: number;
  chi2_dof: number;
  js_distance: number;
  psi: number;
  psi_terms: number[];
  z_pvalue?: number;
}

/** |actual - expected| <= tol * max(1, |expected|) */
function close(actual: number, expected: number, tol: number, what: string): void {
  const err = Math.abs(actual - expected) / Math.max(1, Math.abs(expected));
  expect(err, `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tol);
}

const numeric = load<{ cases: NumericCase[] }>('numeric.json').cases;
const categorical = load<{ cases: CategoricalCase[] }>('categorical.json').cases;

describe('ks_2samp (method auto) against scipy', () => {
  it.each(numeric.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = ks2samp(c.a, c.b);
    expect(r.method).toBe(c.ks_method);
    close(r.statistic, c.ks_statistic, 1e-9, 'statistic');
    expect(Math.abs(r.pvalue - c.ks_pvalue), `p ${r.pvalue} vs ${c.ks_pvalue}`).toBeLessThanOrEqual(
      1e-6,
    );
  });
});

describe('wasserstein_distance and the reference std against scipy/numpy', () => {
  it.each(numeric.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    close(wassersteinDistance(c.a, c.b), c.wasserstein, 1e-9, 'wasserstein');
    close(populationStd(c.a), c.std_a, 1e-12, 'std');
  });
});

describe('PSI over reference deciles against the numpy definition', () => {
  it.each(numeric.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = psiSorted(sortedFinite(c.a).values, sortedFinite(c.b).values);
    expect(r.edges).toEqual(c.psi_edges);
    close(r.psi, c.psi, 1e-12, 'psi');
  });
});

describe('kstwo.sf against scipy on a grid through every branch', () => {
  const rows = load<{ rows: { n: number; x: number; sf: number }[] }>('kolmogorov.json').rows;
  it('agrees to 1e-9 everywhere', () => {
    for (const r of rows) {
      const got = kolmogorovSf(r.n, r.x);
      expect(Math.abs(got - r.sf), `n=${r.n} x=${r.x}: ${got} vs ${r.sf}`).toBeLessThanOrEqual(
        1e-9,
      );
    }
  });
});

describe('chi2.sf against scipy', () => {
  const rows = load<{ rows: { dof: number; x: number; sf: number }[] }>('gamma.json').rows;
  it('agrees to 1e-10 absolute and 1e-9 relative', () => {
    for (const r of rows) {
      const got = chi2Sf(r.x, r.dof);
      const what = `dof=${r.dof} x=${r.x}: ${got} vs ${r.sf}`;
      expect(Math.abs(got - r.sf), what).toBeLessThanOrEqual(1e-10);
      if (r.sf > 1e-300) expect(Math.abs(got - r.sf) / r.sf, what).toBeLessThanOrEqual(1e-9);
    }
  });
});

describe('categorical statistics against scipy', () => {
  it.each(categorical.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const chi = chi2Drift(c.reference, c.current);
    expect(chi.dof).toBe(c.chi2_dof);
    close(chi.statistic, c.chi2_statistic, 1e-9, 'chi2 statistic');
    expect(Math.abs(chi.pvalue - c.chi2_pvalue)).toBeLessThanOrEqual(1e-6);
    close(jensenShannon(c.reference, c.current, 2), c.js_distance, 1e-9, 'js');
    const psi = psiCategorical(c.reference, c.current);
    close(psi.psi, c.psi, 1e-12, 'psi');
    psi.terms.forEach((t, i) => close(t, c.psi_terms[i], 1e-12, `psi term ${i}`));
    if (c.z_pvalue !== undefined) {
      const nr = c.reference.reduce((s, v) => s + v, 0);
      const nc = c.current.reduce((s, v) => s + v, 0);
      const z = proportionsZTest(nr - c.reference[0], nr, nc - c.current[0], nc);
      expect(Math.abs(z.pvalue - c.z_pvalue)).toBeLessThanOrEqual(1e-6);
    }
  });
});

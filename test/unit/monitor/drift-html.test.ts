/** Numbers and text in the HTML report, and the report's structure for a check with every status. */
import { describe, expect, it } from 'vitest';
import { renderDriftHtml } from '../../../src/monitor/html/render.js';
import { anchor, esc, niceTicks, num, pct } from '../../../src/monitor/html/format.js';
import type { DriftCheckResult } from '../../../src/monitor/report.js';

describe('report formatting', () => {
  it('prints numbers a person reads at a glance, never NaN', () => {
    expect([0, 1, 0.5, 123.456, 1234567, 0.000123, -2.5e-9].map(num)).toEqual([
      '0',
      '1',
      '0.5',
      '123.5',
      '1.23e6',
      '1.23e-4',
      '-2.50e-9',
    ]);
    expect([null, undefined, NaN, Infinity].map(num)).toEqual(['–', '–', '–', '–']);
    expect(pct(0.1234)).toBe('12.3%');
    expect(pct(NaN)).toBe('–');
  });

  it('chooses round ticks inside the range', () => {
    expect(niceTicks(0, 1, 4)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(-3.7, 3.2, 6)).toEqual([-2, 0, 2]);
    expect(niceTicks(-3.7, 3.2, 10)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(niceTicks(5, 5, 4)).toEqual([5]);
  });

  it('escapes markup and makes safe ids', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
    expect(anchor('a b/<c>', 3)).toBe('col-3-a_b_c_');
  });
});

describe('renderDriftHtml', () => {
  const base = {
    kind: 'numeric' as const,
    role: 'feature' as const,
    threshold: 0.1,
    reference: { count: 100, nulls: 0 },
    current: { count: 80, nulls: 2 },
    approximate: false,
  };
  const nullStats = {
    ks_statistic: null,
    ks_pvalue: null,
    wasserstein: null,
    wasserstein_norm: null,
    psi: null,
  };
  const result: DriftCheckResult = {
    failOnDrift: false,
    report: {
      dataset_drift: true,
      drift_share: 0.5,
      share_threshold: 0.5,
      drifted_columns: 1,
      checked_columns: 2,
      baseline: {
        name: 'ref',
        model: null,
        source: 'ref.csv',
        rows: 100,
        created_at: '2025-01-01T00:00:00.000Z',
      },
      current: { source: 'cur.csv', source_hash: null, rows: 82 },
      created_at: '2025-01-02T00:00:00.000Z',
      id: 7,
      warnings: ['column "gone": not in the current data'],
      columns: [
        {
          ...base,
          column: 'moved',
          test: 'wasserstein',
          score: 0.4,
          drifted: true,
          severity: 'high',
          status: 'ok',
          stats: {
            ks_statistic: 0.3,
            ks_pvalue: 1e-9,
            wasserstein: 0.8,
            wasserstein_norm: 0.4,
            psi: 0.5,
          },
        },
        {
          ...base,
          column: 'still',
          test: 'wasserstein',
          score: 0.01,
          drifted: false,
          severity: 'none',
          status: 'ok',
          stats: {
            ks_statistic: 0.02,
            ks_pvalue: 0.9,
            wasserstein: 0.02,
            wasserstein_norm: 0.01,
            psi: 0.001,
          },
        },
        {
          ...base,
          column: 'gone',
          test: 'wasserstein',
          score: null,
          drifted: false,
          severity: null,
          status: 'missing',
          message: 'not in the current data',
          stats: nullStats,
          current: { count: 0, nulls: 0 },
        },
      ],
    },
    details: [
      {
        column: 'moved',
        chart: { type: 'histogram', edges: [0, 1, 2], reference: [0.7, 0.3], current: [0.2, 0.8] },
        categories: [],
        ksMethod: 'asymp',
        errorBound: null,
        reference: { mean: 0.5, std: 1 },
        current: { mean: 1.3, std: 1 },
      },
      {
        column: 'still',
        chart: { type: 'bars', labels: ['0', '1'], reference: [0.5, 0.5], current: [0.49, 0.51] },
        categories: [],
        ksMethod: 'asymp',
        errorBound: null,
        reference: null,
        current: null,
      },
      {
        column: 'gone',
        chart: null,
        categories: [],
        ksMethod: null,
        errorBound: null,
        reference: { mean: 0 },
        current: null,
      },
    ],
  };

  it('draws a card per column in report order, with the verdict and the warnings', () => {
    const html = renderDriftHtml(result);
    const cards = [...html.matchAll(/<section class="card[^"]*" id="([^"]+)"/g)].map((m) => m[1]);
    expect(cards).toEqual(['col-0-moved', 'col-1-still', 'col-2-gone']);
    expect(html).toContain('Dataset drift detected');
    expect(html).toContain('report #7');
    expect(html).toContain('column &quot;gone&quot;: not in the current data');
    expect(html).toMatch(/= <b>0\.4<\/b> ≥ 0\.1: drifted · mean 0\.5 → 1\.3 \(\+0\.8 sd\)/);
    expect(html).toMatch(/= <b>0\.01<\/b> &lt; 0\.1: no drift/);
    expect(html.match(/<svg class="chart"/g)).toHaveLength(2);
    expect(html).toContain('<div class="nochart">not in the current data</div>');
    // (the method note in the footer names NaN in prose)
    expect(html.split('<footer>')[0]).not.toMatch(/NaN|undefined|Infinity/);
  });
});

/** Numbers and text in the HTML report, the data its page embeds, and the page around it. */
import { describe, expect, it } from 'vitest';
import { driftCharts } from '../../../src/monitor/html/charts.js';
import { niceTicks, num, pct, reportFormat } from '../../../src/monitor/html/format.js';
import { embedJson, pageData, type PageData } from '../../../src/monitor/html/page-data.js';
import { renderDriftHtml } from '../../../src/monitor/html/render.js';
import type { DriftCheckResult } from '../../../src/monitor/report.js';
import { escapeHtml } from '../../../src/util/html.js';

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

  it("escapes markup in the browser's copy exactly as util/html does", () => {
    const { esc } = reportFormat();
    for (const text of [`<a href="x">'&'</a>`, '</script><script>', 'plain', '&amp;']) {
      expect(esc(text)).toBe(escapeHtml(text));
    }
    expect(esc(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });

  it('embeds JSON that cannot close its script element', () => {
    const text = embedJson({ n: '</script><script>alert(1)</script><!--' });
    expect(text).not.toContain('<');
    expect(JSON.parse(text)).toEqual({ n: '</script><script>alert(1)</script><!--' });
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

  it('embeds every column compactly, in report order, with the left-out ones last', () => {
    const data = pageData({
      ...result,
      report: {
        ...result.report,
        left_out: [{ column: 'ts', reason: 'datetime column (use --kind ts=numeric to check it)' }],
      },
    });
    expect(data.cols.map((c) => [c.n, c.st, c.d])).toEqual([
      ['moved', 'ok', 1],
      ['still', 'ok', 0],
      ['gone', 'missing', 0],
      ['ts', 'left-out', 0],
    ]);
    expect(data.cols[0]).toMatchObject({
      k: 'numeric',
      t: 'wasserstein',
      s: 0.4,
      h: 0.1,
      sv: 'high',
      p: 0.5,
      c: ['h', [0, 1, 2], [0.7, 0.3], [0.2, 0.8]],
      rs: { mean: 0.5, std: 1 },
      rc: [100, 0],
      cc: [80, 2],
    });
    expect(data.cols[2]).toMatchObject({ m: 'not in the current data', s: null });
    expect(data.cols[2].c).toBeUndefined();
    expect(data.cols[3]).toMatchObject({
      k: '',
      m: 'datetime column (use --kind ts=numeric to check it)',
    });
    expect(data.meta.pvalue.sort()).toEqual(['chisquare', 'ks', 'z']);
  });

  it('cuts numbers to the 4 significant digits the page shows', () => {
    const long = {
      ...result,
      details: [
        {
          ...result.details[0],
          chart: {
            type: 'histogram' as const,
            edges: [0.123456789, 1.987654321],
            reference: [1 / 3],
            current: [2 / 3],
          },
        },
        ...result.details.slice(1),
      ],
    };
    expect(pageData(long).cols[0].c).toEqual(['h', [0.1235, 1.988], [0.3333], [0.6667]]);
  });

  it('draws charts and thumbnails from the embedded form', () => {
    const charts = driftCharts(reportFormat());
    const hist = charts.chart(['h', [0, 1, 2], [0.7, 0.3], [0.2, 0.8]]);
    expect(hist.match(/<rect /g)).toHaveLength(4);
    expect(hist).toContain('<title>0 – 1 (and below): reference 70.0%, current 20.0%</title>');
    const bars = charts.chart(['b', ['<a>', 'b'], [0.5, 0.5], [0.1, 0.9]]);
    expect(bars).toContain('&lt;a&gt;');
    expect(bars).not.toContain('<a>');
    expect(charts.spark(['h', [0, 1, 2], [0.7, 0.3], [0.2, 0.8]])).toMatch(/<polyline /);
    expect(charts.spark(undefined)).toBe('');
  });

  it('writes the page around the data: verdict, figures, warnings, and the data as JSON', () => {
    const html = renderDriftHtml(result);
    expect(html).toContain('Dataset drift detected');
    expect(html).toContain('report #7');
    expect(html).toContain('column &quot;gone&quot;: not in the current data');
    const json = /<script type="application\/json" id="drift-data">([^<]*)<\/script>/.exec(html);
    expect(json).not.toBeNull();
    expect(JSON.parse(json![1]) as PageData).toEqual(JSON.parse(JSON.stringify(pageData(result))));
    // no card is drawn into the file: the page builds them when opened
    expect(html.split('<script')[0]).not.toContain('<svg');
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html).toContain('<noscript>');
  });
});

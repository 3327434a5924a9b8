/**
 * What the drift report's page embeds: every column as a small JSON object with
 * short keys and numbers cut to the 4 significant digits the page shows, so that a
 * report over thousands of columns stays a few MB. The page's script builds the
 * table rows and, when a card is opened, the card from it.
 */
import type { DriftChart } from '../profile/index.js';
import type { ColumnDetail, DriftCheckResult, DriftColumnReport, SideSummary } from '../report.js';
import { TEST_DIRECTION, type DriftTest } from '../stats/index.js';
import type { PageChart } from './charts.js';

/** One column as the page reads it. */
export interface PageColumn {
  /** name */
  n: string;
  /** kind: numeric or categorical; '' for a column left out of the baseline */
  k: string;
  /** the deciding test; '' when left out */
  t: string;
  /** score (p-value or distance), null when not checked */
  s: number | null;
  /** threshold, null when left out */
  h: number | null;
  /** drifted: 1 or 0 */
  d: 0 | 1;
  /** status: ok, no-data, missing, skipped, error, or left-out */
  st: string;
  /** severity, null when not checked */
  sv: string | null;
  /** PSI */
  p: number | null;
  /** role when not a feature */
  r?: string;
  /** why it was not checked (or left out) */
  m?: string;
  /** every statistic */
  x?: Record<string, number | null>;
  /** chart */
  c?: PageChart;
  /** reference and current [values, nulls] */
  rc?: [number, number];
  cc?: [number, number];
  /** reference and current summaries (mean, std, ... as the kind has them) */
  rs?: SideSummary;
  cs?: SideSummary;
  /** categories that moved most: [category, reference share, current share, PSI term] */
  cat?: [string, number, number, number | null][];
  /** unseen categories: count and examples */
  un?: [number, string[]];
  /** a side was a sketch: the error bounds, or 1 for categories folded into "(other)" */
  ap?: { ks_statistic: number; wasserstein: number; psi: number } | 1;
}

/** Names and rules the page's script needs, sent once. */
export interface PageMeta {
  tests: Record<string, string>;
  stats: Record<string, string>;
  deciding: Record<string, string>;
  /** tests whose score is a p-value (drift below the threshold); the rest are distances */
  pvalue: string[];
}

export interface PageData {
  meta: PageMeta;
  cols: PageColumn[];
}

export const TEST_NAMES: Record<DriftTest, string> = {
  ks: 'Kolmogorov–Smirnov p-value',
  chisquare: 'chi-square p-value',
  z: 'two-proportion z-test p-value',
  wasserstein: 'Wasserstein distance / reference std',
  jensenshannon: 'Jensen–Shannon distance',
  psi: 'population stability index',
};

const STAT_NAMES: Record<string, string> = {
  ks_statistic: 'KS statistic',
  ks_pvalue: 'KS p-value',
  wasserstein: 'Wasserstein distance',
  wasserstein_norm: 'Wasserstein / std',
  psi: 'PSI (10 reference deciles)',
  chi2_pvalue: 'chi-square p-value',
  js_distance: 'Jensen–Shannon distance',
};

/** Which stat holds the deciding test's score, to highlight it. */
const DECIDING_STAT: Record<DriftTest, string> = {
  ks: 'ks_pvalue',
  wasserstein: 'wasserstein_norm',
  psi: 'psi',
  chisquare: 'chi2_pvalue',
  jensenshannon: 'js_distance',
  z: '',
};

/** 4 significant digits: what the page shows (num() in format.ts). */
function cut(x: number | null | undefined): number | null {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  return Number(x.toPrecision(4));
}

const cutAll = (xs: readonly number[]): number[] => xs.map((x) => cut(x) ?? 0);

function chartOf(chart: DriftChart | null): PageChart | undefined {
  if (chart === null) return undefined;
  return chart.type === 'histogram'
    ? ['h', cutAll(chart.edges), cutAll(chart.reference), cutAll(chart.current)]
    : ['b', chart.labels, cutAll(chart.reference), cutAll(chart.current)];
}

function sideOf(s: SideSummary | null): SideSummary | undefined {
  if (s === null) return undefined;
  const out: SideSummary = {};
  for (const [k, v] of Object.entries(s) as [keyof SideSummary, number | null | undefined][]) {
    if (v !== undefined && v !== null) out[k] = cut(v);
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function columnOf(c: DriftColumnReport, d: ColumnDetail): PageColumn {
  const stats: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(c.stats)) stats[k] = cut(v as number | null);
  const col: PageColumn = {
    n: c.column,
    k: c.kind,
    t: c.test,
    s: cut(c.score),
    h: cut(c.threshold),
    d: c.drifted ? 1 : 0,
    st: c.status,
    sv: c.severity,
    p: cut(c.stats.psi),
    x: stats,
    rc: [c.reference.count, c.reference.nulls],
    cc: [c.current.count, c.current.nulls],
  };
  if (c.role !== 'feature') col.r = c.role;
  if (c.message !== undefined) col.m = c.message;
  const chart = chartOf(d.chart);
  if (chart) col.c = chart;
  const rs = sideOf(d.reference);
  const cs = sideOf(d.current);
  if (rs) col.rs = rs;
  if (cs) col.cs = cs;
  if (d.categories.length > 0) {
    col.cat = d.categories.map((x) => [
      x.category,
      cut(x.reference) ?? 0,
      cut(x.current) ?? 0,
      cut(x.psi),
    ]);
  }
  if (c.unseen && c.unseen.count > 0) col.un = [c.unseen.count, c.unseen.examples.slice(0, 10)];
  if (c.approximate) {
    col.ap = d.errorBound
      ? {
          ks_statistic: cut(d.errorBound.ks_statistic) ?? 0,
          wasserstein: cut(d.errorBound.wasserstein) ?? 0,
          psi: cut(d.errorBound.psi) ?? 0,
        }
      : 1;
  }
  return col;
}

export function pageData(result: DriftCheckResult): PageData {
  const { report, details } = result;
  const cols = report.columns.map((c, i) => columnOf(c, details[i]));
  for (const l of report.left_out ?? []) {
    cols.push({
      n: l.column,
      k: '',
      t: '',
      s: null,
      h: null,
      d: 0,
      st: 'left-out',
      sv: null,
      p: null,
      m: l.reason,
    });
  }
  return {
    meta: {
      tests: TEST_NAMES,
      stats: STAT_NAMES,
      deciding: DECIDING_STAT,
      pvalue: (Object.keys(TEST_DIRECTION) as DriftTest[]).filter(
        (t) => TEST_DIRECTION[t] === 'pvalue',
      ),
    },
    cols,
  };
}

/** JSON for a `<script type="application/json">`: no `<` can close the element early. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

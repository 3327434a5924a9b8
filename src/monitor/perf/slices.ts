/**
 * Slices of live traffic: `mlo eval --slice`'s metrics per group, gaps and ratios (the
 * same functions, so the same numbers), with intervals for the rates: Wilson per group,
 * Newcombe for the gap between the highest and the lowest group, Katz for their ratio.
 * Gaps of other metrics (F1, AUC) are given without an interval.
 */
import {
  sliceClassification,
  sliceRegression,
  type GroupKey,
  type SliceGap,
  type SliceReport,
} from '../../evaluate/metrics/index.js';
import type { PerfInput } from './inputs.js';
import { binaryCounts, encodeLabels, RATES, type BinaryCounts, type Figure } from './measure.js';
import { computeClassificationMetrics } from '../../evaluate/metrics/index.js';
import { newcombeInterval, ratioInterval, wilsonInterval } from './stats/index.js';

export interface SliceGroupFigures {
  group: GroupKey;
  rows: number;
  metrics: Record<string, Figure>;
}

export interface SpreadFigure extends Figure {
  highest?: { group: GroupKey; value: number };
  lowest?: { group: GroupKey; value: number };
  groups: number;
}

export interface PerfSlice {
  column: string;
  groups: SliceGroupFigures[];
  gaps: Record<string, SpreadFigure>;
  ratios: Record<string, SpreadFigure>;
}

export function measureSlice(
  input: PerfInput,
  column: string,
  values: readonly unknown[],
  confidence: number,
): PerfSlice {
  let report: SliceReport;
  const counts = new Map<GroupKey, BinaryCounts>();
  if (input.task === 'classification') {
    report = sliceClassification(input.input, { column, groups: values });
    // the same group keys as the report: recount each group's confusion cells
    const whole = computeClassificationMetrics({ ...input.input, scores: undefined });
    const e = encodeLabels(input, whole);
    const byGroup = new Map<GroupKey, number[]>();
    values.forEach((v, i) => {
      const key = report.groups.find((g) => sameGroup(g.group, v))?.group;
      if (key === undefined) return;
      let rows = byGroup.get(key);
      if (!rows) byGroup.set(key, (rows = []));
      rows.push(i);
    });
    for (const [key, rows] of byGroup) {
      counts.set(
        key,
        binaryCounts({
          truth: Int32Array.from(rows, (i) => e.truth[i]),
          pred: Int32Array.from(rows, (i) => e.pred[i]),
          classes: e.classes,
          positive: e.positive,
        }),
      );
    }
  } else {
    report = sliceRegression(
      { yTrue: input.yTrue, yPred: input.yPred },
      { column, groups: values },
    );
  }
  const groups: SliceGroupFigures[] = report.groups.map((g) => {
    const c = counts.get(g.group);
    const metrics: Record<string, Figure> = {};
    for (const [name, value] of Object.entries(g.metrics)) {
      const rate = c && RATES[name] ? RATES[name](c) : null;
      const ci = rate && value !== null ? wilsonInterval(rate[0], rate[1], confidence) : null;
      metrics[name] = {
        value,
        low: ci?.low ?? null,
        high: ci?.high ?? null,
        n: rate ? rate[1] : g.rows,
        ...(rate && { k: rate[0] }),
        method: ci ? 'wilson' : 'none',
        ...(g.reasons[name] !== undefined && { reason: g.reasons[name] }),
      };
    }
    return { group: g.group, rows: g.rows, metrics };
  });
  const spread = (which: 'gap' | 'ratio', name: string, s: SliceGap): SpreadFigure => {
    const hi = s.highest && counts.get(s.highest.group);
    const lo = s.lowest && counts.get(s.lowest.group);
    const rate = RATES[name];
    let ci = null;
    if (s.value !== null && hi && lo && rate) {
      const [k1, n1] = rate(hi);
      const [k2, n2] = rate(lo);
      ci =
        which === 'gap'
          ? newcombeInterval(k1, n1, k2, n2, confidence)
          : ratioInterval(k2, n2, k1, n1, confidence);
    }
    return {
      value: s.value,
      low: ci?.low ?? null,
      high: ci?.high ?? null,
      n: s.groups,
      groups: s.groups,
      method: ci ? (which === 'gap' ? 'newcombe' : 'katz') : 'none',
      ...(s.highest && { highest: s.highest }),
      ...(s.lowest && { lowest: s.lowest }),
      ...(s.reason !== undefined && { reason: s.reason }),
    };
  };
  const gaps: Record<string, SpreadFigure> = {};
  const ratios: Record<string, SpreadFigure> = {};
  for (const [name, s] of Object.entries(report.gaps)) gaps[name] = spread('gap', name, s);
  for (const [name, s] of Object.entries(report.ratios)) ratios[name] = spread('ratio', name, s);
  return { column, groups, gaps, ratios };
}

/** A value as the slice code groups it (missing and NaN as null, bigint as number). */
function sameGroup(key: GroupKey, v: unknown): boolean {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)))
    return key === null;
  if (typeof v === 'boolean') return key === String(v);
  return key === v;
}

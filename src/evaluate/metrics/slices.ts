/**
 * Metrics per group of a column (`mlo eval --slice COL`) and, for each metric, the
 * gap between groups (highest minus lowest: what the `gap(metric, col)` gate reads)
 * and their ratio (lowest over highest: `ratio(metric, col)`, e.g. the four-fifths
 * rule on selection_rate). These are fairlearn's `difference()` and `ratio()` with
 * method="between_groups". Classification slices also carry the fairness rates of
 * fairness.ts per group, and `equalized_odds`: the larger of the tpr and fpr gaps,
 * the smaller of their ratios (fairlearn's equalized_odds_difference and _ratio).
 */
import { MloError } from '../../errors.js';
import { countClasses } from './classification.js';
import { fairnessRates } from './fairness.js';
import { compareLabels, formatLabel } from './labels.js';
import { computeClassificationMetrics, type ClassificationInput } from './report.js';
import { computeRegressionMetrics, type RegressionInput } from './regression.js';
import { normaliseScores, squeeze } from './scores.js';
import {
  toMetricSet,
  type Label,
  type Labels,
  type MetricResult,
  type MetricSet,
  type ScoreMatrix,
  type Scores,
} from './types.js';

/** A group's value in the slice column; missing values (null, undefined, NaN) group as null. */
export type GroupKey = Label | null;

export interface SliceGroup extends MetricSet {
  group: GroupKey;
  rows: number;
}

/** A metric's spread over the groups: their gap (highest − lowest) or ratio (lowest / highest). */
export interface SliceGap extends MetricResult {
  /** groups that had a value for this metric and at least `minRows` rows */
  groups: number;
  highest?: { group: GroupKey; value: number };
  lowest?: { group: GroupKey; value: number };
}

export interface SliceReport {
  column: string;
  /** sorted by group value, missing last */
  groups: SliceGroup[];
  /** per metric: highest minus lowest value over the groups */
  gaps: Record<string, SliceGap>;
  /**
   * per metric: lowest over highest value (1 when every group has the same value);
   * absent from evaluations stored before ratios existed
   */
  ratios: Record<string, SliceGap>;
}

/** The combined entry of gaps and ratios for equalized odds (from tpr and fpr). */
export const EQUALIZED_ODDS = 'equalized_odds';

export interface SliceOptions {
  /** the slice column's name, for reports and reasons */
  column: string;
  /** the slice column's value per row */
  groups: ArrayLike<unknown>;
  /** groups with fewer rows are reported but left out of the gaps (default 1) */
  minRows?: number;
  /** more distinct values than this is an error: an ID-like column, not a category (default 1000) */
  maxGroups?: number;
}

/** Group rows by `groups` and run `compute` on each group's row indices. */
export function computeSlices(
  options: SliceOptions & { compute: (rows: Uint32Array) => MetricSet },
): SliceReport {
  const minRows = options.minRows ?? 1;
  const byKey = new Map<GroupKey, number[]>();
  for (let i = 0; i < options.groups.length; i++) {
    const key = groupKey(options.groups[i]);
    let rows = byKey.get(key);
    if (!rows) byKey.set(key, (rows = []));
    rows.push(i);
  }
  const maxGroups = options.maxGroups ?? 1000;
  if (byKey.size > maxGroups) {
    throw new MloError(
      'INVALID',
      `slice column ${options.column} has ${byKey.size} distinct values; slices support at most ${maxGroups} groups`,
      { hint: 'slice by a categorical column (or bucket a numeric one first)' },
    );
  }
  const keys = [...byKey.keys()].sort((a, b) =>
    a === null ? (b === null ? 0 : 1) : b === null ? -1 : compareLabels(a, b),
  );
  const groups: SliceGroup[] = keys.map((key) => {
    const rows = Uint32Array.from(byKey.get(key) ?? []);
    const set = options.compute(rows);
    return { group: key, rows: rows.length, metrics: set.metrics, reasons: set.reasons };
  });
  const names = new Set(groups.flatMap((g) => Object.keys(g.metrics)));
  const gaps: Record<string, SliceGap> = {};
  const ratios: Record<string, SliceGap> = {};
  for (const name of names) {
    const spread = spreadOf(name, groups, minRows, options.column);
    gaps[name] = spread.gap;
    ratios[name] = spread.ratio;
  }
  if (names.has('tpr') && names.has('fpr')) {
    gaps[EQUALIZED_ODDS] = worst(gaps.tpr, gaps.fpr, 'max', 'gap', options.column);
    ratios[EQUALIZED_ODDS] = worst(ratios.tpr, ratios.fpr, 'min', 'ratio', options.column);
  }
  return { column: options.column, groups, gaps, ratios };
}

/** equalized odds: the worse of the tpr and fpr figures (larger gap, smaller ratio). */
function worst(
  tpr: SliceGap,
  fpr: SliceGap,
  pick: 'max' | 'min',
  what: string,
  column: string,
): SliceGap {
  if (tpr.value === null || fpr.value === null) {
    const missing = tpr.value === null ? ['tpr', tpr] : ['fpr', fpr];
    const [name, spread] = missing as [string, SliceGap];
    return {
      value: null,
      groups: Math.min(tpr.groups, fpr.groups),
      reason: `equalized odds needs the ${what} of tpr and fpr across ${column}; ${name}: ${spread.reason ?? 'undefined'}`,
    };
  }
  const tprWorse = pick === 'max' ? tpr.value >= fpr.value : tpr.value <= fpr.value;
  const chosen = tprWorse ? tpr : fpr;
  return {
    ...chosen,
    reason: `from ${tprWorse ? 'tpr' : 'fpr'}${chosen.reason ? `; ${chosen.reason}` : ''}`,
  };
}

function groupKey(v: unknown): GroupKey {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v);
}

export function formatGroup(group: GroupKey): string {
  return group === null ? '(missing)' : formatLabel(group);
}

function spreadOf(
  name: string,
  groups: readonly SliceGroup[],
  minRows: number,
  column: string,
): { gap: SliceGap; ratio: SliceGap } {
  let highest: { group: GroupKey; value: number } | undefined;
  let lowest: { group: GroupKey; value: number } | undefined;
  let counted = 0;
  const skipped: string[] = [];
  for (const g of groups) {
    const value = g.metrics[name];
    if (g.rows < minRows) {
      skipped.push(`${formatGroup(g.group)} (${g.rows} rows < ${minRows})`);
      continue;
    }
    if (value === null || value === undefined) {
      skipped.push(`${formatGroup(g.group)} (${g.reasons[name] ?? 'no value'})`);
      continue;
    }
    counted++;
    if (!highest || value > highest.value) highest = { group: g.group, value };
    if (!lowest || value < lowest.value) lowest = { group: g.group, value };
  }
  const left = skipped.length ? `; left out: ${skipped.join(', ')}` : '';
  if (!highest || !lowest || counted < 2) {
    const why = (what: string): SliceGap => ({
      value: null,
      groups: counted,
      reason: `${what} of ${name} across ${column} needs two groups with a value, found ${counted}${left}`,
    });
    return { gap: why('gap'), ratio: why('ratio') };
  }
  const note = skipped.length ? { reason: `left out: ${skipped.join(', ')}` } : {};
  const gap: SliceGap = {
    value: highest.value - lowest.value,
    groups: counted,
    highest,
    lowest,
    ...note,
  };
  let ratio: SliceGap;
  if (lowest.value < 0) {
    ratio = {
      value: null,
      groups: counted,
      highest,
      lowest,
      reason: `ratio of ${name} across ${column} needs values >= 0; ${formatGroup(lowest.group)} has ${lowest.value}`,
    };
  } else if (highest.value === 0) {
    ratio = {
      value: null,
      groups: counted,
      highest,
      lowest,
      reason: `ratio of ${name} across ${column} is undefined: every group has 0`,
    };
  } else {
    ratio = { value: lowest.value / highest.value, groups: counted, highest, lowest, ...note };
  }
  return { gap, ratio };
}

/** Copy the given rows of a column; typed arrays stay typed (Float32Array stays float32). */
export function takeRows<T>(values: ArrayLike<T>, rows: Uint32Array): ArrayLike<T> {
  if (ArrayBuffer.isView(values)) {
    const ctor = (values as unknown as { constructor: new (n: number) => { [i: number]: T } })
      .constructor;
    const out = new ctor(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]];
    return out as unknown as ArrayLike<T>;
  }
  const out = new Array<T>(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]];
  return out;
}

function takeLabels(values: Labels, rows: Uint32Array): Labels {
  return takeRows<Label | bigint>(values, rows) as Labels;
}

function takeScoreRows(scores: Scores, rows: Uint32Array): Scores {
  const s = squeeze(normaliseScores(scores));
  if (s.kind === 'vector') return takeRows(s.values, rows);
  const k = s.columns;
  const data =
    s.data instanceof Float32Array
      ? new Float32Array(rows.length * k)
      : new Float64Array(rows.length * k);
  for (let i = 0; i < rows.length; i++) {
    const from = rows[i] * k;
    for (let j = 0; j < k; j++) data[i * k + j] = s.data[from + j];
  }
  return { data, columns: k } satisfies ScoreMatrix;
}

/**
 * Classification metrics per group. The task, positive label and score labels are
 * fixed from the whole data set first, so every group measures the same thing.
 */
export function sliceClassification(input: ClassificationInput, slice: SliceOptions): SliceReport {
  const whole = computeClassificationMetrics({ ...input, scores: undefined });
  const fixed: Partial<ClassificationInput> = {
    task: whole.task,
    positiveLabel: whole.positiveLabel ?? undefined,
    scoreLabels: input.scoreLabels ?? whole.labels,
  };
  const positive = whole.task === 'binary' ? whole.positiveLabel : null;
  return computeSlices({
    ...slice,
    compute: (rows) => {
      const yTrue = takeLabels(input.yTrue, rows);
      const yPred = takeLabels(input.yPred, rows);
      const r = computeClassificationMetrics({
        ...input,
        ...fixed,
        yTrue,
        yPred,
        scores: input.scores === undefined ? undefined : takeScoreRows(input.scores, rows),
      });
      const rates = toMetricSet(
        fairnessRates(countClasses(yTrue, yPred), positive, whole.labels.length),
      );
      return {
        metrics: { ...r.metrics, ...rates.metrics },
        reasons: { ...r.reasons, ...rates.reasons },
      };
    },
  });
}

export function sliceRegression(input: RegressionInput, slice: SliceOptions): SliceReport {
  return computeSlices({
    ...slice,
    compute: (rows) => {
      const r = computeRegressionMetrics({
        yTrue: takeRows(input.yTrue, rows),
        yPred: takeRows(input.yPred, rows),
      });
      return { metrics: r.metrics, reasons: r.reasons };
    },
  });
}

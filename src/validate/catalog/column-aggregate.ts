/**
 * Column aggregate expectations: one statistic of a column (mean, median, quantiles,
 * distinct values...) checked against bounds or a set. Statistics leave out missing
 * and mismatched cells, as pandas' do; `details.mismatched_count` says how many cells
 * did not fit the column's kind.
 */
import * as z from 'zod/mini';
import '../../util/schema.js';
import { sortFloat64 } from '../../monitor/index.js';
import type { ColumnAccumulator, Key } from '../accumulate.js';
import {
  boundFor,
  count,
  EvaluationError,
  fmt,
  isTextKind,
  isoOf,
  kindWantedBy,
  presentKey,
  show,
  ValueSet,
} from '../values.js';
import {
  betweenKwargs,
  betweenOutcome,
  checkBetween,
  columnName,
  define,
  flag,
  nonNegativeInt,
  plainOutcome,
  valueSet,
  type ExpectationDef,
  type Outcome,
} from './common.js';

const mismatchDetails = (acc: ColumnAccumulator): Record<string, unknown> =>
  acc.mismatched > 0 ? { mismatched_count: acc.mismatched } : {};

function requireNumeric(acc: ColumnAccumulator, name: string): void {
  if (isTextKind(acc.info.kind)) {
    throw new EvaluationError(
      `${name} needs numbers; column "${acc.info.name}" holds text (${acc.info.kind})`,
    );
  }
}

/** The numeric value as JSON shows it for this column (datetimes as ISO text). */
const shownFor = (acc: ColumnAccumulator, v: number): unknown =>
  acc.info.kind === 'datetime' && Number.isFinite(v) ? isoOf(v) : v;

type Statistic = 'mean' | 'median' | 'stdev' | 'min' | 'max' | 'sum';

function statistic(acc: ColumnAccumulator, stat: Statistic): number {
  const m = acc.moments;
  if (stat === 'median') return medianOf(acc);
  if (m === null) throw new EvaluationError('internal: moments were not kept');
  switch (stat) {
    case 'mean':
      return m.average;
    case 'stdev':
      return m.stdev;
    case 'min':
      return m.count === 0 ? NaN : m.min;
    case 'max':
      return m.count === 0 ? NaN : m.max;
    case 'sum':
      return m.sum;
  }
}

/** Values kept for the column, sorted once however many expectations ask. */
function sortedValues(acc: ColumnAccumulator): Float64Array {
  const kept = acc.values;
  if (kept === null) throw new EvaluationError('internal: values were not kept');
  const view = kept.view();
  if (!sortedOnce.has(acc)) {
    sortFloat64(view);
    sortedOnce.add(acc);
  }
  return view;
}
const sortedOnce = new WeakSet<ColumnAccumulator>();

function medianOf(acc: ColumnAccumulator): number {
  const v = sortedValues(acc);
  const n = v.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/** numpy/pandas quantile with interpolation "nearest": the index (n-1)·q rounded half to even. */
export function nearestQuantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  let i = Math.floor(pos);
  const frac = pos - i;
  if (frac > 0.5 || (frac === 0.5 && i % 2 === 1)) i++;
  return sorted[Math.min(n - 1, Math.max(0, i))];
}

function statDef(stat: Statistic, label: string): ExpectationDef {
  const name = `expect_column_${stat}_to_be_between`;
  return define({
    name,
    domain: 'column',
    map: false,
    description: `the column's ${label} lies between min_value and max_value`,
    kwargs: betweenKwargs,
    required: ['column'],
    check: (k) => checkBetween(k, false),
    columns: (k) => [k.column],
    wants: (k) => {
      const kind = kindWantedBy(k.min_value) ?? kindWantedBy(k.max_value) ?? 'number';
      return { [k.column]: kind };
    },
    plan: (k, ctx) => {
      const acc = ctx.column(k.column);
      requireNumeric(acc, name);
      if (stat === 'median') acc.needValues();
      else acc.needMoments();
      return () => {
        const { kind } = acc.info;
        const observed = statistic(acc, stat);
        const asDate = kind === 'datetime' && stat !== 'stdev' && stat !== 'sum';
        return betweenOutcome({
          what: label,
          observed: Number.isNaN(observed) ? null : observed,
          shown: asDate ? shownFor(acc, observed) : observed,
          lo: boundFor(asDate ? 'datetime' : 'number', k.min_value, 'min_value', k.column),
          hi: boundFor(asDate ? 'datetime' : 'number', k.max_value, 'max_value', k.column),
          k,
          details: mismatchDetails(acc),
          why: stat === 'stdev' ? 'fewer than 2 values' : 'no values',
        });
      };
    },
  });
}

const quantileRanges = z.strictObject({
  quantiles: z.array(z.number()).check(z.minLength(1)),
  value_ranges: z.array(z.array(z.nullable(z.number()))),
});

const quantiles = define({
  name: 'expect_column_quantile_values_to_be_between',
  domain: 'column',
  map: false,
  description:
    'each quantile in quantile_ranges.quantiles lies in its [min, max] of value_ranges (interpolation "nearest", as GX on pandas)',
  kwargs: {
    column: columnName,
    quantile_ranges: quantileRanges,
    allow_relative_error: z.optional(z.union([z.boolean(), z.string(), z.number()])),
  },
  required: ['column', 'quantile_ranges'],
  check: (k) => {
    const { quantiles: qs, value_ranges: ranges } = k.quantile_ranges;
    const problems: [string, string][] = [];
    if (qs.length !== ranges.length)
      problems.push([
        'quantile_ranges',
        `quantiles has ${qs.length} entries but value_ranges ${ranges.length}`,
      ]);
    if (qs.some((q) => q < 0 || q > 1))
      problems.push(['quantile_ranges', 'quantiles must lie between 0 and 1']);
    for (const r of ranges) {
      if (r.length !== 2)
        problems.push(['quantile_ranges', `value range ${show(r)} must be [min, max]`]);
      else if (r[0] !== null && r[1] !== null && r[0] > r[1])
        problems.push(['quantile_ranges', `value range ${show(r)} has min above max`]);
    }
    return problems;
  },
  columns: (k) => [k.column],
  wants: (k) => ({ [k.column]: 'number' }),
  plan: (k, ctx) => {
    const acc = ctx.column(k.column);
    requireNumeric(acc, 'expect_column_quantile_values_to_be_between');
    acc.needValues();
    return () => {
      const sorted = sortedValues(acc);
      const { quantiles: qs, value_ranges: ranges } = k.quantile_ranges;
      const values = qs.map((q) => nearestQuantile(sorted, q));
      const successDetails = values.map((v, i) => {
        const [lo, hi] = ranges[i];
        return !Number.isNaN(v) && (lo === null || v >= lo) && (hi === null || v <= hi);
      });
      const success = successDetails.every(Boolean);
      const bad = qs.flatMap((q, i) =>
        successDetails[i] ? [] : [`q${q} = ${fmt(values[i])} not in ${show(ranges[i])}`],
      );
      return plainOutcome(
        success,
        { quantiles: qs, values: values.map((v) => (Number.isNaN(v) ? null : shownFor(acc, v))) },
        success
          ? `quantiles ${qs.map((q, i) => `q${q} = ${fmt(values[i])}`).join(', ')} within their ranges`
          : bad.join('; '),
        { success_details: successDetails, ...mismatchDetails(acc) },
      );
    };
  },
});

/** Distinct values in a stable order: numbers ascending, then booleans, then text. */
function sortKeys(keys: Key[]): Key[] {
  const rank = (k: Key): number => (typeof k === 'number' ? 0 : typeof k === 'boolean' ? 1 : 2);
  return keys.sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return ra - rb;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  });
}

/** Distinct values with their counts, sorted by value. */
function distinctEntries(acc: ColumnAccumulator): { key: Key; count: number }[] {
  const index = acc.index;
  if (index === null) throw new EvaluationError('internal: the value index was not kept');
  const entries: { key: Key; count: number }[] = [];
  for (let s = 0; s < index.size; s++) {
    if (index.counts[s] > 0) entries.push({ key: index.keys[s], count: index.counts[s] });
  }
  const order = new Map(sortKeys(entries.map((e) => e.key)).map((key, i) => [key, i]));
  return entries.sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
}

/** Lists in results stay readable: the first MAX_LISTED values, and the count. */
const MAX_LISTED = 100;

function listed(acc: ColumnAccumulator, keys: Key[]): unknown[] {
  return keys.slice(0, MAX_LISTED).map((key) => presentKey(acc.info.kind, key));
}

function uniqueStatDef(
  name: string,
  label: string,
  observe: (acc: ColumnAccumulator) => number,
): ExpectationDef {
  return define({
    name,
    domain: 'column',
    map: false,
    description: `the column's ${label} lies between min_value and max_value`,
    kwargs: {
      column: columnName,
      min_value: z.optional(z.nullable(z.number())),
      max_value: z.optional(z.nullable(z.number())),
      strict_min: flag,
      strict_max: flag,
    },
    required: ['column'],
    check: (k) => checkBetween(k, false),
    columns: (k) => [k.column],
    plan: (k, ctx) => {
      const acc = ctx.column(k.column);
      acc.needIndex();
      return () =>
        betweenOutcome({
          what: label,
          observed: observe(acc),
          lo: k.min_value ?? undefined,
          hi: k.max_value ?? undefined,
          k: k,
        });
    },
  });
}

const nonMissing = (acc: ColumnAccumulator): number => acc.rows - acc.missing;

type SetRelation = 'in' | 'equal' | 'contain';

function distinctSetDef(relation: SetRelation): ExpectationDef {
  const name =
    relation === 'in'
      ? 'expect_column_distinct_values_to_be_in_set'
      : relation === 'equal'
        ? 'expect_column_distinct_values_to_equal_set'
        : 'expect_column_distinct_values_to_contain_set';
  return define({
    name,
    domain: 'column',
    map: false,
    description:
      relation === 'in'
        ? 'every distinct value is in value_set'
        : relation === 'equal'
          ? 'the distinct values are exactly value_set'
          : 'the distinct values include all of value_set',
    kwargs: { column: columnName, value_set: valueSet },
    required: ['column', 'value_set'],
    columns: (k) => [k.column],
    plan: (k, ctx) => {
      const acc = ctx.column(k.column);
      acc.needIndex();
      return (): Outcome => {
        const entries = distinctEntries(acc);
        const keys = entries.map((e) => e.key);
        const expected = new ValueSet(acc.info.kind, k.value_set).all();
        const have = new Set(keys);
        const extra = keys.filter((key) => !expected.has(key));
        const missing = sortKeys([...expected].filter((key) => !have.has(key)));
        const success =
          relation === 'in'
            ? extra.length === 0
            : relation === 'contain'
              ? missing.length === 0
              : extra.length === 0 && missing.length === 0;
        const show20 = (list: Key[]): string =>
          show(list.slice(0, 20).map((key) => presentKey(acc.info.kind, key)));
        const problems: string[] = [];
        if (relation !== 'contain' && extra.length > 0)
          problems.push(`${count(extra.length)} not in the set: ${show20(extra)}`);
        if (relation !== 'in' && missing.length > 0)
          problems.push(`${count(missing.length)} of the set never seen: ${show20(missing)}`);
        const valueCounts = entries
          .slice(0, MAX_LISTED)
          .map((e) => ({ value: presentKey(acc.info.kind, e.key), count: e.count }));
        return plainOutcome(
          success,
          listed(acc, keys),
          success
            ? `${count(keys.length)} distinct values ${relation === 'contain' ? 'include the set' : relation === 'equal' ? 'equal the set' : 'all in the set'}`
            : problems.join('; '),
          {
            value_counts: valueCounts,
            ...(keys.length > MAX_LISTED && { distinct_count: keys.length, truncated: true }),
          },
        );
      };
    },
  });
}

const mostCommon = define({
  name: 'expect_column_most_common_value_to_be_in_set',
  domain: 'column',
  map: false,
  description: 'the most common value is in value_set (with ties_okay, any of several tied ones)',
  kwargs: { column: columnName, value_set: valueSet, ties_okay: flag },
  required: ['column', 'value_set'],
  columns: (k) => [k.column],
  plan: (k, ctx) => {
    const acc = ctx.column(k.column);
    acc.needIndex();
    return () => {
      const index = acc.index;
      if (index === null) throw new EvaluationError('internal: the value index was not kept');
      let top = 0;
      for (let s = 0; s < index.size; s++) if (index.counts[s] > top) top = index.counts[s];
      const modes: Key[] = [];
      for (let s = 0; s < index.size; s++)
        if (top > 0 && index.counts[s] === top) modes.push(index.keys[s]);
      sortKeys(modes);
      const expected = new ValueSet(acc.info.kind, k.value_set).all();
      const hits = modes.filter((m) => expected.has(m)).length;
      const success = k.ties_okay === true ? hits > 0 : modes.length === 1 && hits === 1;
      const shown = listed(acc, modes);
      const what =
        modes.length === 0
          ? 'no values'
          : `most common ${modes.length > 1 ? `values (tied, ${count(top)} rows each)` : `value (${count(top)} rows)`} ${show(modes.length > 1 ? shown : shown[0])}`;
      return plainOutcome(
        success,
        shown,
        success
          ? `${what} in the set`
          : `${what}${modes.length > 1 && k.ties_okay !== true ? ' (ties are not okay)' : ''}; expected one of ${show(k.value_set)}`,
      );
    };
  },
});

const toExist = define({
  name: 'expect_column_to_exist',
  domain: 'column',
  map: false,
  description: 'the column exists (at the 0-based column_index, if given)',
  kwargs: { column: columnName, column_index: z.optional(z.nullable(nonNegativeInt)) },
  required: ['column'],
  testsExistence: true,
  columns: () => [],
  plan: (k, ctx) => () => {
    const cols = ctx.schema.fileColumns;
    const at = cols.indexOf(k.column);
    const want = k.column_index ?? undefined;
    if (at < 0) return plainOutcome(false, null, `no column "${k.column}"`);
    if (want !== undefined && at !== want) {
      return plainOutcome(
        false,
        at,
        `column "${k.column}" is at index ${at}, expected ${want} (where ${cols[want] === undefined ? 'there is no column' : `"${cols[want]}" is`})`,
      );
    }
    return plainOutcome(true, at, `column "${k.column}" exists at index ${at}`);
  },
});

export const COLUMN_AGGREGATE: readonly ExpectationDef[] = [
  statDef('mean', 'mean'),
  statDef('median', 'median'),
  statDef('stdev', 'standard deviation'),
  statDef('min', 'minimum'),
  statDef('max', 'maximum'),
  statDef('sum', 'sum'),
  quantiles,
  uniqueStatDef(
    'expect_column_proportion_of_unique_values_to_be_between',
    'proportion of unique values',
    (acc) => (nonMissing(acc) === 0 ? 0 : (acc.index?.size ?? 0) / nonMissing(acc)),
  ),
  uniqueStatDef(
    'expect_column_unique_value_count_to_be_between',
    'number of unique values',
    (acc) => acc.index?.size ?? 0,
  ),
  distinctSetDef('in'),
  distinctSetDef('equal'),
  distinctSetDef('contain'),
  mostCommon,
  toExist,
];

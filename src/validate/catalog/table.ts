/** Table expectations: the row count and the columns' names and order. */
import * as z from 'zod/mini';
import '../../util/schema.js';
import { count, show } from '../values.js';
import {
  betweenOutcome,
  checkBetween,
  columnList,
  define,
  flag,
  nonNegativeInt,
  numberBound,
  plainOutcome,
  type ExpectationDef,
} from './common.js';

const countBetween = {
  min_value: numberBound,
  max_value: numberBound,
  strict_min: flag,
  strict_max: flag,
};

const rowCountBetween = define({
  name: 'expect_table_row_count_to_be_between',
  domain: 'table',
  map: false,
  description: 'the number of data rows lies between min_value and max_value',
  kwargs: countBetween,
  required: [],
  check: (k) => checkBetween(k, false),
  columns: () => [],
  plan: (k, ctx) => () =>
    betweenOutcome({
      what: 'row count',
      observed: ctx.rows(),
      lo: k.min_value ?? undefined,
      hi: k.max_value ?? undefined,
      k: k,
    }),
});

const rowCountEqual = define({
  name: 'expect_table_row_count_to_equal',
  domain: 'table',
  map: false,
  description: 'the number of data rows is value',
  kwargs: { value: nonNegativeInt },
  required: ['value'],
  columns: () => [],
  plan: (k, ctx) => () => {
    const rows = ctx.rows();
    return plainOutcome(
      rows === k.value,
      rows,
      `row count ${count(rows)}${rows === k.value ? '' : `, expected ${count(k.value)}`}`,
    );
  },
});

const columnCountEqual = define({
  name: 'expect_table_column_count_to_equal',
  domain: 'table',
  map: false,
  description: 'the table has value columns',
  kwargs: { value: nonNegativeInt },
  required: ['value'],
  columns: () => [],
  plan: (k, ctx) => () => {
    const n = ctx.schema.fileColumns.length;
    return plainOutcome(
      n === k.value,
      n,
      `${n} columns${n === k.value ? '' : `, expected ${k.value}`}`,
    );
  },
});

const columnCountBetween = define({
  name: 'expect_table_column_count_to_be_between',
  domain: 'table',
  map: false,
  description: 'the number of columns lies between min_value and max_value',
  kwargs: countBetween,
  required: [],
  check: (k) => checkBetween(k, false),
  columns: () => [],
  plan: (k, ctx) => () =>
    betweenOutcome({
      what: 'column count',
      observed: ctx.schema.fileColumns.length,
      lo: k.min_value ?? undefined,
      hi: k.max_value ?? undefined,
      k: k,
    }),
});

const matchSet = define({
  name: 'expect_table_columns_to_match_set',
  domain: 'table',
  map: false,
  description: 'the columns are column_set, in any order (exact_match: false allows more columns)',
  kwargs: { column_set: z.array(z.string()), exact_match: flag },
  required: ['column_set'],
  columns: () => [],
  testsExistence: true,
  plan: (k, ctx) => () => {
    const cols = ctx.schema.fileColumns;
    const have = new Set(cols);
    const want = new Set(k.column_set);
    // as GX: sorted lists, and only the non-empty ones under details.mismatched
    const missing = [...new Set(k.column_set)].filter((c) => !have.has(c)).sort();
    const unexpected = cols.filter((c) => !want.has(c)).sort();
    const exact = k.exact_match !== false;
    const success = missing.length === 0 && (!exact || unexpected.length === 0);
    if (missing.length === 0 && unexpected.length === 0) {
      return plainOutcome(true, [...cols], `${cols.length} columns match the set`);
    }
    const mismatched = {
      ...(unexpected.length > 0 && { unexpected }),
      ...(missing.length > 0 && { missing }),
    };
    const problems: string[] = [];
    if (missing.length > 0) problems.push(`missing ${show(missing)}`);
    if (unexpected.length > 0) {
      problems.push(
        `${exact ? 'unexpected' : 'also (allowed by exact_match: false)'} ${show(unexpected)}`,
      );
    }
    return plainOutcome(success, [...cols].sort(), problems.join('; '), { mismatched });
  },
});

const matchOrderedList = define({
  name: 'expect_table_columns_to_match_ordered_list',
  domain: 'table',
  map: false,
  description: 'the columns are exactly column_list, in that order',
  kwargs: { column_list: columnList },
  required: ['column_list'],
  columns: () => [],
  testsExistence: true,
  plan: (k, ctx) => () => {
    const cols = ctx.schema.fileColumns;
    const mismatched: {
      'Expected Column Position': number;
      Expected: string | null;
      Found: string | null;
    }[] = [];
    for (let i = 0; i < Math.max(cols.length, k.column_list.length); i++) {
      const expected = k.column_list[i] ?? null;
      const found = cols[i] ?? null;
      if (expected !== found)
        mismatched.push({ 'Expected Column Position': i, Expected: expected, Found: found });
    }
    const success = mismatched.length === 0;
    const first = mismatched[0];
    return plainOutcome(
      success,
      [...cols],
      success
        ? `${cols.length} columns in the expected order`
        : `${mismatched.length} position(s) differ; first at index ${first['Expected Column Position']}: expected ${show(first.Expected)}, found ${show(first.Found)}`,
      success ? undefined : { mismatched },
    );
  },
});

export const TABLE: readonly ExpectationDef[] = [
  rowCountBetween,
  rowCountEqual,
  columnCountEqual,
  columnCountBetween,
  matchSet,
  matchOrderedList,
];

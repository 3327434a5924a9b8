/**
 * Column map expectations: a yes/no question per row of one column. Missing cells
 * (null, NaN) are left out and `mostly` is the share of the remaining rows that must
 * pass — except in the null checks themselves, which count every row.
 */
import * as z from 'zod/mini';
import '../../util/schema.js';
import { Unexpected, type ColumnAccumulator } from '../accumulate.js';
import { MissingCheck, TestCheck, type Tester } from '../checks.js';
import { summarizeDuplicates } from '../duplicates.js';
import {
  boundFor,
  codePointLength,
  compileRegex,
  describeRange,
  EvaluationError,
  isNumericKind,
  isoOf,
  kindWantedBy,
  makeBetween,
  presentKey,
  show,
  typeClassOf,
  ValueSet,
  type TypeClass,
} from '../values.js';
import {
  betweenKwargs,
  checkBetween,
  columnName,
  define,
  flag,
  mapOutcome,
  nonNegativeInt,
  valueSet,
  type ExpectationDef,
  type Evaluate,
  type PlanContext,
} from './common.js';

/** Plan a TestCheck on a column and report it as a map result. */
function planTest(
  ctx: PlanContext,
  column: string,
  tester: (acc: ColumnAccumulator) => Tester,
  name: string,
  bad: string,
  extra?: (acc: ColumnAccumulator) => Record<string, unknown>,
): Evaluate {
  const acc = ctx.column(column);
  const check = new TestCheck(acc.info, tester(acc), ctx.limit, name);
  acc.checks.push(check);
  return () => {
    const out = mapOutcome({
      acc,
      rows: ctx.rows(),
      considered: acc.rows - acc.missing,
      unexpected: check.unexpected,
      mostly: ctx.mostly,
      bad,
    });
    if (extra !== undefined) out.result = { ...extra(acc), ...out.result };
    return out;
  };
}

const wantsBounds = (
  column: string,
  ...values: unknown[]
): Record<string, 'number' | 'datetime'> => {
  for (const v of values) {
    const kind = kindWantedBy(v);
    if (kind !== undefined) return { [column]: kind };
  }
  return {};
};

const notNull = define({
  name: 'expect_column_values_to_not_be_null',
  domain: 'column',
  map: true,
  description: 'values are not null (null tokens, empty cells, NaN)',
  kwargs: { column: columnName },
  required: ['column'],
  columns: (k) => [k.column],
  plan: (k, ctx) => {
    const acc = ctx.column(k.column);
    const check = new MissingCheck(acc.info, false, ctx.limit);
    acc.checks.push(check);
    return () =>
      mapOutcome({
        acc,
        rows: ctx.rows(),
        considered: null,
        unexpected: check.unexpected,
        mostly: ctx.mostly,
        emptySuccess: false,
        bad: 'are null',
        noun: 'rows',
        exampleRows: true,
      });
  },
});

const beNull = define({
  name: 'expect_column_values_to_be_null',
  domain: 'column',
  map: true,
  description: 'values are null',
  kwargs: { column: columnName },
  required: ['column'],
  columns: (k) => [k.column],
  plan: (k, ctx) => {
    const acc = ctx.column(k.column);
    const check = new MissingCheck(acc.info, true, ctx.limit);
    acc.checks.push(check);
    return () =>
      mapOutcome({
        acc,
        rows: ctx.rows(),
        considered: null,
        unexpected: check.unexpected,
        mostly: ctx.mostly,
        emptySuccess: false,
        bad: 'are not null',
        noun: 'rows',
      });
  },
});

const between = define({
  name: 'expect_column_values_to_be_between',
  domain: 'column',
  map: true,
  description:
    'values lie between min_value and max_value (inclusive unless strict_min/strict_max)',
  kwargs: betweenKwargs,
  required: ['column'],
  check: (k) => checkBetween(k, true),
  columns: (k) => [k.column],
  wants: (k) => wantsBounds(k.column, k.min_value, k.max_value),
  plan: (k, ctx) => {
    const range = describeRange(
      k.min_value,
      k.max_value,
      k.strict_min === true,
      k.strict_max === true,
    );
    return planTest(
      ctx,
      k.column,
      (acc) => {
        const { kind, name } = acc.info;
        const lo = boundFor(kind, k.min_value, 'min_value', name);
        const hi = boundFor(kind, k.max_value, 'max_value', name);
        const inRange = makeBetween<number | string>(
          lo,
          hi,
          k.strict_min === true,
          k.strict_max === true,
        );
        if (typeof lo === 'string' || typeof hi === 'string') return { text: inRange };
        return { number: inRange, boolean: (b) => inRange(b ? 1 : 0) };
      },
      'expect_column_values_to_be_between',
      `outside ${range}`,
    );
  },
});

function setTester(
  kind: Parameters<typeof presentKey>[0],
  items: readonly unknown[],
  inSet: boolean,
): Tester {
  const set = new ValueSet(kind, items);
  const ok = (key: number | string | boolean): boolean => set.has(key) === inSet;
  return { number: ok, boolean: ok, text: ok, mismatch: ok };
}

const inSet = define({
  name: 'expect_column_values_to_be_in_set',
  domain: 'column',
  map: true,
  description: 'values are in value_set',
  kwargs: { column: columnName, value_set: valueSet },
  required: ['column', 'value_set'],
  columns: (k) => [k.column],
  plan: (k, ctx) =>
    planTest(
      ctx,
      k.column,
      (acc) => setTester(acc.info.kind, k.value_set, true),
      'expect_column_values_to_be_in_set',
      `not in ${show(k.value_set)}`,
    ),
});

const notInSet = define({
  name: 'expect_column_values_to_not_be_in_set',
  domain: 'column',
  map: true,
  description: 'values are not in value_set',
  kwargs: { column: columnName, value_set: valueSet },
  required: ['column', 'value_set'],
  columns: (k) => [k.column],
  plan: (k, ctx) =>
    planTest(
      ctx,
      k.column,
      (acc) => setTester(acc.info.kind, k.value_set, false),
      'expect_column_values_to_not_be_in_set',
      `in ${show(k.value_set)}`,
    ),
});

/** Every layout judged through the value's text (regular expressions, lengths). */
function textTester(test: (s: string) => boolean): Tester {
  return {
    text: test,
    mismatch: test,
    boolean: (b) => test(b ? 'true' : 'false'),
    number: (v) => test(String(v)),
  };
}

function datetimeAware(
  acc: ColumnAccumulator,
  tester: Tester,
  test: (s: string) => boolean,
): Tester {
  if (acc.info.kind !== 'datetime') return tester;
  return { ...tester, number: (v) => test(String(isoOf(v))) };
}

export function regexProblems(patterns: readonly string[], key: string): [string, string][] {
  const problems: [string, string][] = [];
  for (const p of patterns) {
    try {
      compileRegex(p);
    } catch (err) {
      problems.push([
        key,
        `${JSON.stringify(p)} is not a usable regular expression: ${(err as Error).message}`,
      ]);
    }
  }
  return problems;
}

function regexDef(name: string, match: boolean): ExpectationDef {
  return define({
    name,
    domain: 'column',
    map: true,
    description: match
      ? 'values match the regular expression regex (anywhere, as re.search)'
      : 'values do not match the regular expression regex',
    kwargs: { column: columnName, regex: z.string() },
    required: ['column', 'regex'],
    check: (k) => regexProblems([k.regex], 'regex'),
    columns: (k) => [k.column],
    plan: (k, ctx) => {
      const re = compileRegex(k.regex);
      const test = (s: string): boolean => re.test(s) === match;
      return planTest(
        ctx,
        k.column,
        (acc) => datetimeAware(acc, textTester(test), test),
        name,
        `${match ? 'do not match' : 'match'} /${k.regex}/`,
      );
    },
  });
}

function planRegexList(
  ctx: PlanContext,
  column: string,
  patterns: readonly string[],
  name: string,
  mode: 'any' | 'all' | 'none',
): Evaluate {
  const res = patterns.map(compileRegex);
  const test =
    mode === 'all'
      ? (s: string) => res.every((r) => r.test(s))
      : mode === 'any'
        ? (s: string) => res.some((r) => r.test(s))
        : (s: string) => !res.some((r) => r.test(s));
  return planTest(
    ctx,
    column,
    (acc) => datetimeAware(acc, textTester(test), test),
    name,
    mode === 'none'
      ? 'match one of the patterns'
      : `match ${mode === 'all' ? 'not all' : 'none'} of the patterns`,
  );
}

const regexList = z.array(z.string()).check(z.minLength(1));

const matchRegexList = define({
  name: 'expect_column_values_to_match_regex_list',
  domain: 'column',
  map: true,
  description: 'values match any (match_on: any) or all (match_on: all) of regex_list',
  kwargs: {
    column: columnName,
    regex_list: regexList,
    match_on: z.optional(z.enum(['any', 'all'])),
  },
  required: ['column', 'regex_list'],
  check: (k) => regexProblems(k.regex_list, 'regex_list'),
  columns: (k) => [k.column],
  plan: (k, ctx) =>
    planRegexList(
      ctx,
      k.column,
      k.regex_list,
      'expect_column_values_to_match_regex_list',
      k.match_on ?? 'any',
    ),
});

const notMatchRegexList = define({
  name: 'expect_column_values_to_not_match_regex_list',
  domain: 'column',
  map: true,
  description: 'values match none of regex_list',
  kwargs: { column: columnName, regex_list: regexList },
  required: ['column', 'regex_list'],
  check: (k) => regexProblems(k.regex_list, 'regex_list'),
  columns: (k) => [k.column],
  plan: (k, ctx) =>
    planRegexList(
      ctx,
      k.column,
      k.regex_list,
      'expect_column_values_to_not_match_regex_list',
      'none',
    ),
});

const lengthsBetween = define({
  name: 'expect_column_value_lengths_to_be_between',
  domain: 'column',
  map: true,
  description: 'the length of each value (as text) lies between min_value and max_value',
  kwargs: {
    column: columnName,
    min_value: z.optional(z.nullable(nonNegativeInt)),
    max_value: z.optional(z.nullable(nonNegativeInt)),
    strict_min: flag,
    strict_max: flag,
  },
  required: ['column'],
  check: (k) => checkBetween(k, true),
  columns: (k) => [k.column],
  plan: (k, ctx) => {
    const inRange = makeBetween<number>(
      k.min_value ?? undefined,
      k.max_value ?? undefined,
      k.strict_min === true,
      k.strict_max === true,
    );
    const test = (s: string): boolean => inRange(codePointLength(s));
    const range = describeRange(
      k.min_value,
      k.max_value,
      k.strict_min === true,
      k.strict_max === true,
    );
    return planTest(
      ctx,
      k.column,
      (acc) => datetimeAware(acc, textTester(test), test),
      'expect_column_value_lengths_to_be_between',
      `have a length outside ${range}`,
    );
  },
});

const lengthsEqual = define({
  name: 'expect_column_value_lengths_to_equal',
  domain: 'column',
  map: true,
  description: 'every value (as text) has length value',
  kwargs: { column: columnName, value: nonNegativeInt },
  required: ['column', 'value'],
  columns: (k) => [k.column],
  plan: (k, ctx) => {
    const test = (s: string): boolean => codePointLength(s) === k.value;
    return planTest(
      ctx,
      k.column,
      (acc) => datetimeAware(acc, textTester(test), test),
      'expect_column_value_lengths_to_equal',
      `do not have length ${k.value}`,
    );
  },
});

/** Whether each cell is of one of the type classes: by the column's kind and, for integers, the value. */
function typeTester(classes: ReadonlySet<TypeClass>, kind: string): Tester {
  const isString = classes.has('string');
  if (kind === 'datetime')
    return { number: () => classes.has('datetime'), mismatch: () => isString };
  return {
    number: (v) => classes.has('float') || (classes.has('integer') && Number.isInteger(v)),
    boolean: () => classes.has('boolean'),
    text: () => isString,
    mismatch: () => isString,
  };
}

export function typeProblems(names: readonly string[], key: string): [string, string][] {
  return names
    .filter((n) => typeClassOf(n) === undefined)
    .map((n) => [
      key,
      `unknown type "${n}"; use int, float, str, bool or datetime (or a pandas/numpy/SQL name for one)`,
    ]);
}

function planType(
  ctx: PlanContext,
  column: string,
  names: readonly string[],
  name: string,
): Evaluate {
  const classes = new Set(names.map((n) => typeClassOf(n) as TypeClass));
  return planTest(
    ctx,
    column,
    (acc) => typeTester(classes, acc.info.kind),
    name,
    `are not ${names.join(' or ')}`,
    (acc) => ({ observed_value: acc.info.kind }),
  );
}

const ofType = define({
  name: 'expect_column_values_to_be_of_type',
  domain: 'column',
  map: true,
  description: 'every value is of type type_ (int, float, str, bool, datetime)',
  kwargs: { column: columnName, type_: z.string() },
  required: ['column', 'type_'],
  check: (k) => typeProblems([k.type_], 'type_'),
  columns: (k) => [k.column],
  plan: (k, ctx) => planType(ctx, k.column, [k.type_], 'expect_column_values_to_be_of_type'),
});

const inTypeList = define({
  name: 'expect_column_values_to_be_in_type_list',
  domain: 'column',
  map: true,
  description: 'every value is of one of the types in type_list',
  kwargs: { column: columnName, type_list: z.array(z.string()).check(z.minLength(1)) },
  required: ['column', 'type_list'],
  check: (k) => typeProblems(k.type_list, 'type_list'),
  columns: (k) => [k.column],
  plan: (k, ctx) => planType(ctx, k.column, k.type_list, 'expect_column_values_to_be_in_type_list'),
});

/** Rows of repeated values of a numeric column, found by sorting (see duplicates.ts). */
function numericDuplicates(acc: ColumnAccumulator, limit: number): Unexpected {
  const rowKeys = acc.rowKeys;
  if (rowKeys === null) throw new EvaluationError('internal: row values were not kept');
  const summary = summarizeDuplicates(rowKeys.view(), limit);
  const found: { row: number; value: unknown }[] = summary.first.map(({ row, key }) => ({
    row,
    value: presentKey(acc.info.kind, key),
  }));
  let rows = summary.duplicateRows;
  for (const [raw, entry] of acc.mismatchKeys) {
    if (entry.count < 2) continue;
    rows += entry.count;
    for (const row of entry.rows) found.push({ row, value: raw });
  }
  found.sort((a, b) => a.row - b.row);
  const unexpected = new Unexpected(limit);
  for (const f of found.slice(0, limit)) unexpected.add(f.row, f.value);
  unexpected.count = rows;
  return unexpected;
}

function indexDuplicates(acc: ColumnAccumulator, limit: number): Unexpected {
  const index = acc.index;
  if (index === null) throw new EvaluationError('internal: the value index was not kept');
  const dups = index.duplicates();
  const unexpected = new Unexpected(limit);
  for (const { row, slot } of index.firstDuplicateRows(dups.slots, limit)) {
    unexpected.add(row, presentKey(acc.info.kind, index.keys[slot]));
  }
  unexpected.count = dups.rows;
  return unexpected;
}

const unique = define({
  name: 'expect_column_values_to_be_unique',
  domain: 'column',
  map: true,
  description: 'no value occurs twice (every row of a repeated value is unexpected)',
  kwargs: { column: columnName },
  required: ['column'],
  columns: (k) => [k.column],
  plan: (k, ctx) => {
    const acc = ctx.column(k.column);
    const numeric = isNumericKind(acc.info.kind);
    if (numeric) acc.needRowKeys(ctx.limit);
    else acc.needIndex({ repeats: ctx.limit });
    return () => {
      const unexpected = numeric
        ? numericDuplicates(acc, ctx.limit)
        : indexDuplicates(acc, ctx.limit);
      return mapOutcome({
        acc,
        rows: ctx.rows(),
        considered: acc.rows - acc.missing,
        unexpected,
        mostly: ctx.mostly,
        bad: 'share a value with another row',
      });
    };
  },
});

export const COLUMN_MAP: readonly ExpectationDef[] = [
  notNull,
  beNull,
  unique,
  between,
  inSet,
  notInSet,
  regexDef('expect_column_values_to_match_regex', true),
  regexDef('expect_column_values_to_not_match_regex', false),
  matchRegexList,
  notMatchRegexList,
  lengthsBetween,
  lengthsEqual,
  ofType,
  inTypeList,
];

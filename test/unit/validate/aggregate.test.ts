import { describe, expect, it } from 'vitest';
import { nearestQuantile } from '../../../src/validate/catalog/column-aggregate.js';
import { column, one, runCsv } from './helpers.js';

const values = [4, 8, 15, 16, 23, 42];
const csv = column([4, '', 8, 15, 'NaN', 16, 23, 42]);

// computed here, independently of the code under test
const mean = values.reduce((a, b) => a + b, 0) / values.length; // 18
const sampleVar = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
const stdev = Math.sqrt(sampleVar);

describe('column statistics between bounds', () => {
  it.each([
    ['expect_column_mean_to_be_between', mean],
    ['expect_column_median_to_be_between', 15.5],
    ['expect_column_stdev_to_be_between', stdev],
    ['expect_column_min_to_be_between', 4],
    ['expect_column_max_to_be_between', 42],
    ['expect_column_sum_to_be_between', 108],
  ])('%s observes %d over the non-missing values, passing and failing', async (name, expected) => {
    const pass = await one(csv, name, {
      column: 'x',
      min_value: expected - 0.5,
      max_value: expected + 0.5,
    });
    expect(pass.success).toBe(true);
    expect(pass.result.observed_value as number).toBeCloseTo(expected, 12);
    const fail = await one(csv, name, { column: 'x', min_value: expected + 0.5 });
    expect(fail.success).toBe(false);
    expect(fail.summary).toMatch(/expected ≥/);
  });

  it('strict bounds exclude an observed value equal to them', async () => {
    expect(
      (await one(csv, 'expect_column_max_to_be_between', { column: 'x', max_value: 42 })).success,
    ).toBe(true);
    expect(
      (
        await one(csv, 'expect_column_max_to_be_between', {
          column: 'x',
          max_value: 42,
          strict_max: true,
        })
      ).success,
    ).toBe(false);
    expect(
      (
        await one(csv, 'expect_column_min_to_be_between', {
          column: 'x',
          min_value: 4,
          strict_min: true,
        })
      ).success,
    ).toBe(false);
  });

  it('a statistic of no values is null and fails, as in GX', async () => {
    const r = await one(column(['', '']), 'expect_column_mean_to_be_between', {
      column: 'x',
      min_value: 0,
    });
    expect(r.success).toBe(false);
    expect(r.result.observed_value).toBeNull();
    const sd = await one(column([5]), 'expect_column_stdev_to_be_between', {
      column: 'x',
      min_value: 0,
    });
    expect(sd.result.observed_value).toBeNull();
    // pandas' sum of nothing is 0
    const sum = await one(column(['', '']), 'expect_column_sum_to_be_between', {
      column: 'x',
      max_value: 0,
    });
    expect(sum.result.observed_value).toBe(0);
  });

  it('leaves mismatched cells out and says how many there were', async () => {
    const r = await one(column(['a', 2, 4, 'b']), 'expect_column_mean_to_be_between', {
      column: 'x',
      min_value: 0,
    });
    expect(r.result.observed_value).toBe(3);
    expect(r.result.details).toEqual({ mismatched_count: 2 });
  });

  it('min and max of a datetime column are dates', async () => {
    const dates = column(['2021-03-01', '2020-12-31T10:00:00Z', '2021-01-01']);
    const r = await one(dates, 'expect_column_min_to_be_between', {
      column: 'x',
      min_value: '2020-01-01',
    });
    expect(r.success).toBe(true);
    expect(r.result.observed_value).toBe('2020-12-31T10:00:00.000Z');
    expect(
      (
        await one(dates, 'expect_column_max_to_be_between', {
          column: 'x',
          max_value: '2021-02-01',
        })
      ).success,
    ).toBe(false);
  });

  it('a column without a single number has no mean', async () => {
    // read as numbers because of the numeric bound: every cell is a mismatch
    const run = await runCsv(
      '{"x": "a"}\n{"x": "b"}\n',
      [['expect_column_mean_to_be_between', { column: 'x', min_value: 0 }]],
      'd.jsonl',
    );
    const r = run.results[0];
    expect(r.success).toBe(false);
    expect(r.result.observed_value).toBeNull();
  });
});

describe('quantiles', () => {
  it('nearest interpolation rounds the position (n-1)q half to even, as numpy does', () => {
    const sorted = Float64Array.from([1, 2, 3, 4, 5, 6]);
    // positions 2.5 → 2, 0.5 → 0, 1.5 → 2, 3.5 → 4, 4.5 → 4 (numpy, checked by hand)
    expect([0.5, 0.1, 0.3, 0.7, 0.9].map((q) => nearestQuantile(sorted, q))).toEqual([
      3, 1, 3, 5, 5,
    ]);
    const four = Float64Array.from([1, 2, 3, 4]);
    expect([0.5, 0.1, 0.3, 0.7, 0.9].map((q) => nearestQuantile(four, q))).toEqual([3, 1, 2, 3, 4]);
  });

  it('each quantile must lie in its range; details say which did', async () => {
    // GX's own example: [1, 7, 2.5, 3, 2, 5, 6] at [0, .333, .667, 1] → [1, 2.5, 5, 7]
    const data = column([1, 7, 2.5, 3, 2, 5, 6]);
    const kwargs = {
      column: 'x',
      quantile_ranges: {
        quantiles: [0, 0.333, 0.667, 1],
        value_ranges: [
          [0, 1],
          [2, 3],
          [3, 4],
          [4, 5],
        ],
      },
    };
    const r = await one(data, 'expect_column_quantile_values_to_be_between', kwargs);
    expect(r.success).toBe(false);
    expect(r.result.observed_value).toEqual({
      quantiles: [0, 0.333, 0.667, 1],
      values: [1, 2.5, 5, 7],
    });
    expect(r.result.details).toEqual({ success_details: [true, true, false, false] });
    const ok = await one(data, 'expect_column_quantile_values_to_be_between', {
      column: 'x',
      quantile_ranges: { quantiles: [0.5], value_ranges: [[null, 3]] },
    });
    expect(ok.success).toBe(true);
  });
});

describe('distinct values', () => {
  const data = column(['b', 'a', '', 'b', 'c', 'b', 'a']);

  it('proportion of unique values is distinct / non-missing', async () => {
    const r = await one(data, 'expect_column_proportion_of_unique_values_to_be_between', {
      column: 'x',
      min_value: 0.5,
      max_value: 0.5,
    });
    expect(r.result.observed_value).toBe(3 / 6);
    expect(r.success).toBe(true);
    const strict = await one(data, 'expect_column_proportion_of_unique_values_to_be_between', {
      column: 'x',
      max_value: 0.5,
      strict_max: true,
    });
    expect(strict.success).toBe(false);
  });

  it('unique value count', async () => {
    const r = await one(data, 'expect_column_unique_value_count_to_be_between', {
      column: 'x',
      min_value: 4,
    });
    expect(r.result.observed_value).toBe(3);
    expect(r.success).toBe(false);
  });

  it('distinct values in / equal / contain a set', async () => {
    const inSet = await one(data, 'expect_column_distinct_values_to_be_in_set', {
      column: 'x',
      value_set: ['a', 'b'],
    });
    expect(inSet.success).toBe(false);
    expect(inSet.result.observed_value).toEqual(['a', 'b', 'c']);
    expect(inSet.result.details?.value_counts).toEqual([
      { value: 'a', count: 2 },
      { value: 'b', count: 3 },
      { value: 'c', count: 1 },
    ]);
    expect(
      (
        await one(data, 'expect_column_distinct_values_to_be_in_set', {
          column: 'x',
          value_set: ['a', 'b', 'c', 'd'],
        })
      ).success,
    ).toBe(true);
    expect(
      (
        await one(data, 'expect_column_distinct_values_to_equal_set', {
          column: 'x',
          value_set: ['a', 'b', 'c', 'd'],
        })
      ).success,
    ).toBe(false);
    expect(
      (
        await one(data, 'expect_column_distinct_values_to_equal_set', {
          column: 'x',
          value_set: ['c', 'b', 'a'],
        })
      ).success,
    ).toBe(true);
    expect(
      (
        await one(data, 'expect_column_distinct_values_to_contain_set', {
          column: 'x',
          value_set: ['a', 'c'],
        })
      ).success,
    ).toBe(true);
    expect(
      (
        await one(data, 'expect_column_distinct_values_to_contain_set', {
          column: 'x',
          value_set: ['a', 'z'],
        })
      ).success,
    ).toBe(false);
  });

  it('numbers are compared as numbers', async () => {
    const r = await one(column([3, 1, 2, 1]), 'expect_column_distinct_values_to_be_in_set', {
      column: 'x',
      value_set: [1, 2, '3'],
    });
    expect(r.success).toBe(true);
    expect(r.result.observed_value).toEqual([1, 2, 3]);
  });

  it('most common value, with and without ties', async () => {
    expect(
      (
        await one(data, 'expect_column_most_common_value_to_be_in_set', {
          column: 'x',
          value_set: ['b'],
        })
      ).success,
    ).toBe(true);
    const r = await one(data, 'expect_column_most_common_value_to_be_in_set', {
      column: 'x',
      value_set: ['a'],
    });
    expect(r.success).toBe(false);
    expect(r.result.observed_value).toEqual(['b']);
    const tied = column(['a', 'b', 'a', 'b', 'c']);
    const t = await one(tied, 'expect_column_most_common_value_to_be_in_set', {
      column: 'x',
      value_set: ['a'],
    });
    expect(t.result.observed_value).toEqual(['a', 'b']);
    expect(t.success).toBe(false);
    expect(
      (
        await one(tied, 'expect_column_most_common_value_to_be_in_set', {
          column: 'x',
          value_set: ['a'],
          ties_okay: true,
        })
      ).success,
    ).toBe(true);
  });
});

describe('table expectations', () => {
  const data = 'a,b,c\n1,2,3\n4,5,6\n7,8,9\n';

  it('row count between and equal', async () => {
    const run = await runCsv(data, [
      ['expect_table_row_count_to_be_between', { min_value: 3, max_value: 3 }],
      ['expect_table_row_count_to_be_between', { min_value: 3, strict_min: true }],
      ['expect_table_row_count_to_equal', { value: 3 }],
      ['expect_table_row_count_to_equal', { value: 4 }],
    ]);
    expect(run.results.map((r) => r.success)).toEqual([true, false, true, false]);
    expect(run.results[0].result.observed_value).toBe(3);
  });

  it('columns match a set, exactly or as a subset', async () => {
    const run = await runCsv(data, [
      ['expect_table_columns_to_match_set', { column_set: ['c', 'b', 'a'] }],
      ['expect_table_columns_to_match_set', { column_set: ['a', 'b', 'z'] }],
      ['expect_table_columns_to_match_set', { column_set: ['a', 'b'], exact_match: false }],
    ]);
    expect(run.results.map((r) => r.success)).toEqual([true, false, true]);
    expect(run.results[1].result.details).toEqual({
      mismatched: { unexpected: ['c'], missing: ['z'] },
    });
  });

  it('columns match an ordered list', async () => {
    const run = await runCsv(data, [
      ['expect_table_columns_to_match_ordered_list', { column_list: ['a', 'b', 'c'] }],
      ['expect_table_columns_to_match_ordered_list', { column_list: ['a', 'c', 'b'] }],
    ]);
    expect(run.results[0].success).toBe(true);
    expect(run.results[1].success).toBe(false);
    expect(run.results[1].result.details).toEqual({
      mismatched: [
        { 'Expected Column Position': 1, Expected: 'c', Found: 'b' },
        { 'Expected Column Position': 2, Expected: 'b', Found: 'c' },
      ],
    });
  });

  it('column count, and a column to exist (at an index)', async () => {
    const run = await runCsv(data, [
      ['expect_table_column_count_to_equal', { value: 3 }],
      ['expect_table_column_count_to_be_between', { min_value: 4 }],
      ['expect_column_to_exist', { column: 'b' }],
      ['expect_column_to_exist', { column: 'b', column_index: 1 }],
      ['expect_column_to_exist', { column: 'b', column_index: 0 }],
      ['expect_column_to_exist', { column: 'z' }],
    ]);
    expect(run.results.map((r) => r.success)).toEqual([true, false, true, true, false, false]);
  });
});

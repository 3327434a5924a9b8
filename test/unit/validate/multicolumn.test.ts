import { describe, expect, it } from 'vitest';
import { one } from './helpers.js';

describe('expect_column_pair_values_a_to_be_greater_than_b', () => {
  const csv = 'a,b\n5,1\n2,2\n1,3\n,4\n6,\n,\n9,8\n';

  it('a row with one missing value fails; rows with both missing are left out (GX default)', async () => {
    const r = await one(csv, 'expect_column_pair_values_a_to_be_greater_than_b', {
      column_A: 'a',
      column_B: 'b',
    });
    expect(r.success).toBe(false);
    // considered: 6 rows (the all-missing row is left out); unexpected: 2=2, 1<3, (null,4), (6,null)
    expect(r.result.unexpected_count).toBe(4);
    expect(r.result.missing_count).toBe(1);
    expect(r.result.unexpected_percent).toBeCloseTo((4 / 6) * 100, 12);
    expect(r.result.partial_unexpected_list).toEqual([
      [2, 2],
      [1, 3],
      [null, 4],
      [6, null],
    ]);
  });

  it('or_equal, ignore_row_if and mostly', async () => {
    const eq = await one(csv, 'expect_column_pair_values_a_to_be_greater_than_b', {
      column_A: 'a',
      column_B: 'b',
      or_equal: true,
      ignore_row_if: 'either_value_is_missing',
    });
    expect(eq.result.unexpected_count).toBe(1);
    expect(eq.result.element_count).toBe(7);
    expect(eq.result.missing_count).toBe(3);
    const mostly = await one(csv, 'expect_column_pair_values_a_to_be_greater_than_b', {
      column_A: 'a',
      column_B: 'b',
      ignore_row_if: 'either_value_is_missing',
      mostly: 0.5,
    });
    expect(mostly.success).toBe(true);
  });

  it('compares text with text and refuses text against numbers', async () => {
    const r = await one('a,b\nb,a\na,b\n', 'expect_column_pair_values_a_to_be_greater_than_b', {
      column_A: 'a',
      column_B: 'b',
    });
    expect(r.result.partial_unexpected_list).toEqual([['a', 'b']]);
    const mixed = await one('a,b\nx,1\ny,2\n', 'expect_column_pair_values_a_to_be_greater_than_b', {
      column_A: 'a',
      column_B: 'b',
    });
    expect(mixed.success).toBe(false);
    expect(mixed.exception_info.raised_exception).toBe(true);
    expect(mixed.exception_info.exception_message).toMatch(
      /cannot compare column "a" \(category\) with "b" \(number\)/,
    );
  });
});

describe('expect_column_pair_values_to_be_equal', () => {
  it('lists the rows that differ', async () => {
    const r = await one('a,b\n1,1\n2,3\n4,4\n', 'expect_column_pair_values_to_be_equal', {
      column_A: 'a',
      column_B: 'b',
    });
    expect(r.result.partial_unexpected_list).toEqual([[2, 3]]);
    expect(r.result.partial_unexpected_index_list).toEqual([1]);
  });
});

describe('expect_compound_columns_to_be_unique', () => {
  const csv = 'a,b,c\n1,x,p\n1,y,p\n1,x,q\n1,x,p\n2,,p\n2,,p\n,,\n,,\n';

  it('every row of a repeated combination is unexpected; all-missing rows are left out', async () => {
    const r = await one(csv, 'expect_compound_columns_to_be_unique', {
      column_list: ['a', 'b', 'c'],
    });
    expect(r.success).toBe(false);
    // (1,x,p) twice and (2,null,p) twice: a missing value is a value in a combination
    expect(r.result.unexpected_count).toBe(4);
    expect(r.result.element_count).toBe(8);
    expect(r.result.missing_count).toBe(2);
    expect(r.result.partial_unexpected_index_list).toEqual([0, 3, 4, 5]);
    expect(r.result.partial_unexpected_list).toEqual([
      { a: 1, b: 'x', c: 'p' },
      { a: 1, b: 'x', c: 'p' },
      { a: 2, b: null, c: 'p' },
      { a: 2, b: null, c: 'p' },
    ]);
  });

  it('ignore_row_if: any_value_is_missing and never', async () => {
    const any = await one(csv, 'expect_compound_columns_to_be_unique', {
      column_list: ['a', 'b', 'c'],
      ignore_row_if: 'any_value_is_missing',
    });
    expect(any.result.unexpected_count).toBe(2);
    const never = await one(csv, 'expect_compound_columns_to_be_unique', {
      column_list: ['a', 'b', 'c'],
      ignore_row_if: 'never',
    });
    expect(never.result.unexpected_count).toBe(6);
  });

  it('two columns that are unique together pass even when each repeats', async () => {
    const r = await one(csv, 'expect_compound_columns_to_be_unique', {
      column_list: ['b', 'c'],
      mostly: 0.5,
    });
    // the (b, c) pair of each row that is not all missing, counted here
    const pairs = ['x,p', 'y,p', 'x,q', 'x,p', ',p', ',p'];
    const counts = new Map<string, number>();
    for (const p of pairs) counts.set(p, (counts.get(p) ?? 0) + 1);
    const dupRows = pairs.filter((p) => (counts.get(p) ?? 0) > 1).length;
    expect(r.result.unexpected_count).toBe(dupRows);
    expect(r.success).toBe((pairs.length - dupRows) / pairs.length >= 0.5);
  });
});

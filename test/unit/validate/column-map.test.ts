import { describe, expect, it } from 'vitest';
import { column, one, runCsv } from './helpers.js';

/** Rows the reader infers kinds from: a cell after them that does not fit is a mismatch. */
const SAMPLE = 10_000;
const pastSample = (): number[] => Array.from({ length: SAMPLE }, (_, i) => i % 7);

describe('expect_column_values_to_not_be_null', () => {
  const csv = column([1, '', 3, 'NA', 5, 6, 'NaN', 8, 9, 10]);

  it('counts nulls, null tokens and NaN over all rows, and lists them as nulls with their rows', async () => {
    const r = await one(csv, 'expect_column_values_to_not_be_null', { column: 'x' });
    expect(r.success).toBe(false);
    expect(r.result.element_count).toBe(10);
    expect(r.result.unexpected_count).toBe(3);
    expect(r.result.unexpected_percent).toBeCloseTo(30, 12);
    expect(r.result.partial_unexpected_list).toEqual([null, null, null]);
    expect(r.result.partial_unexpected_index_list).toEqual([1, 3, 6]);
    // GX reports no missing_count for the null expectations: nothing is left out
    expect(r.result.missing_count).toBeUndefined();
  });

  it('mostly is the share of all rows that must hold a value', async () => {
    expect(
      (await one(csv, 'expect_column_values_to_not_be_null', { column: 'x', mostly: 0.7 })).success,
    ).toBe(true);
    expect(
      (await one(csv, 'expect_column_values_to_not_be_null', { column: 'x', mostly: 0.71 }))
        .success,
    ).toBe(false);
  });

  it('passes a column without nulls and fails an empty table, as GX does', async () => {
    expect(
      (await one(column([1, 2]), 'expect_column_values_to_not_be_null', { column: 'x' })).success,
    ).toBe(true);
    expect(
      (await one('x,i\n', 'expect_column_values_to_not_be_null', { column: 'x' })).success,
    ).toBe(false);
  });

  it('a mismatched cell is a value, not a null', async () => {
    // past the 10,000-row sample, so the column is numbers and "oops" a mismatch
    const r = await one(column([...pastSample(), 'oops']), 'expect_column_values_to_not_be_null', {
      column: 'x',
    });
    expect(r.success).toBe(true);
    expect(r.result.unexpected_count).toBe(0);
  });
});

describe('expect_column_values_to_be_null', () => {
  it('lists the values that are there', async () => {
    const csv = column(['', '', 'b', '', 'c']);
    const r = await one(csv, 'expect_column_values_to_be_null', { column: 'x' });
    expect(r.success).toBe(false);
    expect(r.result.unexpected_count).toBe(2);
    expect(r.result.partial_unexpected_list).toEqual(['b', 'c']);
    expect(
      (await one(csv, 'expect_column_values_to_be_null', { column: 'x', mostly: 0.6 })).success,
    ).toBe(true);
    expect(
      (await one(csv, 'expect_column_values_to_be_null', { column: 'x', mostly: 0.61 })).success,
    ).toBe(false);
  });
});

describe('expect_column_values_to_be_between', () => {
  const csv = column([10, 20, '', 30, 'abc', 40, 50]);

  it('is inclusive, leaves nulls out and counts a mismatched cell as unexpected', async () => {
    const r = await one(csv, 'expect_column_values_to_be_between', {
      column: 'x',
      min_value: 20,
      max_value: 40,
    });
    expect(r.success).toBe(false);
    // considered: 6 non-missing cells (the null is left out); unexpected: 10, "abc", 50
    expect(r.result.unexpected_count).toBe(3);
    expect(r.result.missing_count).toBe(1);
    expect(r.result.unexpected_percent).toBeCloseTo(50, 12);
    expect(r.result.unexpected_percent_total).toBeCloseTo((3 / 7) * 100, 12);
    expect(r.result.partial_unexpected_list).toEqual([10, 'abc', 50]);
    expect(r.result.partial_unexpected_index_list).toEqual([0, 4, 6]);
  });

  it('strict_min and strict_max exclude the bounds', async () => {
    const r = await one(csv, 'expect_column_values_to_be_between', {
      column: 'x',
      min_value: 10,
      max_value: 50,
      strict_min: true,
      strict_max: true,
    });
    expect(r.result.partial_unexpected_list).toEqual([10, 'abc', 50]);
    const loose = await one(csv, 'expect_column_values_to_be_between', {
      column: 'x',
      min_value: 10,
      max_value: 50,
    });
    expect(loose.result.partial_unexpected_list).toEqual(['abc']);
  });

  it('one bound is enough, and mostly applies to the non-missing rows', async () => {
    const r = await one(csv, 'expect_column_values_to_be_between', {
      column: 'x',
      max_value: 30,
      mostly: 0.5,
    });
    // 10, 20, 30 pass of 6 considered → 0.5
    expect(r.success).toBe(true);
    expect(
      (
        await one(csv, 'expect_column_values_to_be_between', {
          column: 'x',
          max_value: 30,
          mostly: 0.51,
        })
      ).success,
    ).toBe(false);
  });

  it('reads a column inferred as text as numbers when the bounds are numbers', async () => {
    // the sample sees mostly text, so the reader calls the column a category
    const csv2 = column(['n/a?', 'x', '5', '7', 'y', '100']);
    const r = await one(csv2, 'expect_column_values_to_be_between', {
      column: 'x',
      min_value: 0,
      max_value: 10,
    });
    expect(r.result.unexpected_count).toBe(4);
    expect(r.result.partial_unexpected_list).toEqual(['n/a?', 'x', 'y', 100]);
  });

  it('compares datetime columns with ISO dates', async () => {
    const csv2 = column(['2021-01-01', '2021-06-15T12:00:00Z', '2022-01-01']);
    const r = await one(csv2, 'expect_column_values_to_be_between', {
      column: 'x',
      min_value: '2021-01-01',
      max_value: '2021-12-31',
    });
    expect(r.result.partial_unexpected_list).toEqual(['2022-01-01T00:00:00.000Z']);
  });

  it('compares text with text bounds in code-unit order', async () => {
    const r = await one(column(['apple', 'kiwi', 'zebra']), 'expect_column_values_to_be_between', {
      column: 'x',
      min_value: 'b',
      max_value: 'y',
    });
    expect(r.result.partial_unexpected_list).toEqual(['apple', 'zebra']);
  });
});

describe('expect_column_values_to_be_in_set / _not_be_in_set', () => {
  const csv = column(['US', 'UK', '', 'FR', 'US', 'DE']);

  it('in_set lists the values outside the set', async () => {
    const r = await one(csv, 'expect_column_values_to_be_in_set', {
      column: 'x',
      value_set: ['US', 'UK', 'DE'],
    });
    expect(r.success).toBe(false);
    expect(r.result.unexpected_count).toBe(1);
    expect(r.result.unexpected_percent).toBeCloseTo(20, 12);
    expect(r.result.partial_unexpected_list).toEqual(['FR']);
    expect(r.result.partial_unexpected_counts).toEqual([{ value: 'FR', count: 1 }]);
    expect(
      (
        await one(csv, 'expect_column_values_to_be_in_set', {
          column: 'x',
          value_set: ['US', 'UK', 'DE'],
          mostly: 0.8,
        })
      ).success,
    ).toBe(true);
  });

  it('not_in_set lists the values inside it', async () => {
    const r = await one(csv, 'expect_column_values_to_not_be_in_set', {
      column: 'x',
      value_set: ['US'],
    });
    expect(r.result.unexpected_count).toBe(2);
    expect(r.result.partial_unexpected_counts).toEqual([{ value: 'US', count: 2 }]);
  });

  it('reads set items in the column kind: "2" equals 2 in a number column, and booleans', async () => {
    const r = await one(column([1, 2, 3, 2.5]), 'expect_column_values_to_be_in_set', {
      column: 'x',
      value_set: [1, '2', 3],
    });
    expect(r.result.partial_unexpected_list).toEqual([2.5]);
    const b = await one(column(['true', 'false', 'true']), 'expect_column_values_to_be_in_set', {
      column: 'x',
      value_set: [true],
    });
    expect(b.result.partial_unexpected_list).toEqual([false]);
  });

  it('numbers in the set match text cells by their text', async () => {
    const r = await one(column(['a', '1', 'b']), 'expect_column_values_to_be_in_set', {
      column: 'x',
      value_set: ['a', 1],
    });
    expect(r.result.partial_unexpected_list).toEqual(['b']);
  });
});

describe('regular expressions', () => {
  const csv = column(['abc', 'xbz', 'ABC', '', 'b']);

  it('match_regex finds a match anywhere (re.search), nulls left out', async () => {
    const r = await one(csv, 'expect_column_values_to_match_regex', { column: 'x', regex: 'b' });
    expect(r.result.partial_unexpected_list).toEqual(['ABC']);
    const anchored = await one(csv, 'expect_column_values_to_match_regex', {
      column: 'x',
      regex: '^a',
    });
    expect(anchored.result.unexpected_count).toBe(3);
  });

  it('takes Python syntax: (?i) and named groups', async () => {
    const r = await one(csv, 'expect_column_values_to_match_regex', {
      column: 'x',
      regex: '(?i)^(?P<first>a)',
    });
    expect(r.result.partial_unexpected_list).toEqual(['xbz', 'b']);
  });

  it('not_match_regex lists the matches', async () => {
    const r = await one(csv, 'expect_column_values_to_not_match_regex', {
      column: 'x',
      regex: 'z$',
    });
    expect(r.result.partial_unexpected_list).toEqual(['xbz']);
  });

  it('regex lists: any, all, none', async () => {
    const any = await one(csv, 'expect_column_values_to_match_regex_list', {
      column: 'x',
      regex_list: ['^a', 'z$'],
    });
    expect(any.result.partial_unexpected_list).toEqual(['ABC', 'b']);
    const all = await one(csv, 'expect_column_values_to_match_regex_list', {
      column: 'x',
      regex_list: ['b', 'z'],
      match_on: 'all',
    });
    expect(all.result.partial_unexpected_list).toEqual(['abc', 'ABC', 'b']);
    const none = await one(csv, 'expect_column_values_to_not_match_regex_list', {
      column: 'x',
      regex_list: ['^a', 'C$'],
    });
    expect(none.result.partial_unexpected_list).toEqual(['abc', 'ABC']);
  });

  it('tests numbers by their text', async () => {
    const r = await one(column([10, 205, 3]), 'expect_column_values_to_match_regex', {
      column: 'x',
      regex: '^\\d\\d$',
    });
    expect(r.result.partial_unexpected_list).toEqual([205, 3]);
  });
});

describe('value lengths', () => {
  const csv = column(['a', 'abcd', 'ab', '😀😀', '', 'abcdef']);

  it('counts code points, as Python len() does', async () => {
    const r = await one(csv, 'expect_column_value_lengths_to_be_between', {
      column: 'x',
      min_value: 2,
      max_value: 4,
    });
    expect(r.result.partial_unexpected_list).toEqual(['a', 'abcdef']);
    const eq = await one(csv, 'expect_column_value_lengths_to_equal', { column: 'x', value: 2 });
    expect(eq.result.partial_unexpected_list).toEqual(['a', 'abcd', 'abcdef']);
  });

  it('strict bounds', async () => {
    const r = await one(csv, 'expect_column_value_lengths_to_be_between', {
      column: 'x',
      min_value: 2,
      max_value: 4,
      strict_min: true,
      strict_max: true,
    });
    expect(r.result.unexpected_count).toBe(5);
  });
});

describe('types', () => {
  it('int holds for whole numbers, float for any number, str for text', async () => {
    const ints = column([1, 2, '', 4]);
    const r = await one(ints, 'expect_column_values_to_be_of_type', {
      column: 'x',
      type_: 'int64',
    });
    expect(r.success).toBe(true);
    expect(r.result.observed_value).toBe('number');
    const floats = column([1, 2.5, 4]);
    const f = await one(floats, 'expect_column_values_to_be_of_type', {
      column: 'x',
      type_: 'int',
    });
    expect(f.result.partial_unexpected_list).toEqual([2.5]);
    expect(
      (await one(floats, 'expect_column_values_to_be_of_type', { column: 'x', type_: 'float' }))
        .success,
    ).toBe(true);
    const s = await one(floats, 'expect_column_values_to_be_of_type', {
      column: 'x',
      type_: 'str',
    });
    expect(s.result.unexpected_count).toBe(3);
    expect(
      (
        await one(column(['a', 'b']), 'expect_column_values_to_be_of_type', {
          column: 'x',
          type_: 'str',
        })
      ).success,
    ).toBe(true);
  });

  it('a mismatched cell is text: unexpected for int, fine for a str in the type list', async () => {
    const mixed = column([...pastSample(), 'x']);
    const r = await one(mixed, 'expect_column_values_to_be_of_type', {
      column: 'x',
      type_: 'int',
      mostly: 0.99,
    });
    expect(r.success).toBe(true);
    expect(r.result.unexpected_count).toBe(1);
    expect(r.result.partial_unexpected_list).toEqual(['x']);
    expect(r.result.partial_unexpected_index_list).toEqual([SAMPLE]);
    const list = await one(mixed, 'expect_column_values_to_be_in_type_list', {
      column: 'x',
      type_list: ['int', 'str'],
    });
    expect(list.success).toBe(true);
  });

  it('booleans and datetimes', async () => {
    expect(
      (
        await one(column(['true', 'false']), 'expect_column_values_to_be_of_type', {
          column: 'x',
          type_: 'bool',
        })
      ).success,
    ).toBe(true);
    const d = await one(
      column(['2021-01-01', '2021-01-02']),
      'expect_column_values_to_be_in_type_list',
      {
        column: 'x',
        type_list: ['datetime64[ns]'],
      },
    );
    expect(d.success).toBe(true);
  });
});

describe('expect_column_values_to_be_unique', () => {
  it('every row of a repeated value is unexpected (keep=False), nulls left out, in row order', async () => {
    const csv = column([1, 2, 2, 3, '', 3, 3, 4]);
    const r = await one(csv, 'expect_column_values_to_be_unique', { column: 'x' });
    expect(r.success).toBe(false);
    expect(r.result.unexpected_count).toBe(5);
    expect(r.result.missing_count).toBe(1);
    expect(r.result.unexpected_percent).toBeCloseTo((5 / 7) * 100, 12);
    expect(r.result.partial_unexpected_list).toEqual([2, 2, 3, 3, 3]);
    expect(r.result.partial_unexpected_index_list).toEqual([1, 2, 3, 5, 6]);
    expect(r.result.partial_unexpected_counts).toEqual([
      { value: 3, count: 3 },
      { value: 2, count: 2 },
    ]);
    expect(
      (await one(csv, 'expect_column_values_to_be_unique', { column: 'x', mostly: 2 / 7 })).success,
    ).toBe(true);
    expect(
      (await one(csv, 'expect_column_values_to_be_unique', { column: 'x', mostly: 0.3 })).success,
    ).toBe(false);
  });

  it('text columns, and a unique column passes', async () => {
    const r = await one(column(['a', 'b', 'a']), 'expect_column_values_to_be_unique', {
      column: 'x',
    });
    expect(r.result.partial_unexpected_list).toEqual(['a', 'a']);
    expect(
      (await one(column(['a', 'b', 'c']), 'expect_column_values_to_be_unique', { column: 'x' }))
        .success,
    ).toBe(true);
  });

  it('finds duplicates across batches and lists the first ones in row order', async () => {
    // 150,000 unique ids, then one repeat of row 10 and of row 5 at the very end
    const rows = Array.from({ length: 150_000 }, (_, i) => i);
    rows.push(10, 5);
    const r = await one(column(rows), 'expect_column_values_to_be_unique', { column: 'x' });
    expect(r.result.unexpected_count).toBe(4);
    expect(r.result.partial_unexpected_index_list).toEqual([5, 10, 150_000, 150_001]);
    expect(r.result.partial_unexpected_list).toEqual([5, 10, 10, 5]);
  });
});

describe('result lists', () => {
  it('list at most 20 unexpected values, or partial_unexpected_count', async () => {
    const csv = column(Array.from({ length: 50 }, (_, i) => i));
    const r = await one(csv, 'expect_column_values_to_be_between', { column: 'x', max_value: -1 });
    expect(r.result.unexpected_count).toBe(50);
    expect(r.result.partial_unexpected_list).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const five = await one(csv, 'expect_column_values_to_be_between', {
      column: 'x',
      max_value: -1,
      result_format: { result_format: 'SUMMARY', partial_unexpected_count: 5 },
    });
    expect(five.result.partial_unexpected_list).toHaveLength(5);
  });

  it('BASIC leaves out index lists and counts; BOOLEAN_ONLY leaves out the result', async () => {
    const csv = column([1, 2]);
    const basic = await one(csv, 'expect_column_values_to_be_between', {
      column: 'x',
      max_value: 1,
      result_format: 'BASIC',
    });
    expect(basic.result.partial_unexpected_list).toEqual([2]);
    expect(basic.result.partial_unexpected_index_list).toBeUndefined();
    const bool = await one(csv, 'expect_column_values_to_be_between', {
      column: 'x',
      max_value: 1,
      result_format: 'BOOLEAN_ONLY',
    });
    expect(bool.success).toBe(false);
    expect(bool.result).toEqual({});
  });
});

describe('a suite as a whole', () => {
  it('success ignores warn-severity failures, which are counted apart', async () => {
    const run = await runCsv(column([1, 2, 3]), [
      ['expect_column_values_to_be_between', { column: 'x', max_value: 2, severity: 'warn' }],
      ['expect_column_values_to_not_be_null', { column: 'x' }],
    ]);
    expect(run.success).toBe(true);
    expect(run.statistics).toEqual({
      evaluated: 2,
      successful: 1,
      unsuccessful: 1,
      success_percent: 50,
      warnings: 1,
    });
    expect(run.results[0].severity).toBe('warn');
  });

  it('an error-severity failure fails it', async () => {
    const run = await runCsv(column([1, 2, 3]), [
      ['expect_column_values_to_be_between', { column: 'x', max_value: 2 }],
      ['expect_column_values_to_not_be_null', { column: 'x', severity: 'warning' }],
    ]);
    expect(run.success).toBe(false);
    expect(run.statistics.warnings).toBe(0);
  });

  it('expectations on one column share the pass and agree with each on its own', async () => {
    const csv = column([5, 1, 4, 1, '', 9, 2, 6]);
    const items: [string, Record<string, unknown>][] = [
      ['expect_column_values_to_be_between', { column: 'x', min_value: 2 }],
      ['expect_column_values_to_be_unique', { column: 'x' }],
      ['expect_column_median_to_be_between', { column: 'x', min_value: 0 }],
      ['expect_column_values_to_be_in_set', { column: 'x', value_set: [1, 2, 3, 4, 5] }],
    ];
    const together = await runCsv(csv, items);
    for (let i = 0; i < items.length; i++) {
      const alone = await runCsv(csv, [items[i]]);
      expect(together.results[i]).toEqual(alone.results[0]);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import {
  makeLayout,
  rowsFromArrays,
  rowsFromColumns,
  rowsFromRecords,
  rowsFromRecordsOrArrays,
  rowsFromSplit,
  PANDAS,
} from '../../../src/serve/input.js';

const layout = makeLayout(['age', 'tenure', 'spend'], 3, 'churn@1');
const positional = makeLayout(null, 2, 'anon@1');
const limits = { maxRows: 4 };

function failure(fn: () => unknown): MloError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MloError);
    return err as MloError;
  }
  throw new Error('expected an error');
}

describe('request rows', () => {
  it('takes records by name in any key order and lays them out in model order', () => {
    const m = rowsFromRecords(
      [
        { spend: 3, age: 1, tenure: 2 },
        { tenure: 5, spend: 6.5, age: -4 },
      ],
      layout,
      'instances',
      limits,
    );
    expect(m.rows).toBe(2);
    expect([...m.values]).toEqual([1, 2, 3, -4, 5, 6.5]);
  });

  it('names missing and unknown features, and where', () => {
    const e = failure(() =>
      rowsFromRecords(
        [
          { age: 1, tenure: 2, spend: 3 },
          { age: 1, tenur: 2, spend: 3 },
        ],
        layout,
        'instances',
        limits,
      ),
    );
    expect(e.code).toBe('INVALID');
    expect(e.message).toBe('instances[1]: missing feature(s) "tenure"; unknown feature(s) "tenur"');
    expect(e.hint).toBe('churn@1 takes: age, tenure, spend');
    const extra = failure(() =>
      rowsFromRecords([{ age: 1, tenure: 2, spend: 3, x: 0 }], layout, 'instances', limits),
    );
    expect(extra.message).toBe('instances[0]: unknown feature(s) "x"');
  });

  it('refuses values that are not finite numbers, naming the cell', () => {
    expect(
      failure(() =>
        rowsFromRecords([{ age: '41', tenure: 2, spend: 3 }], layout, 'instances', limits),
      ).message,
    ).toBe('instances[0].age must be a finite number, got a string ("41")');
    expect(failure(() => rowsFromArrays([[1, null]], positional, 'inputs', limits)).message).toBe(
      'inputs[0][1] must be a finite number, got null',
    );
    expect(
      failure(() => rowsFromArrays([[1, Infinity]], positional, 'inputs', limits)).message,
    ).toBe('inputs[0][1] must be a finite number, got Infinity');
  });

  it('checks row widths, row counts and shapes', () => {
    expect(failure(() => rowsFromArrays([[1, 2, 3, 4]], layout, 'inputs', limits)).message).toBe(
      'inputs[0] has 4 value(s); churn@1 takes 3',
    );
    expect(failure(() => rowsFromArrays([], layout, 'inputs', limits)).message).toBe(
      'inputs is empty: send at least one row',
    );
    const big = failure(() => rowsFromArrays(Array(5).fill([1, 2]), positional, 'inputs', limits));
    expect(big.code).toBe('TOO_LARGE');
    expect(big.httpStatus).toBe(413);
    expect(failure(() => rowsFromArrays({ a: 1 }, layout, 'inputs', limits)).message).toBe(
      'inputs must be an array of rows, got an object',
    );
    expect(failure(() => rowsFromRecords([[1, 2, 3]], layout, 'instances', limits)).message).toBe(
      'instances[0] must be an object of feature values, got an array',
    );
  });

  it('needs feature names for named input', () => {
    const e = failure(() => rowsFromRecords([{ a: 1, b: 2 }], positional, 'instances', limits));
    expect(e.message).toBe(
      'instances: anon@1 has no feature names in the registry, so rows must be positional',
    );
    expect([...rowsFromArrays([[7, 8]], positional, 'inputs', limits).values]).toEqual([7, 8]);
  });

  it('takes columns by name', () => {
    const m = rowsFromColumns(
      { tenure: [2, 5], age: [1, 4], spend: [3, 6] },
      layout,
      'inputs',
      limits,
    );
    expect([...m.values]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(
      failure(() =>
        rowsFromColumns({ tenure: [2], age: [1, 4], spend: [3, 6] }, layout, 'inputs', limits),
      ).message,
    ).toBe('inputs.tenure has 1 value(s) but inputs.age has 2');
  });

  it('reorders dataframe_split columns and refuses wrong ones', () => {
    const m = rowsFromSplit(
      { columns: ['spend', 'age', 'tenure'], data: [[3, 1, 2]], index: [0] },
      layout,
      'dataframe_split',
      limits,
    );
    expect([...m.values]).toEqual([1, 2, 3]);
    expect(
      failure(() =>
        rowsFromSplit(
          { columns: ['spend', 'age', 'x'], data: [[3, 1, 2]] },
          layout,
          'dataframe_split',
          limits,
        ),
      ).message,
    ).toBe('dataframe_split.columns: missing feature(s) "tenure"; unknown feature(s) "x"');
    expect(
      failure(() =>
        rowsFromSplit(
          { columns: ['age', 'age', 'spend'], data: [] },
          layout,
          'dataframe_split',
          limits,
        ),
      ).message,
    ).toBe('dataframe_split.columns names "age" twice');
  });

  it('tells records from arrays by the first row', () => {
    expect([
      ...rowsFromRecordsOrArrays([{ age: 1, tenure: 2, spend: 3 }], layout, 'instances', limits)
        .values,
    ]).toEqual([1, 2, 3]);
    expect([...rowsFromRecordsOrArrays([[1, 2, 3]], layout, 'instances', limits).values]).toEqual([
      1, 2, 3,
    ]);
  });

  it("MLflow's conventions: null is NaN, extra columns are dropped unread, missing ones still refused", () => {
    const split = rowsFromSplit(
      {
        columns: ['id', 'spend', 'age', 'note', 'tenure'],
        data: [
          ['a', 3, 1, { any: 'thing' }, null],
          ['b', null, 4, null, 5],
        ],
      },
      layout,
      'dataframe_split',
      limits,
      PANDAS,
    );
    expect([...split.values]).toEqual([1, NaN, 3, 4, 5, NaN]);
    const records = rowsFromRecords(
      [{ spend: null, age: 1, tenure: 2, extra: 'x' }],
      layout,
      'dataframe_records',
      limits,
      PANDAS,
    );
    expect([...records.values]).toEqual([1, 2, NaN]);
    expect(
      failure(() =>
        rowsFromRecords([{ age: 1, spend: 3, extra: 'x' }], layout, 'r', limits, PANDAS),
      ).message,
    ).toBe('r[0]: missing feature(s) "tenure"');
    expect(
      failure(() =>
        rowsFromColumns({ age: [1], spend: [3], extra: ['x'] }, layout, 'inputs', limits, PANDAS),
      ).message,
    ).toBe('inputs: missing feature(s) "tenure"');
    // the same bodies under mlo's own (strict) conventions
    expect(
      failure(() => rowsFromRecords([{ spend: null, age: 1, tenure: 2 }], layout, 'r', limits))
        .message,
    ).toBe('r[0].spend must be a finite number, got null');
  });
});

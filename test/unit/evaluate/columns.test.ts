import { describe, expect, it } from 'vitest';
import { fillMatrix } from '../../../src/evaluate/columns.js';
import { CellState, type Column } from '../../../src/io/index.js';

function numberColumn(name: string, values: number[], nulls: number[] = []): Column {
  const state = nulls.length ? new Uint8Array(values.length) : null;
  for (const i of nulls) state![i] = CellState.NULL;
  return {
    name,
    kind: 'number',
    values: Float64Array.from(values, (v, i) => (nulls.includes(i) ? NaN : v)),
    state,
    nullCount: nulls.length,
    mismatchCount: 0,
    mismatches: null,
  };
}

describe('fillMatrix', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9])(
    'transposes %i columns from an offset, row-major float32',
    (f) => {
      const n = 37;
      const cols = Array.from({ length: f }, (_, j) =>
        numberColumn(
          `c${j}`,
          Array.from({ length: n }, (_, i) => i * 100 + j + 0.5),
        ),
      );
      const from = 5;
      const rows = 30;
      const out = new Float32Array(rows * f).fill(-1);
      expect(fillMatrix(cols, from, rows, out, { file: 'x', rowStart: 0 })).toBe(0);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < f; j++) expect(out[i * f + j]).toBe((from + i) * 100 + j + 0.5);
      }
    },
  );

  it('feeds nulls as NaN (booleans too) and counts them', () => {
    const bools: Column = {
      name: 'b',
      kind: 'boolean',
      values: Uint8Array.from([1, 0, 0, 1]),
      state: Uint8Array.from([0, 0, CellState.NULL, 0]),
      nullCount: 1,
      mismatchCount: 0,
      mismatches: null,
    };
    const out = new Float32Array(8);
    const nulls = fillMatrix([numberColumn('a', [1, 2, 3, 4], [1]), bools], 0, 4, out, {
      file: 'x',
      rowStart: 0,
    });
    expect(nulls).toBe(2);
    expect(Array.from(out)).toEqual([1, 1, NaN, 0, 3, NaN, 4, 1]);
  });
});

import { describe, expect, it } from 'vitest';
import { fillMatrix } from '../../../src/evaluate/columns.js';
import { CellState, type Column } from '../../../src/io/index.js';
import { seeded } from '../onnx/helpers.js';

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

  it('matches a cell-by-cell reference on random number, integer and boolean columns with nulls', () => {
    const r = seeded(17);
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + Math.floor(r(0, 300));
      const f = 1 + Math.floor(r(0, 11));
      const cols: Column[] = Array.from({ length: f }, (_, j) => {
        const kind = (['number', 'integer', 'boolean'] as const)[Math.floor(r(0, 3))];
        const state = r() < 0 ? new Uint8Array(n) : null;
        const cell = (i: number): number => {
          if (state && r() < -0.6) {
            state[i] = CellState.NULL;
            return kind === 'boolean' ? 0 : NaN;
          }
          return kind === 'boolean'
            ? r() < 0
              ? 1
              : 0
            : kind === 'integer'
              ? Math.round(r(-9e6, 9e6))
              : r(-1e3, 1e3);
        };
        const values =
          kind === 'boolean'
            ? Uint8Array.from({ length: n }, (_, i) => cell(i))
            : Float64Array.from({ length: n }, (_, i) => cell(i));
        const nulls = state ? state.reduce((a, s) => a + (s === CellState.NULL ? 1 : 0), 0) : 0;
        return {
          name: `c${j}`,
          kind,
          values,
          state,
          nullCount: nulls,
          mismatchCount: 0,
          mismatches: null,
        } as Column;
      });
      // several windows of the same columns, as eval cuts a reader batch into runs
      for (let w = 0; w < 3; w++) {
        const from = Math.floor(r(0, n));
        const rows = Math.floor(r(0, n - from + 1));
        for (const Out of [Float32Array, Float64Array]) {
          const out = new Out(rows * f).fill(-12345);
          const want = new Out(rows * f);
          let wantNulls = 0;
          for (let i = 0; i < rows; i++) {
            for (let j = 0; j < f; j++) {
              const c = cols[j];
              const isNull = c.state !== null && c.state[from + i] === CellState.NULL;
              if (isNull) wantNulls++;
              want[i * f + j] = isNull
                ? NaN
                : (c as { values: ArrayLike<number> }).values[from + i];
            }
          }
          const got = fillMatrix(cols, from, rows, out, { file: 'x', rowStart: 0 });
          expect(got).toBe(wantNulls);
          expect(Array.from(out)).toEqual(Array.from(want));
        }
      }
    }
  });
});

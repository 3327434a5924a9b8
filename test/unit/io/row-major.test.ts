/**
 * OpenTableOptions.rowMajor: the CSV reader parses the named numeric columns straight
 * into a row-major matrix per batch. Checked against the same file read without it
 * (the column layout, tested against an independent parser in csv-fast.test.ts), over
 * files that take every road a cell can: the byte fast path, long decimals, quoted rows
 * (the general tokenizer), CRLF, nulls, mismatches, batch and chunk boundaries.
 */
import { describe, expect, it } from 'vitest';
import {
  openTable,
  type ColumnBatch,
  type NumberColumn,
  type OpenTableOptions,
} from '../../../src/io/index.js';
import { rng, tempFile } from './helpers.js';

function cell(rand: () => number, row: number): string {
  const x = rand();
  if (x < 0.03) return '';
  if (x < 0.05) return 'NA';
  if (x < 0.055 && row > 300) return 'oops'; // past the sample: a mismatch
  if (x < 0.06) return 'inf';
  if (x < 0.5) return String((rand() - 0.5) * 1e3); // up to 17 digits
  return (rand() * 100 - 50).toFixed(3);
}

/** Columns id, a, label, b, c: numeric but for label; some rows quoted; CRLF. */
function file(rows: number, seed: number): string {
  const rand = rng(seed);
  const lines = ['id,a,label,b,c'];
  for (let i = 0; i < rows; i++) {
    const cells = [
      String(i),
      cell(rand, i),
      rand() < 0.5 ? 'x' : 'y',
      cell(rand, i),
      cell(rand, i),
    ];
    lines.push((i % 13 === 7 ? cells.map((c) => `"${c}"`) : cells).join(','));
  }
  return tempFile('t.csv', lines.join('\r\n') + '\r\n');
}

async function read(path: string, options: OpenTableOptions): Promise<ColumnBatch[]> {
  const reader = await openTable(path, { sampleRows: 300, ...options });
  const out: ColumnBatch[] = [];
  for await (const b of reader.batches()) out.push(b);
  return out;
}

describe('openTable rowMajor (CSV)', () => {
  it('float32 and float64 matrices hold the columns row by row, in the order asked for', async () => {
    const path = file(2000, 1);
    const columns = ['id', 'c', 'label', 'a', 'b'];
    const base = { columns, batchRows: 333, readChunkBytes: 4096 };
    const plain = await read(path, base);
    for (const type of ['float32', 'float64'] as const) {
      const round = type === 'float32' ? Math.fround : (v: number) => v;
      const wanted = ['c', 'a', 'b'];
      const got = await read(path, { ...base, rowMajor: { columns: wanted, type } });
      expect(got.map((b) => b.length)).toEqual(plain.map((b) => b.length));
      expect(got.length).toBe(7);
      got.forEach((batch, k) => {
        const m = batch.rowMajor;
        expect(m?.type).toBe(type);
        expect(m?.columns).toEqual(wanted);
        expect(m?.values).toBeInstanceOf(type === 'float32' ? Float32Array : Float64Array);
        expect(m?.values.length).toBe(batch.length * 3);
        const expected = new Float64Array(batch.length * 3);
        wanted.forEach((name, j) => {
          const col = plain[k].columns[columns.indexOf(name)] as NumberColumn;
          for (let i = 0; i < batch.length; i++) expected[i * 3 + j] = round(col.values[i]);
        });
        expect(Array.from(m?.values ?? [])).toEqual(Array.from(expected));
        // every column still reads as before: state, nulls, mismatches; a row-major
        // column's values are gathered from the matrix
        batch.columns.forEach((col, j) => {
          const before = plain[k].columns[j];
          expect({ ...col, values: undefined, codes: undefined }).toEqual({
            ...before,
            values: undefined,
            codes: undefined,
          });
          if (before.kind === 'number' && wanted.includes(col.name))
            expect(Array.from((col as NumberColumn).values)).toEqual(
              Array.from(before.values, round),
            );
          else expect(col).toEqual(before);
        });
      });
      const nulls = got.reduce((n, b) => n + b.columns[1].nullCount, 0);
      const mismatches = got.reduce((n, b) => n + b.columns[1].mismatchCount, 0);
      expect(nulls).toBeGreaterThan(50);
      expect(mismatches).toBeGreaterThan(0);
    }
  });

  it('with reuse, fills one matrix batch after batch, each time as a fresh matrix would be filled', async () => {
    const path = file(2000, 3);
    const columns = ['id', 'c', 'label', 'a', 'b'];
    const base = { columns, batchRows: 333, readChunkBytes: 4096 };
    for (const type of ['float32', 'float64'] as const) {
      const wanted = { columns: ['c', 'a', 'b'], type };
      const fresh = await read(path, { ...base, rowMajor: wanted });
      const reader = await openTable(path, {
        sampleRows: 300,
        ...base,
        rowMajor: { ...wanted, reuse: true },
      });
      const buffers = new Set<ArrayBufferLike>();
      let k = 0;
      for await (const batch of reader.batches()) {
        const m = batch.rowMajor?.values;
        buffers.add(m?.buffer as ArrayBufferLike);
        // what the batch holds while it is the current one
        expect(Array.from(m ?? [])).toEqual(Array.from(fresh[k].rowMajor?.values ?? [0]));
        k++;
      }
      expect(k).toBe(fresh.length);
      expect(k).toBeGreaterThan(5);
      expect(buffers.size).toBe(1);
    }
  });

  it('is left out when a named column is not read as a number, or not read at all, or for JSON Lines', async () => {
    const path = file(50, 2);
    const rowMajor = (columns: string[]) => ({ columns, type: 'float32' as const });
    const text = await read(path, { rowMajor: rowMajor(['a', 'label']) });
    expect(text[0].rowMajor).toBeUndefined();
    const missing = await read(path, { columns: ['a', 'b'], rowMajor: rowMajor(['a', 'c']) });
    expect(missing[0].rowMajor).toBeUndefined();
    const typed = await read(path, {
      columns: ['id', 'a'],
      types: { id: 'integer' },
      rowMajor: rowMajor(['id', 'a']),
    });
    expect(Array.from(typed[0].rowMajor?.values.subarray(0, 4) ?? [])).toEqual([
      0,
      (typed[0].columns[1] as NumberColumn).values[0],
      1,
      (typed[0].columns[1] as NumberColumn).values[1],
    ]);
    const jsonl = tempFile('t.jsonl', '{"a":1,"b":2}\n{"a":3,"b":null}\n');
    const j = await read(jsonl, { rowMajor: rowMajor(['a', 'b']) });
    expect(j[0].rowMajor).toBeUndefined();
    expect((j[0].columns[1] as NumberColumn).nullCount).toBe(1);
  });
});

import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import {
  openTable,
  readTable,
  textAt,
  valueAt,
  type ColumnBatch,
  type NumberColumn,
  type TextColumn,
} from '../../../src/io/index.js';
import { tempDir, tempFile } from './helpers.js';

async function errorOf(p: Promise<unknown>): Promise<MloError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof MloError) return e;
    throw e;
  }
  throw new Error('expected an MloError');
}

function writeSample(rows: number, rowGroupSize: number): string {
  const path = join(tempDir(), 'd.parquet');
  const d: (number | null)[] = [];
  const i32: number[] = [];
  const i64: bigint[] = [];
  const s: (string | null)[] = [];
  const b: (boolean | null)[] = [];
  const t: (Date | null)[] = [];
  for (let r = 0; r < rows; r++) {
    d.push(r % 10 === 3 ? null : r / 4);
    i32.push(r * 3);
    i64.push(BigInt(r) * 1000n);
    s.push(r % 11 === 0 ? null : ['red', 'green', 'blue'][r % 3]);
    b.push(r % 2 === 0);
    t.push(r % 13 === 0 ? null : new Date(Date.UTC(2024, 0, 1) + r * 60_000));
  }
  parquetWriteFile({
    filename: path,
    columnData: [
      { name: 'd', data: d, type: 'DOUBLE' },
      { name: 'i32', data: i32, type: 'INT32', nullable: false },
      { name: 'i64', data: i64, type: 'INT64' },
      { name: 's', data: s, type: 'STRING' },
      { name: 'b', data: b, type: 'BOOLEAN' },
      { name: 't', data: t, type: 'TIMESTAMP' },
    ],
    rowGroupSize,
  });
  return path;
}

describe('Parquet', () => {
  it('takes kinds from the schema and text kinds from a sample', async () => {
    const reader = await openTable(writeSample(50, 1000));
    expect(reader.format).toBe('parquet');
    expect(reader.rowCount).toBe(50);
    expect(reader.schema.columns.map((c) => `${c.name}:${c.kind}:${c.kindSource}`)).toEqual([
      'd:number:file',
      'i32:integer:file',
      'i64:integer:file',
      's:category:inferred',
      'b:boolean:file',
      't:datetime:file',
    ]);
  });

  it('reads values and nulls across row groups into batches of the asked size', async () => {
    const rows = 2500;
    const reader = await openTable(writeSample(rows, 1000), { batchRows: 700 });
    const batches: ColumnBatch[] = [];
    for await (const b of reader.batches()) batches.push(b);
    expect(batches.map((b) => [b.rowStart, b.length])).toEqual([
      [0, 700],
      [700, 700],
      [1400, 700],
      [2100, 400],
    ]);
    for (const batch of batches) {
      const [d, i32, i64, s, b, t] = batch.columns;
      for (let i = 0; i < batch.length; i++) {
        const r = batch.rowStart + i;
        expect(valueAt(d, i)).toBe(r % 10 === 3 ? null : r / 4);
        expect(valueAt(i32, i)).toBe(r * 3);
        expect(valueAt(i64, i)).toBe(r * 1000);
        expect(valueAt(s, i)).toBe(r % 11 === 0 ? null : ['red', 'green', 'blue'][r % 3]);
        expect(valueAt(b, i)).toBe(r % 2 === 0);
        expect(valueAt(t, i)).toBe(r % 13 === 0 ? null : Date.UTC(2024, 0, 1) + r * 60_000);
      }
      expect((batch.columns[3] as TextColumn).dictionary).toBe(
        (batches[0].columns[3] as TextColumn).dictionary,
      );
    }
    expect(batches[0].columns[0].nullCount).toBe(70);
  });

  it('reads only the requested columns, in order, with overrides', async () => {
    const t = await readTable(writeSample(20, 8), {
      columns: ['i32', 's'],
      types: { i32: 'category' },
    });
    expect(t.schema.columns.map((c) => `${c.name}:${c.kind}`)).toEqual([
      'i32:category',
      's:category',
    ]);
    expect(textAt(t.batch.columns[0], 5)).toBe('15');
    expect(t.batch.length).toBe(20);
    const d = await readTable(writeSample(20, 8), { columns: ['d'], types: { d: 'integer' } });
    const col = d.batch.columns[0] as NumberColumn;
    // 0, 0.25, 0.5, ...: only every fourth value is whole
    expect(col.mismatchCount).toBe(13);
    expect(d.issues[0].examples[0]).toEqual({ rowIndex: 1, value: '0.25' });
  });

  it('counts rows even when no column is asked for', async () => {
    const reader = await openTable(writeSample(30, 8), { columns: [], batchRows: 16 });
    const lengths: number[] = [];
    for await (const b of reader.batches()) lengths.push(b.length);
    expect(lengths).toEqual([16, 14]);
  });

  it('refuses files that are not Parquet, naming them', async () => {
    const e = await errorOf(openTable(tempFile('x.parquet', 'a,b\n1,2\n')));
    expect(e.code).toBe('INVALID');
    expect(e.message).toMatch(/x\.parquet: not a readable Parquet file/);
    const empty = await errorOf(openTable(tempFile('y.parquet', '')));
    expect(empty.message).toMatch(/y\.parquet: empty file/);
    const missing = await errorOf(openTable(writeSample(5, 5), { columns: ['nope'] }));
    expect(missing.message).toMatch(
      /no column "nope".*available: "d", "i32", "i64", "s", "b", "t"/,
    );
  });
});

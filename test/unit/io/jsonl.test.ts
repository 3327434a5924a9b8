import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import {
  openTable,
  readTable,
  textAt,
  valueAt,
  type ColumnBatch,
  type TextColumn,
} from '../../../src/io/index.js';
import { tempFile } from './helpers.js';

async function errorOf(p: Promise<unknown>): Promise<MloError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof MloError) return e;
    throw e;
  }
  throw new Error('expected an MloError');
}

function rowsOf(batch: ColumnBatch): (string | null)[][] {
  const out: (string | null)[][] = [];
  for (let i = 0; i < batch.length; i++) out.push(batch.columns.map((c) => textAt(c, i)));
  return out;
}

describe('JSON Lines', () => {
  it('takes columns from keys in first-seen order, nulls for missing keys', async () => {
    const text = [
      '{"a": 1, "b": "x"}',
      '',
      '{"b": null, "c": true, "a": 2.5}\r',
      '{"a": "3", "c": false, "d": {"k": [1, 2]}}',
    ].join('\n');
    const t = await readTable(tempFile('d.jsonl', text));
    expect(t.format).toBe('jsonl');
    expect(t.schema.columns.map((c) => `${c.name}:${c.kind}`)).toEqual([
      'a:number',
      'b:category',
      'c:boolean',
      'd:string',
    ]);
    expect(rowsOf(t.batch)).toEqual([
      ['1', 'x', null, null],
      ['2.5', null, 'true', null],
      ['3', null, 'false', '{"k":[1,2]}'],
    ]);
    expect(t.batch.columns[1].nullCount).toBe(2);
  });

  it('counts values that do not fit, with their row', async () => {
    const lines = [];
    for (let i = 0; i < 10; i++)
      lines.push(JSON.stringify({ x: i === 7 ? 'seven' : i, y: i === 8 ? [1] : 'k' }));
    const t = await readTable(tempFile('d.ndjson', lines.join('\n')), { sampleRows: 5 });
    expect(t.schema.columns.map((c) => c.kind)).toEqual(['number', 'category']);
    expect(t.issues).toEqual([
      { column: 'x', kind: 'number', mismatches: 1, examples: [{ rowIndex: 7, value: 'seven' }] },
    ]);
    expect(textAt(t.batch.columns[1], 8)).toBe('[1]');
    expect(valueAt(t.batch.columns[0], 7)).toBeNull();
  });

  it('applies overrides and projection', async () => {
    const t = await readTable(tempFile('d.jsonl', '{"id": 7, "v": 1}\n{"id": 8, "v": 0}\n'), {
      columns: ['v', 'id'],
      types: { id: 'category', v: 'boolean' },
    });
    expect(rowsOf(t.batch)).toEqual([
      ['true', '7'],
      ['false', '8'],
    ]);
    expect((t.batch.columns[1] as TextColumn).dictionary).toEqual(['7', '8']);
  });

  it('drops a UTF-8 BOM', async () => {
    for (const readChunkBytes of [2, 1 << 20]) {
      const t = await readTable(tempFile('b.jsonl', '\ufeff{"a": 1}\n{"a": 2}'), {
        readChunkBytes,
      });
      expect(t.schema.fileColumns).toEqual(['a']);
      expect(t.batch.length).toBe(2);
    }
  });

  it('names the line of malformed JSON and of non-objects', async () => {
    const bad = await errorOf(readTable(tempFile('d.jsonl', '{"a": 1}\n\n{"a": 2,}\n')));
    expect(bad.code).toBe('INVALID');
    expect(bad.message).toMatch(/d\.jsonl: line 3: malformed JSON/);
    const arr = await errorOf(readTable(tempFile('d.jsonl', '{"a": 1}\n[1, 2]\n')));
    expect(arr.message).toMatch(/line 2: expected a JSON object, found an array/);
    const empty = await errorOf(readTable(tempFile('d.jsonl', '\n  \n')));
    expect(empty.message).toMatch(/empty file/);
  });

  it('reads lines cut by small read chunks, multi-byte text included', async () => {
    const lines = [];
    for (let i = 0; i < 200; i++) lines.push(JSON.stringify({ n: i, s: `été ${i % 5} 日本` }));
    const path = tempFile('d.jsonl', lines.join('\n') + '\n');
    const whole = await readTable(path);
    const cut = await readTable(path, { readChunkBytes: 3, batchRows: 9 });
    expect(rowsOf(cut.batch)).toEqual(rowsOf(whole.batch));
    expect(textAt(whole.batch.columns[1], 6)).toBe('été 1 日本');
    const reader = await openTable(path, { batchRows: 64 });
    const starts: number[] = [];
    for await (const b of reader.batches()) starts.push(b.rowStart);
    expect(starts).toEqual([0, 64, 128, 192]);
  });
});

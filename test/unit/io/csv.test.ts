import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import {
  CellState,
  openTable,
  readTable,
  textAt,
  valueAt,
  type ColumnBatch,
  type NumberColumn,
  type OpenTableOptions,
  type TextColumn,
} from '../../../src/io/index.js';
import { rng, tempDir, tempFile } from './helpers.js';

async function errorOf(p: Promise<unknown>): Promise<MloError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof MloError) return e;
    throw e;
  }
  throw new Error('expected an MloError');
}

async function readCsv(text: string, options: OpenTableOptions = {}, name = 'd.csv') {
  return readTable(tempFile(name, text), options);
}

function rowsOf(batch: ColumnBatch): (string | null)[][] {
  const out: (string | null)[][] = [];
  for (let i = 0; i < batch.length; i++) out.push(batch.columns.map((c) => textAt(c, i)));
  return out;
}

describe('CSV: kinds inferred from the sample', () => {
  it('tells numbers, booleans, datetimes, categories and free text apart', async () => {
    const lines = ['num,flag,when,cat,text,empty'];
    for (let i = 0; i < 100; i++) {
      lines.push(
        `${i * 1.5},${i % 2 === 0 ? 'true' : 'False'},2024-01-${String((i % 28) + 1).padStart(2, '0')},${['a', 'b', 'c'][i % 3]},id-${i},`,
      );
    }
    const t = await readCsv(lines.join('\n'));
    expect(t.schema.columns.map((c) => [c.name, c.kind, c.kindSource])).toEqual([
      ['num', 'number', 'inferred'],
      ['flag', 'boolean', 'inferred'],
      ['when', 'datetime', 'inferred'],
      ['cat', 'category', 'inferred'],
      ['text', 'string', 'inferred'],
      ['empty', 'string', 'inferred'],
    ]);
    const [num, flag, when, cat, , empty] = t.batch.columns;
    expect(valueAt(num, 3)).toBe(4.5);
    expect(valueAt(flag, 1)).toBe(false);
    expect(valueAt(when, 2)).toBe(Date.UTC(2024, 0, 3));
    expect(valueAt(cat, 4)).toBe('b');
    expect((cat as TextColumn).dictionary).toEqual(['a', 'b', 'c']);
    expect(empty.nullCount).toBe(100);
  });

  it('leaves null tokens out of inference and reads NaN/inf as numbers', async () => {
    const t = await readCsv('x,y\n1,NA\nNULL,a\nNaN,None\n-inf,\n2.5,n/a\n');
    const x = t.batch.columns[0] as NumberColumn;
    expect(t.schema.columns[0].kind).toBe('number');
    expect(x.nullCount).toBe(1);
    expect(x.state).toEqual(new Uint8Array([0, 1, 0, 0, 0]));
    expect([...x.values]).toEqual([1, NaN, NaN, -Infinity, 2.5]);
    expect(t.schema.columns[1].kind).toBe('category');
    expect(t.batch.columns[1].nullCount).toBe(4);
  });

  it('honours nullValues', async () => {
    const t = await readCsv('x\n-999\n3\n-999.0\n', { nullValues: ['-999'] });
    expect(t.batch.columns[0].nullCount).toBe(1);
    expect(valueAt(t.batch.columns[0], 2)).toBe(-999);
  });
});

describe('CSV: values that do not fit the column kind', () => {
  it('are nulled out, counted, and kept with their row and raw text', async () => {
    const lines = ['id,score'];
    for (let i = 1; i <= 20; i++)
      lines.push(`${i},${i === 12 ? 'oops' : i === 15 ? '"1,5"' : i / 4}`);
    const t = await readCsv(lines.join('\n'), { sampleRows: 5, batchRows: 8 });
    expect(t.schema.columns[1].kind).toBe('number');
    const score = t.batch.columns[1] as NumberColumn;
    expect(score.mismatchCount).toBe(2);
    expect(score.nullCount).toBe(0);
    expect(score.state?.[11]).toBe(CellState.MISMATCH);
    expect(score.values[11]).toBeNaN();
    expect(textAt(score, 11)).toBe('oops');
    expect(valueAt(score, 11)).toBeNull();
    expect(textAt(score, 14)).toBe('1,5');
    expect(t.issues).toEqual([
      {
        column: 'score',
        kind: 'number',
        mismatches: 2,
        examples: [
          { rowIndex: 11, value: 'oops' },
          { rowIndex: 14, value: '1,5' },
        ],
      },
    ]);
  });

  it('follow the overrides: integer, boolean, number', async () => {
    const t = await readCsv('a,b,c\n1,yes,x\n2.5,no,3\n3.0,maybe,\n', {
      types: { a: 'integer', b: 'boolean', c: 'number' },
    });
    expect(t.schema.columns.map((c) => `${c.kind}/${c.kindSource}`)).toEqual([
      'integer/override',
      'boolean/override',
      'number/override',
    ]);
    const [a, b, c] = t.batch.columns;
    expect(rowsOf(t.batch)).toEqual([
      ['1', 'true', 'x'],
      ['2.5', 'false', '3'],
      ['3', 'maybe', null],
    ]);
    expect([a.mismatchCount, b.mismatchCount, c.mismatchCount, c.nullCount]).toEqual([1, 1, 1, 1]);
    expect(t.issues.map((i) => [i.column, i.examples[0].rowIndex])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 0],
    ]);
  });

  it('overrides a numeric-looking column to a category', async () => {
    const t = await readCsv('zip\n02134\n10001\n02134\n', { types: { zip: 'category' } });
    const zip = t.batch.columns[0] as TextColumn;
    expect(zip.dictionary).toEqual(['02134', '10001']);
    expect([...zip.codes]).toEqual([0, 1, 0]);
  });

  it('refuses unknown override columns and kinds', async () => {
    const e1 = await errorOf(readCsv('a,b\n1,2\n', { types: { c: 'number' } }));
    expect(e1.code).toBe('INVALID');
    expect(e1.message).toMatch(/d\.csv: no column "c" .*available: "a", "b"/);
    const e2 = await errorOf(readCsv('a\n1\n', { types: { a: 'float' as never } }));
    expect(e2.code).toBe('USAGE');
    expect(e2.hint).toContain('integer');
  });
});

describe('CSV: dialect', () => {
  it('drops a UTF-8 BOM and reads CRLF', async () => {
    for (const readChunkBytes of [1, 2, 1 << 20]) {
      const t = await readCsv('\ufeffname,n\r\nAlice,1\r\nBob,2\r\n', { readChunkBytes });
      expect(t.schema.fileColumns).toEqual(['name', 'n']);
      expect(rowsOf(t.batch)).toEqual([
        ['Alice', '1'],
        ['Bob', '2'],
      ]);
    }
  });

  it('uses tabs for .tsv and takes a delimiter option', async () => {
    const tsv = await readCsv('a\tb\n1,5\tx\n', {}, 'd.tsv');
    expect(rowsOf(tsv.batch)).toEqual([['1,5', 'x']]);
    const semi = await readCsv('a;b\n"x;y";2\n', { delimiter: ';' });
    expect(rowsOf(semi.batch)).toEqual([['x;y', '2']]);
    const e = await errorOf(readCsv('a\n', { delimiter: '"' }));
    expect(e.code).toBe('USAGE');
  });

  it('reads the format from the extension unless told', async () => {
    const path = tempFile('data.txt', 'a\n1\n');
    expect((await openTable(path)).format).toBe('csv');
    const e = await errorOf(openTable(tempFile('data.xlsx', 'a\n1\n')));
    expect(e.code).toBe('USAGE');
    const t = await readTable(tempFile('data.log', 'a\n1\n'), { format: 'csv' });
    expect(t.batch.length).toBe(1);
  });

  it('names empty header cells as pandas does and refuses duplicates', async () => {
    const t = await readCsv(',x\n0,1\n');
    expect(t.schema.fileColumns).toEqual(['Unnamed: 0', 'x']);
    const e = await errorOf(readCsv('a,b,a\n1,2,3\n'));
    expect(e.message).toContain('column "a" appears twice');
  });
});

describe('CSV: malformed input names file, line, row and column', () => {
  it('ragged rows', async () => {
    const e = await errorOf(readCsv('a,b,c\n1,2,3\n"x\ny",2,3\n4,5\n'));
    expect(e.code).toBe('INVALID');
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(
      /d\.csv: line 5 \(data row 3\): expected 3 fields as in the header, found 2$/,
    );
  });

  it('an unclosed quote and text after a closing quote', async () => {
    const e1 = await errorOf(readCsv('a,b\n1,"open\n2,3\n'));
    expect(e1.message).toMatch(/line 2 \(data row 1\): column "b": quoted field is never closed/);
    const e2 = await errorOf(readCsv('a,b\n1,2\n"x"y,3\n'));
    expect(e2.message).toMatch(
      /line 3 \(data row 2\): column "a": unexpected character after a closing quote/,
    );
    expect(e2.details).toMatchObject({ line: 3, row: 2, column: 'a' });
  });

  it('errors past the sample surface while streaming', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 50; i++) lines.push(`${i},${i}`);
    lines.push('9');
    const reader = await openTable(tempFile('late.csv', lines.join('\n')), { sampleRows: 10 });
    const e = await errorOf(
      (async () => {
        for await (const _ of reader.batches()) void _;
      })(),
    );
    expect(e.message).toContain('late.csv: line 52 (data row 51)');
  });

  it('empty and missing files; a header alone is zero rows', async () => {
    expect((await errorOf(readCsv(''))).message).toMatch(/d\.csv: empty file/);
    expect((await errorOf(readCsv('\n\n'))).message).toMatch(/empty file/);
    const missing = await errorOf(readTable(join(tempDir(), 'nope.csv')));
    expect(missing.code).toBe('NOT_FOUND');
    const t = await readCsv('a,b\n');
    expect(t.batch.length).toBe(0);
    expect(t.schema.fileColumns).toEqual(['a', 'b']);
  });
});

describe('CSV: projection', () => {
  it('delivers the requested columns in the requested order', async () => {
    const t = await readCsv('a,b,c\n1,x,true\n2,y,false\n', { columns: ['c', 'a'] });
    expect(t.schema.columns.map((c) => c.name)).toEqual(['c', 'a']);
    expect(t.schema.columns.map((c) => c.fileIndex)).toEqual([2, 0]);
    expect(rowsOf(t.batch)).toEqual([
      ['true', '1'],
      ['false', '2'],
    ]);
  });

  it('still counts rows when no column is asked for', async () => {
    const t = await readCsv('a,b\n1,2\n"3",4\n5,6\n', { columns: [] });
    expect(t.batch.length).toBe(3);
    expect(t.batch.columns).toEqual([]);
  });

  it('names missing columns and lists the available ones', async () => {
    const e = await errorOf(readCsv('Age,b\n1,2\n', { columns: ['age', 'zz'] }));
    expect(e.code).toBe('INVALID');
    expect(e.message).toMatch(
      /\/d\.csv: no columns "age", "zz" \(needed by the requested columns\); available: "Age", "b"$/,
    );
    expect(e.hint).toContain('"age" → "Age"');
  });
});

describe('CSV: chunks and batches', () => {
  it('gives the same values whatever the read chunk cuts (numbers, text, quotes)', async () => {
    const rand = rng(3);
    const lines = ['x,s,q'];
    for (let i = 0; i < 300; i++) {
      lines.push(
        `${(rand() * 2000 - 1000).toFixed(Math.floor(rand() * 8))},w${Math.floor(rand() * 30)},"q ""${i}"",\n"`,
      );
    }
    const path = tempFile('c.csv', lines.join('\r\n'));
    const whole = await readTable(path);
    for (const readChunkBytes of [1, 5, 33]) {
      const cut = await readTable(path, { readChunkBytes, batchRows: 7 });
      expect(rowsOf(cut.batch)).toEqual(rowsOf(whole.batch));
    }
    expect(textAt(whole.batch.columns[2], 5)).toBe('q "5",\n');
  });

  it('numbers batches by their first row and shares dictionaries across them', async () => {
    const lines = ['k,v'];
    for (let i = 0; i < 25; i++) lines.push(`${'abc'[i % 3]},${i}`);
    const reader = await openTable(tempFile('b.csv', lines.join('\n')), { batchRows: 10 });
    const batches: ColumnBatch[] = [];
    for await (const b of reader.batches()) batches.push(b);
    expect(batches.map((b) => [b.rowStart, b.length])).toEqual([
      [0, 10],
      [10, 10],
      [20, 5],
    ]);
    const dicts = batches.map((b) => (b.columns[0] as TextColumn).dictionary);
    expect(dicts[1]).toBe(dicts[0]);
    expect(dicts[2]).toBe(dicts[0]);
    expect(valueAt(batches[2].columns[1], 4)).toBe(24);
  });

  it('starts a new dictionary past maxDictionary, at a batch boundary', async () => {
    const lines = ['id'];
    for (let i = 0; i < 30; i++) lines.push(`u${i}`);
    const reader = await openTable(tempFile('ids.csv', lines.join('\n')), {
      batchRows: 10,
      maxDictionary: 15,
      types: { id: 'string' },
    });
    const seen: { dict: readonly string[]; texts: string[] }[] = [];
    for await (const b of reader.batches()) {
      const col = b.columns[0] as TextColumn;
      seen.push({ dict: col.dictionary, texts: [...col.codes].map((c) => col.dictionary[c]) });
    }
    expect(seen[1].dict).toBe(seen[0].dict);
    expect(seen[2].dict).not.toBe(seen[1].dict);
    expect(seen[2].dict.length).toBe(10);
    expect(seen.flatMap((s) => s.texts)).toEqual(lines.slice(1));
  });

  it('streams a large file batch by batch instead of reading it whole', async () => {
    const dir = tempDir();
    const path = join(dir, 'big.csv');
    const rand = rng(11);
    const rows = 300_000;
    let expectedSum = 0;
    const parts: string[] = ['a,b,c,d,e,f\n'];
    for (let i = 0; i < rows; i++) {
      const a = Math.round(rand() * 1e6) / 1000;
      expectedSum += a;
      parts.push(`${a},${i},cat${i % 7},"t ${i % 1000}",${rand() < 0.5},2024-05-0${(i % 9) + 1}\n`);
    }
    writeFileSync(path, parts.join(''));
    const progress: number[] = [];
    const reader = await openTable(path, { onProgress: (p) => progress.push(p.done) });
    const size = reader.sizeBytes;
    expect(size).toBeGreaterThan(10 << 20);
    let doneAtFirstBatch = -1;
    let sum = 0;
    let n = 0;
    let batches = 0;
    for await (const b of reader.batches()) {
      if (doneAtFirstBatch < 0) doneAtFirstBatch = progress[progress.length - 1];
      const a = b.columns[0] as NumberColumn;
      for (let i = 0; i < b.length; i++) sum += a.values[i];
      expect(b.rowStart).toBe(n);
      n += b.length;
      batches++;
    }
    expect(n).toBe(rows);
    expect(batches).toBe(Math.ceil(rows / 65_536));
    expect(sum).toBeCloseTo(expectedSum, 6);
    expect(doneAtFirstBatch).toBeLessThan(size / 2);
    expect(reader.schema.columns.map((c) => c.kind)).toEqual([
      'number',
      'number',
      'category',
      'category',
      'boolean',
      'datetime',
    ]);
  });

  it('can make a second pass with the same codes', async () => {
    const reader = await openTable(tempFile('p.csv', 'k\nb\na\nb\n'));
    const codes: number[][] = [];
    for (let pass = 0; pass < 2; pass++) {
      for await (const b of reader.batches()) codes.push([...(b.columns[0] as TextColumn).codes]);
    }
    expect(codes).toEqual([
      [0, 1, 0],
      [0, 1, 0],
    ]);
  });
});

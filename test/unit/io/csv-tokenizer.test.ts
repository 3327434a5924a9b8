/**
 * The hand-written tokenizer against csv-parse (the well-kept library the issue names)
 * on the cases where CSV readers differ: quoted delimiters, quoted line breaks, doubled
 * quotes, CRLF, non-ASCII text, and every way a read chunk can cut a row.
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  readTable,
  textAt,
  type ColumnKind,
  type OpenTableOptions,
} from '../../../src/io/index.js';
import { CsvSyntaxError, CsvTokenizer } from '../../../src/io/csv-tokenizer.js';
import { rng, tempFile } from './helpers.js';

const PIECES = ['a', 'b', 'xyz', ',', '"', '\n', '\r\n', ' ', 'é', '日本', '1.5', '', ';', '\t'];

function randomField(rand: () => number): string {
  let s = '';
  const n = Math.floor(rand() * 5);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(rand() * PIECES.length)];
  return s;
}

function quoteIfNeeded(s: string, rand: () => number): string {
  if (/[",\r\n]/.test(s) || rand() < 0.2) return `"${s.replaceAll('"', '""')}"`;
  return s;
}

/** A random CSV with `cols` columns and the rows it encodes. */
function randomCsv(seed: number, rows: number, cols: number): { text: string; header: string[] } {
  const rand = rng(seed);
  const header = Array.from({ length: cols }, (_, j) => `c${j}`);
  const eol = rand() < 0.5 ? '\n' : '\r\n';
  let text = header.join(',') + eol;
  for (let r = 0; r < rows; r++) {
    const fields = Array.from({ length: cols }, () => quoteIfNeeded(randomField(rand), rand));
    // a row of one empty unquoted field would be a blank line, which both skip differently
    if (!fields.some((f) => f !== '')) fields[0] = '""';
    text += fields.join(',') + (r < rows - 1 || rand() < 0.5 ? eol : '');
  }
  return { text, header };
}

async function readAllText(
  path: string,
  cols: number,
  options: OpenTableOptions = {},
): Promise<string[][]> {
  const types: Record<string, ColumnKind> = {};
  for (let j = 0; j < cols; j++) types[`c${j}`] = 'string';
  const t = await readTable(path, { types, nullValues: [], ...options });
  const out: string[][] = [];
  for (let i = 0; i < t.batch.length; i++)
    out.push(t.batch.columns.map((c) => textAt(c, i) ?? '<null>'));
  return out;
}

describe('CSV tokenizer agrees with csv-parse', () => {
  it('on random quoted CSV, whatever the read chunk size', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const cols = 1 + (seed % 4);
      const { text } = randomCsv(seed, 60, cols);
      const expected = parse(text, { from_line: 2 });
      const path = tempFile('r.csv', text);
      for (const chunk of [1, 2, 3, 7, 64, 4096]) {
        const got = await readAllText(path, cols, { readChunkBytes: chunk, batchRows: 17 });
        expect(got, `seed ${seed}, chunk ${chunk}`).toEqual(expected);
      }
    }
  });

  it('on the classic edge cases', async () => {
    const text = [
      'c0,c1,c2',
      'plain,"with, comma","with ""quotes"""',
      '"line\nbreak","crlf\r\ninside",""',
      ',,',
      '"",x,"  spaced  "',
      'a"b,"""",end',
    ].join('\r\n');
    const expected = parse(text, { from_line: 2, relax_quotes: true });
    const got = await readAllText(tempFile('e.csv', text), 3);
    expect(got).toEqual(expected);
    expect(got[0]).toEqual(['plain', 'with, comma', 'with "quotes"']);
    expect(got[1]).toEqual(['line\nbreak', 'crlf\r\ninside', '']);
    expect(got[4]).toEqual(['a"b', '"', 'end']);
  });

  it('reads lone CR line endings and skips blank lines', async () => {
    const got = await readAllText(tempFile('cr.csv', 'c0,c1\rx,1\r\r\ny,2\n\nz,3'), 2);
    expect(got).toEqual([
      ['x', '1'],
      ['y', '2'],
      ['z', '3'],
    ]);
  });
});

describe('CsvTokenizer', () => {
  const tok = (ncols: number): CsvTokenizer =>
    new CsvTokenizer({ delimiter: 44, ncols, capacityRows: 16, firstLine: 2 });

  it('stops before a row the chunk cut, and resumes with more bytes', () => {
    const t = tok(2);
    const full = Buffer.from('a,b\nc,"d\ne"\nf,g\n');
    const part = full.subarray(0, 10);
    expect(t.tokenize(part, 0, part.length, false, 100)).toBe(1);
    expect(t.pos).toBe(4);
    expect(t.line).toBe(3);
    expect(t.tokenize(full, t.pos, full.length, false, 100)).toBe(2);
    expect(t.line).toBe(6);
  });

  it('waits when a chunk ends on a quote that may be the first half of ""', () => {
    const t = tok(1);
    const full = Buffer.from('"a""b"\n');
    expect(t.tokenize(full, 0, 3, false, 10)).toBe(0);
    expect(t.tokenize(full, 0, full.length, true, 10)).toBe(1);
    expect(t.table.quoted[0]).toBe(2);
  });

  it('reports ragged rows, unclosed quotes and text after a closing quote with the line', () => {
    const cases: [string, string, number, number][] = [
      ['a,b\nc\n', 'ragged', 3, 1],
      ['a,b\n"c,d\n', 'unterminated-quote', 3, 1],
      ['a,"b"x\n', 'after-quote', 2, 2],
    ];
    for (const [text, problem, line, found] of cases) {
      const t = tok(2);
      const buf = Buffer.from(text);
      let err: unknown;
      try {
        t.tokenize(buf, 0, buf.length, true, 10);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(CsvSyntaxError);
      const e = err as CsvSyntaxError;
      expect([e.problem, e.line, e.found], text).toEqual([problem, line, found]);
    }
  });
});

/**
 * The quote-free fast path against an independent oracle: csv-parse splits the
 * fields, and the documented value rules (values.ts) turn them into values. Files mix
 * quote-free stretches (fast path) with quoted rows (general tokenizer), so switching
 * between the two is covered too.
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import { NULL_TOKENS, parseNumberText, readTable, textAt, valueAt } from '../../../src/io/index.js';
import { rng, tempFile } from './helpers.js';

const NUMBERISH = [
  () => '',
  () => 'NA',
  () => 'abc',
  () => '-',
  () => '+7',
  () => '1e3',
  () => '-0',
  () => '.5',
  () => '5.',
  () => '1.2.3',
  () => '12345678901234567',
  () => '-0.000000000000000012345678',
  () => '00000000000000001.5',
  () => '123456789012345678901234567890.',
  () => 'NaN',
  () => '-inf',
  () => ' 4',
];

function numberCell(rand: () => number): string {
  if (rand() < 0.25) return NUMBERISH[Math.floor(rand() * NUMBERISH.length)]();
  const v = (rand() - 0.5) * 10 ** Math.floor(rand() * 8);
  const r = rand();
  // a double printed in full: 16-17 digits, past the fast path's exact arithmetic
  if (r < 0.2) return String(v);
  return r < 0.4 ? String(Math.round(v)) : v.toFixed(Math.floor(rand() * 9));
}

function textCell(rand: () => number, quoted: boolean): string {
  const base = ['alpha', 'beta', '', 'NA', 'gamma delta', 'é', 'x'][Math.floor(rand() * 7)];
  return quoted ? `"${base},${base}"` : base;
}

function randomFile(seed: number, rows: number, quoteEvery: number): string {
  const rand = rng(seed);
  const eol = seed % 2 === 0 ? '\n' : '\r\n';
  let text = `n1,t1,n2,t2${eol}`;
  for (let r = 0; r < rows; r++) {
    if (rand() < 0.02) text += eol; // blank line
    const quoted = quoteEvery > 0 && r % quoteEvery === 0;
    text +=
      [numberCell(rand), textCell(rand, quoted), numberCell(rand), textCell(rand, false)].join(
        ',',
      ) + eol;
  }
  return text;
}

describe('CSV fast path', () => {
  it('gives the values the documented rules give, with and without quoted rows', async () => {
    const nulls = new Set(NULL_TOKENS);
    for (const [seed, quoteEvery] of [
      [1, 0],
      [2, 0],
      [3, 7],
      [4, 300],
    ]) {
      const text = randomFile(seed, 2000, quoteEvery);
      const expected = parse(text, { from_line: 2, skip_empty_lines: true });
      for (const readChunkBytes of [64, 1 << 20]) {
        const t = await readTable(tempFile('f.csv', text), {
          types: { n1: 'number', n2: 'number', t1: 'string', t2: 'string' },
          readChunkBytes,
          batchRows: 500,
        });
        expect(t.batch.length).toBe(expected.length);
        const mismatched: number[] = [];
        for (let i = 0; i < expected.length; i++) {
          for (const j of [0, 2]) {
            const raw = expected[i][j];
            const want = nulls.has(raw) ? null : (parseNumberText(raw) ?? 'mismatch');
            const col = t.batch.columns[j];
            const got = col.state?.[i] === 2 ? 'mismatch' : valueAt(col, i);
            if (!Object.is(got, want)) mismatched.push(i);
            if (want === 'mismatch') expect(textAt(col, i)).toBe(raw);
          }
          for (const j of [1, 3]) {
            const raw = expected[i][j];
            expect(valueAt(t.batch.columns[j], i), `row ${i}`).toBe(nulls.has(raw) ? null : raw);
          }
        }
        expect(mismatched, `seed ${seed}`).toEqual([]);
      }
    }
  });

  it('stores the integers of an integer column as the documented rules do, and only those', async () => {
    const nulls = new Set(NULL_TOKENS);
    for (const [seed, quoteEvery] of [
      [5, 0],
      [6, 0],
      [7, 11],
    ]) {
      const text = randomFile(seed, 2000, quoteEvery);
      const expected = parse(text, { from_line: 2, skip_empty_lines: true });
      for (const readChunkBytes of [64, 1 << 20]) {
        const t = await readTable(tempFile('f.csv', text), {
          types: { n1: 'integer', n2: 'integer', t1: 'string', t2: 'string' },
          readChunkBytes,
          batchRows: 500,
        });
        expect(t.batch.length).toBe(expected.length);
        const mismatched: number[] = [];
        let integers = 0;
        for (let i = 0; i < expected.length; i++) {
          for (const j of [0, 2]) {
            const raw = expected[i][j];
            const n = parseNumberText(raw);
            // NaN and ±inf stay what they read as, as in a number column
            const want = nulls.has(raw)
              ? null
              : n !== undefined && (Number.isInteger(n) || !Number.isFinite(n))
                ? n
                : 'mismatch';
            if (typeof want === 'number') integers++;
            const col = t.batch.columns[j];
            const got = col.state?.[i] === 2 ? 'mismatch' : valueAt(col, i);
            if (!Object.is(got, want)) mismatched.push(i);
            // (a number that is not an integer keeps its text as the number reads)
            if (want === 'mismatch' && n === undefined) expect(textAt(col, i)).toBe(raw);
          }
        }
        expect(integers).toBeGreaterThan(500);
        expect(mismatched, `seed ${seed}`).toEqual([]);
      }
    }
  });

  it('reports ragged rows with the right line, blank lines and CRLF counted', async () => {
    const cases: [string, RegExp][] = [
      [
        'a,b,c\r\n1,2,3\r\n\r\n4,5\r\n',
        /line 4 \(data row 2\): expected 3 fields as in the header, found 2$/,
      ],
      [
        'a,b,c\n1,2,3\n4,5,6,7,8\n',
        /line 3 \(data row 2\): expected 3 fields as in the header, found 5$/,
      ],
      ['a,b\n1,2\n"q",2\n\n3\n', /line 5 \(data row 3\): expected 2 fields/],
    ];
    for (const [text, re] of cases) {
      let err: unknown;
      try {
        await readTable(tempFile('r.csv', text));
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(MloError);
      expect((err as MloError).message, text).toMatch(re);
    }
  });
});

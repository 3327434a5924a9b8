import { describe, expect, it } from 'vitest';
import { openTable, readTable, type NumberColumn } from '../../../src/io/index.js';
import { parseLongDecimalBytes } from '../../../src/io/long-decimal.js';
import { parsePlainDecimalBytes } from '../../../src/io/values.js';
import { rng, tempFile } from './helpers.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const long = (s: string): number => parseLongDecimalBytes(bytes(s), 0, s.length);

/** Strings whose byte parse differs from Number() (NaN from the parser means "not taken"). */
function mismatches(texts: Iterable<string>): { wrong: string[]; taken: number } {
  const wrong: string[] = [];
  let taken = 0;
  for (const s of texts) {
    const v = long(s);
    if (Number.isNaN(v)) continue;
    taken++;
    if (!Object.is(v, Number(s))) wrong.push(s);
  }
  return { wrong, taken };
}

/** The exact decimal expansion of a positive finite double (BigInt arithmetic). */
function exactDecimal(mantissa: bigint, exp2: number): string {
  // value = mantissa * 2^exp2 = mantissa * 5^-exp2 / 10^-exp2 for exp2 < 0
  if (exp2 >= 0) return (mantissa << BigInt(exp2)).toString();
  const digits = (mantissa * 5n ** BigInt(-exp2)).toString().padStart(-exp2 + 1, '0');
  return `${digits.slice(0, exp2)}.${digits.slice(exp2)}`;
}

/** The first `n` significant digits of a decimal string (truncated, point kept). */
function significant(text: string, n: number): string {
  let out = '';
  let sig = 0;
  for (const c of text) {
    if (c !== '.' && (sig > 0 || c !== '0')) {
      if (sig === n) break;
      sig++;
    }
    out += c;
  }
  return out.endsWith('.') ? out.slice(0, -1) : out;
}

describe('parseLongDecimalBytes', () => {
  it("equals Number() bit for bit on JavaScript's own printing of random doubles", () => {
    const rand = rng(11);
    const texts: string[] = [];
    for (let n = 0; n < 300_000; n++) {
      const x = (rand() - 0.5) * 10 ** Math.floor(rand() * 24 - 6);
      const s = String(x);
      if (!s.includes('e')) texts.push(s);
    }
    const { wrong, taken } = mismatches(texts);
    expect(wrong).toEqual([]);
    // nearly all have 16-17 digits; only near-midpoints and powers of two fall back
    expect(taken).toBeGreaterThan(texts.length * 0.95);
  });

  it('equals Number() on random 16-19 digit decimals, leading zeros and signs included', () => {
    const rand = rng(12);
    const texts: string[] = [];
    for (let n = 0; n < 300_000; n++) {
      const sig = 16 + Math.floor(rand() * 4);
      let d = String(1 + Math.floor(rand() * 9));
      for (let i = 1; i < sig; i++) d += String(Math.floor(rand() * 10));
      const zeros = rand() < 0.2 ? '0'.repeat(Math.floor(rand() * 4)) : '';
      const at = Math.floor(rand() * (sig + 1));
      const sign = rand() < 0.3 ? '-' : rand() < 0.1 ? '+' : '';
      texts.push(
        at === sig
          ? `${sign}${d}`
          : at === 0
            ? `${sign}0.${zeros}${d}`
            : `${sign}${d.slice(0, at)}.${d.slice(at)}`,
      );
    }
    const { wrong, taken } = mismatches(texts);
    expect(wrong).toEqual([]);
    expect(taken).toBeGreaterThan(texts.length * 0.95);
  });

  it('equals Number() next to the midpoints between doubles, where rounding is closest to call', () => {
    const rand = rng(13);
    const view = new DataView(new ArrayBuffer(8));
    const texts: string[] = [];
    for (let n = 0; n < 20_000; n++) {
      const x = (1 + rand()) * 2 ** Math.floor(rand() * 40 - 20);
      view.setFloat64(0, x);
      const bits = view.getBigUint64(0);
      const exp2 = Number((bits >> 52n) & 0x7ffn) - 1075;
      const mantissa = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
      // the midpoint between x and the next double up, and decimals just around it
      const mid = exactDecimal(2n * mantissa + 1n, exp2 - 1);
      for (const sig of [16, 17, 18, 19]) {
        const cut = significant(mid, sig);
        texts.push(cut);
        // one unit up in the last digit: the other side of the midpoint
        const last = cut.at(-1) as string;
        if (last !== '9') texts.push(cut.slice(0, -1) + String(Number(last) + 1));
      }
    }
    // integers that are exact midpoints (ties, rounded to even), and their neighbours
    for (let k = 54n; k <= 62n; k++) {
      for (let m = 1n; m < 40n; m += 2n) {
        const tie = (1n << k) + m * (1n << (k - 53n));
        for (const v of [tie - 1n, tie, tie + 1n]) texts.push(v.toString());
      }
    }
    const { wrong, taken } = mismatches(texts);
    expect(wrong).toEqual([]);
    // 19 digits separate most of them from the midpoint well enough to decide
    expect(taken).toBeGreaterThan(texts.length / 4);
  });

  it('refuses what is not a plain decimal of up to 19 significant digits (NaN: read as text)', () => {
    for (const s of [
      '',
      '-',
      '+',
      '.',
      '-.',
      '1.2.3',
      '1e5',
      '12345678901234567e2',
      ' 1.2345678901234567',
      '1.2345678901234567 ',
      '1,2345678901234567',
      '12345678901234567890', // 20 significant digits
      '0.00000000000000000000012345', // 23 after the point
      'NaN',
      '0x1234567890123456',
    ])
      expect(long(s), s).toBeNaN();
  });

  it('reads short decimals and zeros the way the fast path does', () => {
    for (const s of ['0', '-0', '0.000', '1.5', '-2.25', '007', '0.1', '123456789012345'])
      expect(Object.is(long(s), Number(s)), s).toBe(true);
  });
});

describe('CSV numbers with 17 digits', () => {
  it('read the same as through Number(text), in columns and in a row-major matrix', async () => {
    const rand = rng(14);
    const rows: string[] = ['a,b,c'];
    const expected: number[][] = [[], [], []];
    for (let i = 0; i < 3000; i++) {
      const cells = [(rand() - 0.5) * 40, rand() * 1e-3, (rand() - 0.5) * 1e12].map(String);
      rows.push(cells.join(','));
      cells.forEach((c, j) => expected[j].push(Number(c)));
    }
    expect(rows[1].split(',')[0].replace(/[-.]/g, '').length).toBeGreaterThan(15);
    const file = tempFile('long.csv', rows.join('\n') + '\n');
    const table = await readTable(file);
    table.batch.columns.forEach((col, j) => {
      expect(col.kind).toBe('number');
      expect(Array.from((col as NumberColumn).values)).toEqual(expected[j]);
    });
    const reader = await openTable(file, {
      columns: ['a', 'b', 'c'],
      rowMajor: { columns: ['a', 'b', 'c'], type: 'float32' },
    });
    const matrix: number[] = [];
    for await (const batch of reader.batches())
      matrix.push(...(batch.rowMajor?.values as Float32Array));
    const want = expected[0].flatMap((_, i) => expected.map((c) => Math.fround(c[i])));
    expect(matrix).toEqual(want);
  });

  it('parsePlainDecimalBytes takes both short and long decimals without a string', () => {
    for (const s of ['1.5', '-4.2573878828060545', '0.0008150339126586914'])
      expect(Object.is(parsePlainDecimalBytes(bytes(s), 0, s.length), Number(s)), s).toBe(true);
  });
});

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readTable, valueAt } from '../../../src/io/index.js';
import {
  NULL_TOKENS,
  parseDecimalBytes,
  parseNumberText,
  parseDatetimeText,
  parseBooleanText,
} from '../../../src/io/values.js';
import { rng, tempFile } from './helpers.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const fast = (s: string): number => parseDecimalBytes(bytes(s), 0, s.length);

describe('parseDecimalBytes (the fast path)', () => {
  it('equals Number() bit for bit on random decimals it accepts', () => {
    const rand = rng(7);
    let accepted = 0;
    const wrong: string[] = [];
    for (let n = 0; n < 200_000; n++) {
      const intDigits = Math.floor(rand() * 10);
      const fracDigits = Math.floor(rand() * 10);
      let s = rand() < 0.3 ? '-' : '';
      for (let i = 0; i < intDigits; i++) s += String(Math.floor(rand() * 10));
      if (fracDigits > 0 || intDigits === 0) {
        s += '.';
        for (let i = 0; i < Math.max(1, fracDigits); i++) s += String(Math.floor(rand() * 10));
      }
      const v = fast(s);
      if (Number.isNaN(v)) continue;
      accepted++;
      if (!Object.is(v, Number(s))) wrong.push(s);
    }
    expect(wrong).toEqual([]);
    expect(accepted).toBeGreaterThan(150_000);
  });

  it('hands anything else to the slow path (NaN)', () => {
    for (const s of [
      '',
      '-',
      '.',
      '1e5',
      '1.5.2',
      ' 1',
      '1 ',
      'nan',
      '1234567890123456',
      '0x10',
      '+',
    ]) {
      expect(fast(s), s).toBeNaN();
    }
    expect(fast('+3')).toBe(3);
    expect(Object.is(fast('-0'), -0)).toBe(true);
    expect(fast('.5')).toBe(0.5);
    expect(fast('5.')).toBe(5);
  });
});

describe('parseNumberText', () => {
  it('reads decimals, exponents and the NaN/inf family', () => {
    expect(parseNumberText('1e3')).toBe(1000);
    expect(parseNumberText(' -2.5E-1 ')).toBe(-0.25);
    expect(parseNumberText('NaN')).toBeNaN();
    expect(parseNumberText('nan')).toBeNaN();
    expect(parseNumberText('-inf')).toBe(-Infinity);
    expect(parseNumberText('Infinity')).toBe(Infinity);
    expect(parseNumberText('+INF')).toBe(Infinity);
  });

  it('rejects what Number() would wrongly accept', () => {
    for (const s of ['', ' ', '0x1A', '1_000', '1,000', '12abc', 'e5', '--1', 'Infinityx']) {
      expect(parseNumberText(s), s).toBeUndefined();
    }
  });
});

/** pandas' default na_values for read_csv (pandas._libs.parsers.STR_NA_VALUES), pandas 2. */
const PANDAS_NA_VALUES = [
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
];

/** The installed pandas' list, when /usr/bin/python3 has pandas (asked once). */
const installedPandasNaValues = ((): (() => string[] | null) => {
  let list: string[] | null | undefined;
  return () => {
    if (list !== undefined) return list;
    const r = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import json; from pandas._libs.parsers import STR_NA_VALUES as v; print(json.dumps(sorted(v)))',
      ],
      { encoding: 'utf8' },
    );
    list = r.status === 0 ? (JSON.parse(r.stdout) as string[]) : null;
    return list;
  };
})();

describe("pandas' missing-value spellings", () => {
  it('every one is a null token or reads as NaN', () => {
    for (const token of PANDAS_NA_VALUES) {
      const isNull = NULL_TOKENS.includes(token);
      const isNaN = Number.isNaN(parseNumberText(token));
      expect(isNull !== isNaN, JSON.stringify(token)).toBe(true);
    }
    expect(parseNumberText('1.#QNAN')).toBeNaN();
    expect(parseNumberText('-1.#IND')).toBeNaN();
    expect(parseNumberText('1.#QNANx')).toBeUndefined();
  });

  it.skipIf(installedPandasNaValues() === null)(
    'the list above is the installed pandas list (pandas 1.x lacks only "None")',
    () => {
      const installed = installedPandasNaValues() ?? [];
      expect(PANDAS_NA_VALUES.filter((t) => !installed.includes(t) && t !== 'None')).toEqual([]);
      expect(installed.filter((t) => !PANDAS_NA_VALUES.includes(t))).toEqual([]);
    },
  );

  it('a CSV numeric column with 1.#QNAN stays numeric, the cell a NaN', async () => {
    const t = await readTable(
      tempFile('d.csv', 'x,y\n1.5,a\n1.#QNAN,#NA\n-1.#IND,#N/A N/A\n2,b\n'),
    );
    expect(t.schema.columns.map((c) => c.kind)).toEqual(['number', 'category']);
    const [x, y] = t.batch.columns;
    expect([0, 1, 2, 3].map((i) => valueAt(x, i))).toEqual([1.5, NaN, NaN, 2]);
    expect(x.nullCount).toBe(0);
    expect([0, 1, 2, 3].map((i) => valueAt(y, i))).toEqual(['a', null, null, 'b']);
  });
});

describe('parseDatetimeText', () => {
  it('reads ISO dates and date-times, UTC unless an offset is given', () => {
    expect(parseDatetimeText('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(parseDatetimeText('2024-01-02T03:04:05Z')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(parseDatetimeText('2024-01-02 03:04')).toBe(Date.UTC(2024, 0, 2, 3, 4));
    expect(parseDatetimeText('2024-01-02T03:04:05.123456')).toBe(
      Date.UTC(2024, 0, 2, 3, 4, 5, 123),
    );
    expect(parseDatetimeText('2024-01-02T03:04:05+02:00')).toBe(Date.UTC(2024, 0, 2, 1, 4, 5));
    expect(parseDatetimeText('2024-01-02T03:04:05-0130')).toBe(Date.UTC(2024, 0, 2, 4, 34, 5));
  });

  it('rejects impossible dates and other shapes', () => {
    for (const s of [
      '2023-02-29',
      '2024-13-01',
      '2024-01-32',
      '2024-01-02T25:00',
      '01/02/2024',
      '2024-1-2',
      '20240102',
    ]) {
      expect(parseDatetimeText(s), s).toBeUndefined();
    }
  });
});

describe('parseBooleanText', () => {
  it('reads the usual spellings', () => {
    expect(parseBooleanText('TRUE')).toBe(true);
    expect(parseBooleanText('yes')).toBe(true);
    expect(parseBooleanText('0')).toBe(false);
    expect(parseBooleanText('F')).toBe(false);
    expect(parseBooleanText('maybe')).toBeUndefined();
  });
});

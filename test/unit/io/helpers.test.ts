import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import {
  finiteValues,
  hasValue,
  isFiniteAt,
  openTable,
  readTable,
  requireColumns,
  textAt,
  ValueCounter,
  type NumberColumn,
} from '../../../src/io/index.js';
import { tempFile } from './helpers.js';

describe('finiteValues / isFiniteAt', () => {
  it('leave out nulls, mismatches, NaN and ±inf', async () => {
    const t = await readTable(tempFile('d.csv', 'x\n1\n""\nNaN\ninf\n-2.5\n-Infinity\n3\n'), {
      sampleRows: 2,
    });
    const t2 = await readTable(tempFile('e.csv', 'x\n1\nabc\n2\n'), { types: { x: 'number' } });
    const x = t.batch.columns[0] as NumberColumn;
    expect([...finiteValues(x)]).toEqual([1, -2.5, 3]);
    expect([0, 1, 2, 3, 4].map((i) => isFiniteAt(x, i))).toEqual([true, false, false, false, true]);
    const y = t2.batch.columns[0] as NumberColumn;
    expect([...finiteValues(y)]).toEqual([1, 2]);
    expect(hasValue(y, 1)).toBe(false);
    const out = new Float64Array(100);
    const view = finiteValues(y, out);
    expect(view.buffer).toBe(out.buffer);
    expect([...view]).toEqual([1, 2]);
  });
});

describe('textAt', () => {
  it('shows every kind as a person would read it', async () => {
    const t = await readTable(
      tempFile('d.csv', 'n,b,d,c\n1.50,TRUE,2024-03-01T12:00:00+01:00,x\n'),
    );
    expect(t.batch.columns.map((c) => textAt(c, 0))).toEqual([
      '1.5',
      'true',
      '2024-03-01T11:00:00.000Z',
      'x',
    ]);
  });
});

describe('ValueCounter', () => {
  it('counts across batches and across dictionary restarts', async () => {
    const values: string[] = [];
    for (let i = 0; i < 40; i++) values.push(i < 30 ? `v${i % 6}` : `w${i}`);
    // quoted: in a one-column file an empty line would be a blank line, which is skipped
    values[7] = '""';
    const reader = await openTable(tempFile('d.csv', 'k\n' + values.join('\n') + '\n'), {
      batchRows: 8,
      maxDictionary: 7,
      types: { k: 'string' },
    });
    const counter = new ValueCounter();
    const dicts = new Set<readonly string[]>();
    for await (const b of reader.batches()) {
      const col = b.columns[0];
      if ('codes' in col) dicts.add(col.dictionary);
      counter.add(col);
    }
    expect(dicts.size).toBeGreaterThan(1);
    const expected = new Map<string, number>();
    for (const v of values) if (v !== '""') expected.set(v, (expected.get(v) ?? 0) + 1);
    expect(Object.fromEntries(counter.counts())).toEqual(Object.fromEntries(expected));
    expect([...counter.counts().keys()].slice(0, 2)).toEqual(['v0', 'v2']);
    expect(counter.nulls).toBe(1);
    expect(counter.values).toBe(39);
  });

  it('counts numbers and booleans by their text', async () => {
    const t = await readTable(tempFile('d.csv', 'n,b\n1,true\n2,false\n1,true\n,\n'));
    const n = new ValueCounter();
    n.add(t.batch.columns[0]);
    const b = new ValueCounter();
    b.add(t.batch.columns[1]);
    expect([...n.counts()]).toEqual([
      ['1', 2],
      ['2', 1],
    ]);
    expect([...b.counts()]).toEqual([
      ['true', 2],
      ['false', 1],
    ]);
    expect([n.nulls, b.nulls]).toEqual([1, 1]);
  });
});

describe('requireColumns', () => {
  it('passes when all are there and names the missing ones otherwise', async () => {
    const reader = await openTable(tempFile('d.csv', 'age,income,Country\n1,2,3\n'));
    expect(() =>
      requireColumns(reader.schema, ['age', 'Country'], { file: 'd.csv' }),
    ).not.toThrow();
    let err: unknown;
    try {
      requireColumns(reader.schema, ['age', 'country', 'zip'], {
        file: 'data/d.csv',
        purpose: 'suite raw',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MloError);
    const e = err as MloError;
    expect(e.code).toBe('INVALID');
    expect(e.message).toBe(
      'data/d.csv: no columns "country", "zip" (needed by suite raw); available: "age", "income", "Country"',
    );
    expect(e.hint).toBe('column names are case-sensitive: "country" → "Country"');
    expect(e.details).toEqual({
      file: 'data/d.csv',
      missing: ['country', 'zip'],
      available: ['age', 'income', 'Country'],
    });
  });
});

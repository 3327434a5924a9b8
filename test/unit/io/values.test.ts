import { describe, expect, it } from 'vitest';
import {
  parseDecimalBytes,
  parseNumberText,
  parseDatetimeText,
  parseBooleanText,
} from '../../../src/io/values.js';
import { rng } from './helpers.js';

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

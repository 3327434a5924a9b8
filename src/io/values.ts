/**
 * How text becomes a typed value: numbers, booleans, datetimes and null tokens. One
 * grammar for every format, so a value means the same in a CSV cell and a JSON string.
 */

/**
 * Cells that mean null in CSV: pandas' default na_values (read_csv, pandas 2) except
 * its NaN family (NaN, -NaN, nan, -nan, 1.#QNAN, -1.#QNAN, 1.#IND, -1.#IND), which
 * parseNumberText reads as the number NaN. Where we differ from pandas on purpose:
 * - a NaN spelling in a numeric column is a NaN value rather than a null, so the
 *   column stays numeric; consumers that follow pandas (null checks, drift) count
 *   NaN as missing all the same (`isFiniteAt`);
 * - in a text column a NaN spelling stays text, where pandas makes it NaN: "NaN" can
 *   be a real category (a grade, a code), and nulls are the tokens below;
 * - the NaN and infinity spellings are read in any case and with a sign (pandas
 *   lists exact spellings).
 */
export const NULL_TOKENS: readonly string[] = [
  '',
  'NA',
  'N/A',
  'n/a',
  '#N/A',
  '#N/A N/A',
  '#NA',
  'NULL',
  'null',
  'None',
  '<NA>',
];

import { parseLongDecimalBytes, POW10 } from './long-decimal.js';

/**
 * Fast path for plain decimals in bytes: [+-]digits[.digits] with at most 15 digits.
 * Such a mantissa and 10^k (k ≤ 22) are both exact doubles, so one division rounds
 * correctly (Clinger's fast path) and the result equals Number(text). Anything else
 * (exponents, long mantissas, spaces, tokens) returns NaN, meaning "ask
 * parseNumberText"; a real NaN never comes from here.
 */
export function parseDecimalBytes(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  if (i === end) return NaN;
  let neg = false;
  let c = buf[i];
  if (c === 45) {
    neg = true;
    i++;
  } else if (c === 43) i++;
  let m = 0;
  let digits = 0;
  let frac = 0;
  for (; i < end; i++) {
    c = buf[i] - 48;
    if (c < 0 || c > 9) break;
    m = m * 10 + c;
    digits++;
  }
  if (i < end && buf[i] === 46) {
    i++;
    for (; i < end; i++) {
      c = buf[i] - 48;
      if (c < 0 || c > 9) break;
      m = m * 10 + c;
      digits++;
      frac++;
    }
  }
  if (i !== end || digits === 0 || digits > 15) return NaN;
  const v = frac === 0 ? m : m / POW10[frac];
  return neg ? -v : v;
}

/**
 * parseDecimalBytes, plus plain decimals of 16 to 19 significant digits (JavaScript's
 * and pandas' usual 17), still without a string: see long-decimal.ts. NaN means "ask
 * parseNumberText", as for parseDecimalBytes.
 */
export function parsePlainDecimalBytes(buf: Uint8Array, start: number, end: number): number {
  const v = parseDecimalBytes(buf, start, end);
  return v === v ? v : parseLongDecimalBytes(buf, start, end);
}

const NUMBER_RE = /^[ \t]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[ \t]*$/;
// 1.#QNAN and 1.#IND are how Microsoft's C runtime prints NaN (pandas reads them as NaN)
const NON_FINITE_RE = /^[ \t]*([+-]?)(nan|inf|infinity|1\.#qnan|1\.#ind)[ \t]*$/i;

/**
 * A number written as text, or undefined when the text is not one. Accepts decimal
 * and exponent notation with optional surrounding blanks, and NaN / inf / Infinity in
 * any case with an optional sign (NaN also as 1.#QNAN or 1.#IND). Rejects what
 * Number() would wrongly accept: "", hex, "1_000", thousands separators.
 */
export function parseNumberText(text: string): number | undefined {
  if (NUMBER_RE.test(text)) return Number(text);
  const m = NON_FINITE_RE.exec(text);
  if (m === null) return undefined;
  const word = m[2].toLowerCase();
  if (word.startsWith('inf')) return m[1] === '-' ? -Infinity : Infinity;
  return NaN;
}

const TRUE_TOKENS = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_TOKENS = new Set(['false', 'f', 'no', 'n', '0']);

/**
 * A boolean written as text (true/false, t/f, yes/no, y/n, 1/0, any case), or
 * undefined. Inference is stricter (only true/false) so that 0/1 columns stay numeric.
 */
export function parseBooleanText(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (TRUE_TOKENS.has(t)) return true;
  if (FALSE_TOKENS.has(t)) return false;
  return undefined;
}

export function isStrictBooleanText(text: string): boolean {
  const t = text.toLowerCase();
  return t === 'true' || t === 'false';
}

const DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * ISO 8601 date or date-time as epoch milliseconds (UTC), or undefined. Forms:
 * YYYY-MM-DD, then optionally [T or space]HH:MM[:SS[.fraction]] and Z or ±HH[:MM].
 * A time without an offset is taken as UTC (never the machine's zone, so results do
 * not depend on where mlo runs). Fractions beyond milliseconds are truncated.
 */
export function parseDatetimeText(text: string): number | undefined {
  const m = DATETIME_RE.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 2023-02-30 over into March; a real date survives the round trip.
  if (new Date(t).getUTCDate() !== day) return undefined;
  const zone = m[8];
  if (zone === undefined || zone === 'Z') return t;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMin =
    Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2)) : 0);
  return t - sign * offsetMin * 60_000;
}

/**
 * Column kinds from a sample of the first rows. The rules prefer the kind that later
 * rows of the same family cannot break: every numeric column is `number` (a column
 * whose first 10,000 values happen to be whole numbers may hold 2.5 further down), and
 * a column with nothing but nulls in the sample is `string`, which accepts anything.
 * `integer` is only ever asked for (types: {col: 'integer'}).
 */
import type { ColumnKind } from './types.js';
import { isStrictBooleanText, parseDatetimeText, parseNumberText } from './values.js';

/** A text column is a category when it has at most this many distinct values... */
export const CATEGORY_MAX_DISTINCT = 1000;
/** ...and at most this share of its non-null sample values are distinct (or ≤ 20 distinct). */
export const CATEGORY_MAX_RATIO = 0.5;
const CATEGORY_SMALL = 20;

export function inferTextKind(texts: readonly string[]): ColumnKind {
  if (texts.length === 0) return 'string';
  let bool = true;
  let num = true;
  let date = true;
  for (const t of texts) {
    if (bool && !isStrictBooleanText(t)) bool = false;
    if (num && parseNumberText(t) === undefined) num = false;
    if (date && parseDatetimeText(t) === undefined) date = false;
    if (!bool && !num && !date) break;
  }
  if (bool) return 'boolean';
  if (num) return 'number';
  if (date) return 'datetime';
  return categoryOrString(texts);
}

/**
 * inferTextKind for a CSV sample whose plain decimals were already parsed from bytes
 * (`numbers`); `texts` holds the other non-null cells. Same result as inferTextKind
 * over all the cells' text.
 */
export function inferSampleKind(texts: readonly string[], numbers: readonly number[]): ColumnKind {
  if (numbers.length === 0) return inferTextKind(texts);
  if (texts.every((t) => parseNumberText(t) !== undefined)) return 'number';
  return categoryOrString([...texts, ...numbers.map(String)]);
}

function categoryOrString(texts: readonly string[]): ColumnKind {
  const distinct = new Set<string>();
  const limit = Math.min(
    CATEGORY_MAX_DISTINCT,
    Math.max(CATEGORY_SMALL, texts.length * CATEGORY_MAX_RATIO),
  );
  for (const t of texts) {
    distinct.add(t);
    if (distinct.size > limit) return 'string';
  }
  return 'category';
}

/**
 * Kind of a column of JavaScript values (JSON Lines, records). Nulls are left out by
 * the caller. JSON numbers vote `number`, booleans `boolean`; strings are read like CSV
 * text, so "3.5" strings beside numbers still make a number column; objects and arrays
 * make `string` (kept as JSON text).
 */
export function inferValueKind(values: readonly unknown[]): ColumnKind {
  if (values.length === 0) return 'string';
  let sawNumber = false;
  let sawBoolean = false;
  const texts: string[] = [];
  for (const v of values) {
    if (typeof v === 'number' || typeof v === 'bigint') sawNumber = true;
    else if (typeof v === 'boolean') sawBoolean = true;
    else if (typeof v === 'string') texts.push(v);
    else return 'string';
  }
  if (sawBoolean)
    return sawNumber || texts.some((t) => !isStrictBooleanText(t)) ? 'string' : 'boolean';
  if (texts.length === 0) return 'number';
  const textKind = inferTextKind(texts);
  if (!sawNumber) return textKind;
  return textKind === 'number' ? 'number' : 'string';
}

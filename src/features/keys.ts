/**
 * Entity keys as one string: the join key values in the view's key order, integers
 * in decimal, joined by U+001F. The offline join, the online store and requests all
 * meet on this spelling, so `42`, `"42"` and `42.0` name the same customer.
 */
import type { JoinKey } from './definitions.js';

export const KEY_SEPARATOR = '\u001f';

/** One key value in canonical text, or undefined when it cannot be a value of the type. */
export function keyText(type: JoinKey['type'], v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (type === 'string') {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v === 'bigint') return v.toString();
    return undefined;
  }
  if (typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : undefined;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') {
    const t = v.trim();
    if (!/^[+-]?\d+(?:\.0*)?$/.test(t)) return undefined;
    const n = Number(t);
    if (Number.isSafeInteger(n)) return String(n);
    // beyond 2^53 keep the digits exactly (no float rounding)
    const digits = t
      .replace(/^\+/, '')
      .replace(/\.0*$/, '')
      .replace(/^(-?)0+(?=\d)/, '$1');
    return digits === '-0' ? '0' : digits;
  }
  return undefined;
}

export function joinKeyTexts(parts: readonly string[]): string {
  return parts.length === 1 ? parts[0] : parts.join(KEY_SEPARATOR);
}

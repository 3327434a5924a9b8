/**
 * A view's values for one entity as bytes, the form both online stores keep: a null
 * bitmap, then one little-endian float64 per numeric, boolean or timestamp feature,
 * then each text feature as a u32 length and UTF-8. Writing a million rows costs no
 * number-to-text conversion (the slow half of JSON), and reading one is a few
 * DataView reads.
 */
import type { Value } from '../expr.js';
import type { FeatureType } from '../schema.js';

export type Slot = 'num' | 'bool' | 'text';

export const slotOf = (t: FeatureType): Slot =>
  t === 'string' ? 'text' : t === 'bool' ? 'bool' : 'num';

/** A column of a view to encode: numbers (NaN or invalid: null) or text codes (-1: null). */
export type EncodeColumn =
  | { slot: 'num' | 'bool'; values: Float64Array; valid: Uint8Array }
  | { slot: 'text'; codes: Int32Array; dict: readonly string[] };

/**
 * Encode rows `rows` of the columns into one buffer; row j is
 * out.subarray(offsets[j], offsets[j + 1]).
 */
export function encodeRows(
  columns: readonly EncodeColumn[],
  rows: Int32Array,
): { buffer: Buffer; offsets: Float64Array } {
  const k = columns.length;
  const bitmap = (k + 7) >> 3;
  const numeric = columns.filter((c) => c.slot !== 'text').length;
  const texts = columns.filter(
    (c): c is Extract<EncodeColumn, { slot: 'text' }> => c.slot === 'text',
  );
  const dictBytes = texts.map((c) => c.dict.map((s) => Buffer.from(s, 'utf8')));
  const n = rows.length;
  const offsets = new Float64Array(n + 1);
  let size = 0;
  for (let j = 0; j < n; j++) {
    offsets[j] = size;
    size += bitmap + numeric * 8;
    for (let t = 0; t < texts.length; t++) {
      const code = texts[t].codes[rows[j]];
      size += 4 + (code < 0 ? 0 : dictBytes[t][code].length);
    }
  }
  offsets[n] = size;
  const buffer = Buffer.alloc(size);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  for (let j = 0; j < n; j++) {
    const r = rows[j];
    const base = offsets[j];
    let at = base + bitmap;
    let t = 0;
    for (let c = 0; c < k; c++) {
      const col = columns[c];
      if (col.slot === 'text') continue;
      const ok = col.valid[r] === 1 && col.values[r] === col.values[r];
      if (ok) view.setFloat64(at, col.values[r], true);
      else buffer[base + (c >> 3)] |= 1 << (c & 7);
      at += 8;
    }
    for (let c = 0; c < k; c++) {
      const col = columns[c];
      if (col.slot !== 'text') continue;
      const code = col.codes[r];
      if (code < 0) {
        buffer[base + (c >> 3)] |= 1 << (c & 7);
        view.setUint32(at, 0, true);
        at += 4;
      } else {
        const bytes = dictBytes[t][code];
        view.setUint32(at, bytes.length, true);
        buffer.set(bytes, at + 4);
        at += 4 + bytes.length;
      }
      t++;
    }
  }
  return { buffer, offsets };
}

/** The values of one encoded row, in the view's feature order. */
export function decodeRow(bytes: Uint8Array, slots: readonly Slot[]): Value[] {
  const k = slots.length;
  const out = new Array<Value>(k);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = (k + 7) >> 3;
  for (let c = 0; c < k; c++) {
    const s = slots[c];
    if (s === 'text') continue;
    const isNull = (bytes[c >> 3] & (1 << (c & 7))) !== 0;
    out[c] = isNull
      ? null
      : s === 'bool'
        ? view.getFloat64(at, true) !== 0
        : view.getFloat64(at, true);
    at += 8;
  }
  for (let c = 0; c < k; c++) {
    if (slots[c] !== 'text') continue;
    const len = view.getUint32(at, true);
    const isNull = (bytes[c >> 3] & (1 << (c & 7))) !== 0;
    out[c] = isNull
      ? null
      : Buffer.from(bytes.buffer, bytes.byteOffset + at + 4, len).toString('utf8');
    at += 4 + len;
  }
  return out;
}

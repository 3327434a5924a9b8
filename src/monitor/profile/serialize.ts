/**
 * Compact binary form of column profiles, for a BLOB column in SQLite.
 *
 * Layout: "MLOP", a version byte, a flags byte (bit 0: the rest is raw-deflated),
 * two reserved bytes, then the body: a u32 header length, the header as UTF-8 JSON
 * (every scalar and string field), then the float64 arrays (little-endian) the
 * header points into by [offset, length]. Deflate is kept only when it saves at
 * least 10% (it does for discrete data and category names, little for the sorted
 * mantissas of continuous data). A body over DEFLATE_SAMPLE_FROM bytes (an exact
 * profile of a big column) is first judged on a slice and deflated only when that
 * saves 30%: integers and repeated values do, continuous values save ~20% for a
 * deflate of every megabyte of them, which makes `baseline create` several times slower.
 * Float arrays are copied in bulk on little-endian machines.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { MloError } from '../../errors.js';
import type { CategoricalProfile } from './categorical.js';
import { KllSketch } from './kll.js';
import { assemble, type NumericProfile } from './numeric.js';

export type ColumnProfile = NumericProfile | CategoricalProfile;

const MAGIC = [0x4d, 0x4c, 0x4f, 0x50]; // "MLOP"
const VERSION = 1;
const FLAG_DEFLATE = 1;
const DEFLATE_SAMPLE_FROM = 2 << 20;
const DEFLATE_SAMPLE = 512 << 10;
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

type Span = [offset: number, length: number];

interface NumericHeader {
  kind: 'numeric';
  count: number;
  nulls: number;
  mean: number;
  m2: number;
  min: number | null;
  max: number | null;
  options: NumericProfile['options'];
  values: Span | null;
  distinct: { values: Span; counts: Span } | null;
  sketch: { k: number; n: number; rng: number; compactions: number[]; levels: Span[] } | null;
}

/** Serialize a column profile. */
export function encodeProfile(profile: ColumnProfile): Uint8Array {
  const arrays: Float64Array[] = [];
  let offset = 0;
  const put = (a: Float64Array): Span => {
    arrays.push(a);
    const span: Span = [offset, a.length];
    offset += a.length;
    return span;
  };
  let header: NumericHeader | CategoricalProfile;
  if (profile.kind === 'numeric') {
    const state = profile.sketch?.toState();
    header = {
      kind: 'numeric',
      count: profile.count,
      nulls: profile.nulls,
      mean: profile.mean ?? 0,
      m2: profile.m2,
      min: profile.min,
      max: profile.max,
      options: profile.options,
      values: profile.values ? put(profile.values) : null,
      distinct: profile.distinct
        ? { values: put(profile.distinct.values), counts: put(profile.distinct.counts) }
        : null,
      sketch: state
        ? {
            k: state.k,
            n: state.n,
            rng: state.rng,
            compactions: state.compactions,
            levels: state.levels.map(put),
          }
        : null,
    };
  } else {
    header = profile;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - ((4 + json.length) % 8)) % 8;
  const body = Buffer.alloc(4 + json.length + pad + offset * 8);
  body.writeUInt32LE(json.length, 0);
  json.copy(body, 4);
  let at = 4 + json.length + pad;
  for (const a of arrays) {
    if (LITTLE_ENDIAN) {
      body.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
      at += a.byteLength;
    } else {
      for (let i = 0; i < a.length; i++, at += 8) body.writeDoubleLE(a[i], at);
    }
  }
  const deflated = worthDeflating(body) ? deflateRawSync(body, { level: 1 }) : body;
  const useDeflate = deflated.length < body.length * 0.9;
  const out = Buffer.alloc(8 + (useDeflate ? deflated.length : body.length));
  MAGIC.forEach((b, i) => (out[i] = b));
  out[4] = VERSION;
  out[5] = useDeflate ? FLAG_DEFLATE : 0;
  (useDeflate ? deflated : body).copy(out, 8);
  return out;
}

/** Whether to try deflating `body`: always when small, when a slice saves 30% when big. */
function worthDeflating(body: Buffer): boolean {
  if (body.length < DEFLATE_SAMPLE_FROM) return true;
  const from = (body.length - DEFLATE_SAMPLE) >> 1;
  const sample = body.subarray(from, from + DEFLATE_SAMPLE);
  return deflateRawSync(sample, { level: 1 }).length < sample.length * 0.7;
}

/** Read a profile written by encodeProfile. */
export function decodeProfile(bytes: Uint8Array): ColumnProfile {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8 || MAGIC.some((b, i) => buf[i] !== b)) {
    throw new MloError('INVALID', 'not an mlo column profile (bad magic bytes)');
  }
  if (buf[4] !== VERSION) {
    throw new MloError(
      'UNSUPPORTED',
      `column profile version ${buf[4]} is newer than this mlo reads`,
      {
        hint: 'upgrade mlo',
      },
    );
  }
  let body: Buffer;
  try {
    body = buf[5] & FLAG_DEFLATE ? inflateRawSync(buf.subarray(8)) : buf.subarray(8);
  } catch (err) {
    throw new MloError('INVALID', 'column profile is corrupt (cannot inflate)', { cause: err });
  }
  const jsonLength = body.readUInt32LE(0);
  const header = JSON.parse(body.toString('utf8', 4, 4 + jsonLength)) as
    NumericHeader | CategoricalProfile;
  if (header.kind === 'categorical') return header;
  const base = 4 + jsonLength + ((8 - ((4 + jsonLength) % 8)) % 8);
  const take = ([offset, length]: Span): Float64Array => {
    const a = new Float64Array(length);
    const start = base + offset * 8;
    if (LITTLE_ENDIAN) {
      // a copy: the blob's byte offset need not be a multiple of 8
      new Uint8Array(a.buffer).set(body.subarray(start, start + length * 8));
    } else {
      for (let i = 0; i < length; i++) a[i] = body.readDoubleLE(start + i * 8);
    }
    return a;
  };
  const sketch = header.sketch
    ? KllSketch.fromState({
        k: header.sketch.k,
        n: header.sketch.n,
        rng: header.sketch.rng,
        compactions: header.sketch.compactions,
        levels: header.sketch.levels.map(take),
      })
    : null;
  return assemble({
    count: header.count,
    nulls: header.nulls,
    mean: header.mean,
    m2: header.m2,
    min: header.min ?? Infinity,
    max: header.max ?? -Infinity,
    values: header.values ? take(header.values) : null,
    sketch,
    distinct: header.distinct
      ? { values: take(header.distinct.values), counts: take(header.distinct.counts) }
      : null,
    options: header.options,
  });
}

/**
 * Reading request fields the way MLflow's server does: GET fields arrive as query
 * strings, everything else as JSON; ids may be numbers or strings; repeated fields
 * are arrays (or repeated query parameters).
 */
import { invalid } from './errors.js';

export type Fields = Record<string, unknown>;

/** GET query parameters as fields (a repeated key becomes an array). */
export function queryFields(query: URLSearchParams): Fields {
  const out: Fields = {};
  for (const key of new Set(query.keys())) {
    const all = query.getAll(key);
    out[key] = all.length > 1 ? all : all[0];
  }
  return out;
}

export function optString(f: Fields, key: string): string | undefined {
  const v = f[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw invalid(`Invalid value for parameter '${key}' supplied: expected a string`);
}

export function reqString(f: Fields, key: string): string {
  const v = optString(f, key);
  if (v === undefined) throw invalid(`Missing value for required parameter '${key}'.`);
  return v;
}

/** int64 fields: JSON numbers or decimal strings (protobuf's JSON allows both). */
export function optInt(f: Fields, key: string): number | undefined {
  const v = f[key];
  if (v === undefined || v === null || v === '') return undefined;
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw invalid(
      `Invalid value ${JSON.stringify(v)} for parameter '${key}' supplied: expected an integer`,
    );
  }
  return n;
}

/** double fields: numbers, or "NaN"/"Infinity"/"-Infinity" as protobuf's JSON writes them. */
export function reqDouble(f: Fields, key: string, label = key): number {
  const v = f[key];
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === 'NaN') return NaN;
    if (s === 'Infinity') return Infinity;
    if (s === '-Infinity') return -Infinity;
    const n = Number(s);
    if (s !== '' && !Number.isNaN(n)) return n;
  }
  if (v === undefined || v === null)
    throw invalid(`Missing value for required parameter '${label}'.`);
  throw invalid(
    `Invalid value ${JSON.stringify(v)} for parameter '${label}' supplied: expected a number`,
  );
}

export function optBool(f: Fields, key: string): boolean | undefined {
  const v = f[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  throw invalid(
    `Invalid value ${JSON.stringify(v)} for parameter '${key}' supplied: expected a boolean`,
  );
}

export function list(f: Fields, key: string): unknown[] {
  const v = f[key];
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

export function stringList(f: Fields, key: string): string[] {
  return list(f, key).map((x) => {
    if (typeof x === 'string') return x;
    if (typeof x === 'number') return String(x);
    throw invalid(`Invalid value for parameter '${key}' supplied: expected strings`);
  });
}

/** `[{key, value}]` as MLflow sends tags and params. */
export function keyValues(f: Fields, key: string): [string, string][] {
  return list(f, key).map((x) => {
    const o = (x ?? {}) as Fields;
    const k = optString(o, 'key');
    if (k === undefined) throw invalid(`Missing value for required parameter '${key}.key'.`);
    return [k, optString(o, 'value') ?? ''];
  });
}

/** The run id of a request: run_id, or the deprecated run_uuid. */
export function runIdOf(f: Fields): string {
  const id = optString(f, 'run_id') ?? optString(f, 'run_uuid');
  if (id === undefined) throw invalid("Missing value for required parameter 'run_id'.");
  return id;
}

/** Opaque page tokens: the offset, base64 JSON (as MLflow's SQL store does). */
export function decodePageToken(token: string | undefined): number {
  if (!token) return 0;
  try {
    const o = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof o.offset === 'number' && Number.isSafeInteger(o.offset) && o.offset >= 0)
      return o.offset;
  } catch {
    // fall through
  }
  throw invalid(`Invalid page token ${JSON.stringify(token)}`);
}

export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function maxResults(f: Fields, fallback: number, limit: number): number {
  const n = optInt(f, 'max_results') ?? fallback;
  if (n < 1 || n > limit) {
    throw invalid(
      `Invalid value ${n} for parameter 'max_results' supplied: it must be between 1 and ${limit}`,
    );
  }
  return n;
}

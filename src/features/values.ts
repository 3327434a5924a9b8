/** Values as on-demand expressions and the online store see them, coerced to declared types. */
import type { Value } from './expr.js';
import type { FeatureType } from './schema.js';

/** A computed value as its declared type; what cannot be one is null. */
export function coerce(v: Value, type: FeatureType): Value {
  if (v === null) return null;
  switch (type) {
    case 'int32':
    case 'int64':
      return typeof v === 'number'
        ? Number.isFinite(v)
          ? Math.trunc(v)
          : null
        : typeof v === 'boolean'
          ? Number(v)
          : null;
    case 'float32':
    case 'float64':
    case 'timestamp':
      return typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : null;
    case 'bool':
      return typeof v === 'boolean' ? v : typeof v === 'number' ? v !== 0 : null;
    case 'string':
      return String(v);
  }
}

/** A request field (JSON) as its declared type. */
export function requestValue(v: unknown, type: FeatureType): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return coerce(v, type);
  if (typeof v === 'string') {
    if (type === 'string') return v;
    if (type === 'bool') return v === 'true' ? true : v === 'false' ? false : null;
    if (type === 'timestamp') {
      const t = Date.parse(v);
      return Number.isNaN(t) ? null : t;
    }
    const x = Number(v);
    return v.trim() !== '' && Number.isFinite(x) ? coerce(x, type) : null;
  }
  return null;
}

/**
 * JSON text of a value read from a file (a Parquet list, struct or map, a JSON Lines
 * object), for text columns and mismatch examples. Unlike JSON.stringify it takes
 * BigInt (Parquet INT64), writing the exact digits as a JSON number, and writes dates
 * as ISO text and bytes as UTF-8 text.
 */
export function toJsonText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // JSON has no NaN or Infinity; JSON.stringify writes null for them too
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
  }
  if (value === null) return 'null';
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? 'null' : JSON.stringify(value.toISOString());
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('utf8'));
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const items = Array.from(value as ArrayLike<unknown>, toJsonText);
    return `[${items.join(',')}]`;
  }
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    parts.push(`${JSON.stringify(k)}:${toJsonText(v)}`);
  }
  return `{${parts.join(',')}}`;
}

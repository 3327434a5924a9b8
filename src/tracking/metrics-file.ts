/**
 * Metric files (`--metrics`, a stage's `metrics:`): JSON or YAML, nested keys
 * flattened with dots (`{"test": {"f1": 0.9}}` → `test.f1`). Only numbers are
 * metrics; other values are ignored, as DVC does.
 */
import { readFileSync } from 'node:fs';
import { MloError } from '../errors.js';
import { isNotFound } from '../util/fs.js';
import { parseYamlValue } from '../util/yaml-file.js';

export type FlatValues = Record<string, unknown>;

/** Flatten nested objects (and arrays, by index) into dotted keys. */
export function flatten(value: unknown, prefix = '', out: FlatValues = {}): FlatValues {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out[prefix] = value;
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

/** Parse JSON or YAML text by the file's extension (YAML also reads JSON). */
export function parseDataText(text: string, displayPath: string): unknown {
  if (!displayPath.toLowerCase().endsWith('.json')) return parseYamlValue(text, displayPath);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new MloError(
      'INVALID',
      `${displayPath}: not valid JSON: ${(err as Error).message.split('\n')[0]}`,
    );
  }
}

/** Numeric values only; NaN kept as null (it is a real outcome: a diverged loss). */
export function numericMetrics(flat: FlatValues): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(flat)) {
    if (typeof v === 'number') out[k] = Number.isNaN(v) ? null : v;
  }
  return out;
}

export function readMetricsFile(abs: string, displayPath: string): Record<string, number | null> {
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    if (isNotFound(err)) throw new MloError('NOT_FOUND', `${displayPath}: no such metrics file`);
    throw err;
  }
  return numericMetrics(flatten(parseDataText(text, displayPath)));
}

/**
 * Bring the target column to the label type the model predicts. A CSV says `1`, a
 * model says int64 1; a CSV says `true`, a model says `"True"` or 1: these are the same
 * class, and a metric comparing them as different would be silently wrong.
 */
import { MloError } from '../errors.js';
import type { Label } from './metrics/index.js';

export type TargetData =
  { kind: 'numbers'; values: Float64Array } | { kind: 'labels'; values: (string | boolean)[] };

export interface AlignInput {
  target: TargetData;
  /** the model's class labels (probability column order), or a sample of its predicted labels */
  modelLabels: readonly Label[];
  column: string;
  file: string;
}

export interface AlignedTarget {
  values: ArrayLike<Label>;
  /** target labels the model never predicts (reported as a warning) */
  unknown: Label[];
}

export function alignClassificationTarget(input: AlignInput): AlignedTarget {
  const { target, modelLabels, column, file } = input;
  const modelNumeric = modelLabels.length === 0 || typeof modelLabels[0] === 'number';
  let values: ArrayLike<Label>;
  if (target.kind === 'numbers') {
    values = modelNumeric ? target.values : numbersToStrings(target.values, modelLabels);
  } else if (target.values.length > 0 && typeof target.values[0] === 'boolean') {
    values = booleansTo(target.values as boolean[], modelLabels, modelNumeric);
  } else {
    const strings = target.values as string[];
    values = modelNumeric ? stringsToNumbers(strings, modelLabels, column, file) : strings;
  }
  return { values, unknown: unknownLabels(values, modelLabels) };
}

function numbersToStrings(values: Float64Array, modelLabels: readonly Label[]): string[] {
  const known = new Set(modelLabels as string[]);
  const out = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const s = String(v);
    // "1.0" in the model's labels where the file says 1
    out[i] = known.has(s) ? s : known.has(v.toFixed(1)) ? v.toFixed(1) : s;
  }
  return out;
}

function stringsToNumbers(
  values: readonly string[],
  modelLabels: readonly Label[],
  column: string,
  file: string,
): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const s = values[i].trim();
    const n = s === '' ? NaN : Number(s);
    if (!Number.isFinite(n)) {
      const shown = modelLabels.slice(0, 5).map(String).join(', ');
      throw new MloError(
        'INVALID',
        `${file}: target "${column}" holds text ("${values[i]}", data row ${i + 1}) but the model predicts numeric classes (${shown})`,
        { hint: 'encode the target the way the model was trained (e.g. yes → 1, no → 0)' },
      );
    }
    out[i] = n;
  }
  return out;
}

function booleansTo(
  values: readonly boolean[],
  modelLabels: readonly Label[],
  numeric: boolean,
): Label[] {
  if (numeric) return values.map((b) => (b ? 1 : 0));
  const byLower = new Map(modelLabels.map((l) => [String(l).toLowerCase(), l]));
  const t = byLower.get('true') ?? 'true';
  const f = byLower.get('false') ?? 'false';
  return values.map((b) => (b ? t : f));
}

function unknownLabels(values: ArrayLike<Label>, modelLabels: readonly Label[]): Label[] {
  if (modelLabels.length === 0) return [];
  const known = new Set<Label>(modelLabels);
  const unknown = new Set<Label>();
  for (let i = 0; i < values.length && unknown.size < 10; i++) {
    if (!known.has(values[i])) unknown.add(values[i]);
  }
  return [...unknown];
}

/**
 * The element types mlo feeds features as, and the one rule for converting a value
 * (a JSON number or boolean, a file cell) to each. Values travel as doubles up to the
 * model's input, where they become the input's own type: a double holds every
 * float32, float64, int32 and bool value exactly, and every int64 a JSON number can
 * carry exactly (|v| ≤ 2^53 − 1). A value the input type cannot hold exactly is
 * refused with the reason, never rounded.
 */
import type { ElementType } from './types.js';

export type FeatureType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool';

const FEATURE_TYPES: ReadonlySet<ElementType> = new Set<ElementType>([
  'float32',
  'float64',
  'int64',
  'int32',
  'bool',
]);

export function isFeatureType(t: ElementType | null): t is FeatureType {
  return t !== null && FEATURE_TYPES.has(t);
}

/** A row-major feature matrix: float32 for float32 models (the fast path), else doubles. */
export type FeatureMatrix = Float32Array | Float64Array;

/** Whether any input needs more than float32 carries exactly. */
export function needsDoubles(types: readonly FeatureType[]): boolean {
  return types.some((t) => t !== 'float32');
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Why `v` cannot be fed to an input of `type` (null: it can). NaN is a missing value. */
export function unfitReason(type: FeatureType, v: number): string | null {
  switch (type) {
    case 'float32':
    case 'float64':
      return null;
    case 'bool':
      if (v === 0 || v === 1) return null;
      return Number.isNaN(v)
        ? 'is missing, and a bool input has no missing value'
        : `${v} is not a boolean (true, false, 1 or 0)`;
    case 'int32':
    case 'int64': {
      if (Number.isNaN(v)) return `is missing, and an ${type} input has no missing value`;
      if (!Number.isInteger(v)) return `${v} is not a whole number`;
      if (type === 'int32' && (v < INT32_MIN || v > INT32_MAX))
        return `${v} is outside the int32 range`;
      if (type === 'int64' && !Number.isSafeInteger(v))
        return `${v} is beyond ±(2^53 − 1), where numbers are exact`;
      return null;
    }
  }
}

export interface UnfitValue {
  row: number;
  feature: number;
  value: number;
  type: FeatureType;
  reason: string;
}

/** The first value of `x` (rows × types.length) that its input cannot take, or null. */
export function findUnfitValue(
  x: ArrayLike<number>,
  rows: number,
  types: readonly FeatureType[],
): UnfitValue | null {
  const f = types.length;
  for (let j = 0; j < f; j++) {
    const type = types[j];
    if (type === 'float32' || type === 'float64') continue;
    for (let i = 0; i < rows; i++) {
      const value = x[i * f + j];
      const reason = unfitReason(type, value);
      if (reason !== null) return { row: i, feature: j, value, type, reason };
    }
  }
  return null;
}

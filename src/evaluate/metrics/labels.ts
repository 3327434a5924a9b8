/**
 * Label handling shared by the classification metrics: sklearn's `unique_labels`
 * order (numbers ascending, strings by code point), its refusal to mix numbers and
 * strings, and integer codes so the hot loops never touch a Map.
 */
import { MloError } from '../../errors.js';
import type { Label, Labels } from './types.js';

/** numbers ascending; strings by Unicode code point, like numpy's sort of str arrays */
export function compareLabels(a: Label, b: Label): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  // Only reachable for group keys (slices accept mixed kinds): numbers first.
  return typeof a === 'number' ? -1 : 1;
}

function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

export function sortLabels(labels: Iterable<Label>): Label[] {
  return [...labels].sort(compareLabels);
}

export function formatLabel(label: Label | bigint): string {
  return typeof label === 'string' ? JSON.stringify(label) : String(label);
}

type Kind = 'number' | 'string' | undefined;

const SMALL_LABELS = 1024;
const UNSEEN = -2;

interface KindState {
  kind: Kind;
  example: Label | undefined;
  where: string;
}

function checkKind(state: KindState, label: Label, where: string): void {
  const kind = typeof label === 'number' ? 'number' : 'string';
  if (state.kind === undefined) {
    state.kind = kind;
    state.example = label;
    state.where = where;
  } else if (state.kind !== kind) {
    throw new MloError(
      'INVALID',
      `labels mix numbers and strings: ${formatLabel(state.example ?? '')} in ${state.where}, ${formatLabel(label)} in ${where}`,
      { hint: 'the target column and the model labels must have the same type' },
    );
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? typeof value;
}

function bigintLabel(value: bigint, name: string, row: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new MloError('INVALID', `${name}[${row}] = ${value} is too large to use as a label`);
  }
  return n;
}

function badLabel(name: string, row: number, value: unknown): MloError {
  const what =
    value === null || value === undefined ? 'missing' : `not a label (${describeValue(value)})`;
  return new MloError('INVALID', `${name}[${row}] is ${what}`, {
    hint: 'drop or fill rows with a missing target before evaluating',
  });
}

export interface EncodedLabels {
  /** the label of each code: sorted unique labels, or the fixed list given */
  labels: Label[];
  /** one Int32Array per input: the index into `labels`, or -1 for a label not in a fixed list */
  codes: Int32Array[];
}

export interface NamedLabels {
  name: string;
  values: Labels;
}

/**
 * Encode label arrays as integer codes. Without `fixed`, the label set is the
 * sorted union of all inputs; with it, codes index `fixed` (labels outside it get
 * -1). Throws INVALID on a missing value, a NaN, or numbers mixed with strings.
 */
export function encodeLabels(
  inputs: readonly NamedLabels[],
  fixed?: readonly Label[],
): EncodedLabels {
  const state: KindState = { kind: undefined, example: undefined, where: '' };
  const index = new Map<Label, number>();
  const seen: Label[] = [];
  if (fixed) {
    fixed.forEach((label, i) => {
      if ((typeof label !== 'number' && typeof label !== 'string') || Number.isNaN(label)) {
        throw badLabel('labels', i, label);
      }
      checkKind(state, label, 'labels');
      if (index.has(label)) {
        throw new MloError('INVALID', `labels lists ${formatLabel(label)} twice`);
      }
      index.set(label, i);
      seen.push(label);
    });
  }
  // Class labels are most often small integers (0..k-1): look those up in an array
  // instead of the Map, which costs ~30 ms per million rows.
  const small = new Int32Array(SMALL_LABELS).fill(UNSEEN);
  const codes = inputs.map(({ name, values }) => {
    const out = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      let label = values[i] as unknown;
      if (typeof label === 'bigint') label = bigintLabel(label, name, i);
      const isSmall =
        typeof label === 'number' && label >= 0 && label < SMALL_LABELS && (label | 0) === label;
      if (isSmall) {
        const cached = small[label as number];
        if (cached !== UNSEEN) {
          out[i] = cached;
          continue;
        }
      }
      let code = index.get(label as Label);
      if (code === undefined) {
        if ((typeof label !== 'number' && typeof label !== 'string') || Number.isNaN(label)) {
          throw badLabel(name, i, label);
        }
        checkKind(state, label, name);
        if (fixed) {
          code = -1;
        } else {
          code = seen.length;
          index.set(label, code);
          seen.push(label);
        }
      }
      if (isSmall) small[label as number] = code;
      out[i] = code;
    }
    return out;
  });
  if (fixed) return { labels: seen, codes };

  // Codes were handed out in order of first appearance; renumber them in sorted order.
  const sorted = sortLabels(seen);
  const remap = new Int32Array(seen.length);
  sorted.forEach((label, rank) => {
    remap[index.get(label) as number] = rank;
  });
  for (const arr of codes) {
    for (let i = 0; i < arr.length; i++) arr[i] = remap[arr[i]];
  }
  return { labels: sorted, codes };
}

/** Positions of `wanted` in `labels`, or -1 where absent. */
export function indexOfLabel(labels: readonly Label[], wanted: Label): number {
  return labels.findIndex((l) => l === wanted);
}

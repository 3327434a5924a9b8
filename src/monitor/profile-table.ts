/**
 * One streaming pass over a table: a column profile per planned column. Used for the
 * reference side (baselines) and the current side (checks) alike, so both are counted
 * under the same rules: null, NaN, ±inf and cells that did not fit the column's kind
 * are nulls; booleans are the categories "true" and "false".
 */
import type { Column, ColumnBatch } from '../io/index.js';
import { CellState } from '../io/index.js';
import type { ProgressFn } from '../util/progress.js';
import type { PlannedColumn } from './columns.js';
import {
  CategoricalProfiler,
  NumericProfiler,
  type CategoricalProfileOptions,
  type ColumnProfile,
  type NumericProfileOptions,
} from './profile/index.js';

export interface ProfileTableOptions {
  numeric?: NumericProfileOptions;
  categorical?: CategoricalProfileOptions;
  onProgress?: ProgressFn;
}

export type Profiler = NumericProfiler | CategoricalProfiler;

export function createProfiler(plan: PlannedColumn, options: ProfileTableOptions): Profiler {
  return plan.kind === 'numeric'
    ? new NumericProfiler(options.numeric)
    : new CategoricalProfiler(options.categorical);
}

/** Feeds batches into one profiler per planned column; `finish` gives the profiles. */
export class TableProfiler {
  private readonly profilers: Profiler[];
  rows = 0;

  constructor(
    private readonly planned: readonly PlannedColumn[],
    options: ProfileTableOptions = {},
  ) {
    this.profilers = planned.map((p) => createProfiler(p, options));
  }

  /** Add a batch whose columns are, by name, a superset of the planned ones. */
  add(batch: ColumnBatch, columnIndexes: readonly number[]): void {
    this.rows += batch.length;
    for (let j = 0; j < this.planned.length; j++) {
      addColumn(this.profilers[j], batch.columns[columnIndexes[j]]);
    }
  }

  finish(): ColumnProfile[] {
    return this.profilers.map((p) => p.finish());
  }
}

/** Add one batch's column to its profiler, under the null rules above. */
export function addColumn(profiler: Profiler, col: Column): void {
  if (profiler instanceof NumericProfiler) {
    switch (col.kind) {
      case 'number':
      case 'integer':
      case 'datetime':
        // null and mismatched slots hold NaN, which the profiler counts as null
        profiler.add(col.values);
        return;
      case 'boolean':
        profiler.add(booleansAsNumbers(col.values, col.state));
        return;
      case 'string':
      case 'category':
        profiler.add(textAsNumbers(col.codes, col.dictionary));
        return;
    }
  }
  switch (col.kind) {
    case 'string':
    case 'category':
      profiler.add({ codes: col.codes, dictionary: col.dictionary });
      return;
    case 'boolean': {
      let ones = 0;
      let zeros = 0;
      const { values, state } = col;
      for (let i = 0; i < values.length; i++) {
        if (state !== null && state[i] !== CellState.VALUE) continue;
        if (values[i] === 1) ones++;
        else zeros++;
      }
      profiler.addCounts('true', ones);
      profiler.addCounts('false', zeros);
      profiler.addNulls(values.length - ones - zeros);
      return;
    }
    case 'number':
    case 'integer':
    case 'datetime': {
      // a numeric column profiled as categories: its values' text, as the file would show
      const { values, state } = col;
      const counts = new Map<number, number>();
      let nulls = 0;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if ((state !== null && state[i] !== CellState.VALUE) || v - v !== 0) nulls++;
        else counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      for (const [v, n] of counts) profiler.addCounts(String(v), n);
      profiler.addNulls(nulls);
      return;
    }
  }
}

function booleansAsNumbers(values: Uint8Array, state: Uint8Array | null): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = state !== null && state[i] !== CellState.VALUE ? NaN : values[i];
  }
  return out;
}

function textAsNumbers(codes: Int32Array, dictionary: readonly string[]): Float64Array {
  const parsed = new Map<number, number>();
  const out = new Float64Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c < 0) {
      out[i] = NaN;
      continue;
    }
    let v = parsed.get(c);
    if (v === undefined) {
      const t = dictionary[c].trim();
      v = t === '' ? NaN : Number(t);
      parsed.set(c, v);
    }
    out[i] = v;
  }
  return out;
}

/**
 * The latest row per entity of a view's source in a window [start, end] of event
 * times — by event time, then created time (none first), then the later row of the
 * file — as columns ready to encode for the online store. This is mlo's own code over
 * src/io; latest-duckdb.ts computes the same in DuckDB.
 */
import type { ColumnKind } from '../io/index.js';
import type { ViewDef } from './definitions.js';
import { kindOfType, readFrame, type FrameColumn, type NumColumn } from './frame.js';
import { keyIds, newKeyIndex } from './join/pit.js';
import type { JoinSource } from './join/types.js';
import { keyText } from './keys.js';
import { slotOf, type EncodeColumn } from './online/codec.js';

export interface LatestRows {
  /** source rows in the window */
  rows: number;
  /** one per entity: its key text, times, and which row of `columns` holds its values */
  keys: string[];
  eventMs: Float64Array;
  /** NaN: none */
  createdMs: Float64Array;
  columns: EncodeColumn[];
  rowIndex: Int32Array;
  mismatches: { column: string; cells: number }[];
}

export async function latestRowsWithJs(
  src: JoinSource,
  view: ViewDef,
  startMs: number,
  endMs: number,
): Promise<LatestRows> {
  const source = src.def;
  const kinds: Record<string, ColumnKind> = {};
  for (const k of view.joinKeys) kinds[k.name] = kindOfType(k.type);
  kinds[source.timestamp] = 'datetime';
  if (source.createdTimestamp) kinds[source.createdTimestamp] = 'datetime';
  for (const f of view.features) kinds[f.name] = kindOfType(f.type);
  const frame = await readFrame(src.files, src.shown, { columns: kinds, format: source.format });

  const event = frame.columns.get(source.timestamp) as NumColumn;
  const createdCol = source.createdTimestamp
    ? (frame.columns.get(source.createdTimestamp) as NumColumn)
    : undefined;
  const index = newKeyIndex(frame, view.joinKeys);
  const ids = keyIds(frame, view.joinKeys, index, true);
  const groups = index.ids.size;
  const best = new Int32Array(groups).fill(-1);
  let rows = 0;
  const ev = event.values;
  const created = (i: number): number =>
    createdCol && createdCol.valid[i] ? createdCol.values[i] : -Infinity;
  for (let i = 0; i < frame.length; i++) {
    const g = ids[i];
    if (g < 0 || event.valid[i] === 0 || ev[i] < startMs || ev[i] > endMs) continue;
    rows++;
    const b = best[g];
    // later rows win ties: >= on equal event and created times
    if (b < 0 || ev[i] > ev[b] || (ev[i] === ev[b] && created(i) >= created(b))) best[g] = i;
  }

  // the canonical key text of every id (composite keys are joined already)
  const keyOf = new Array<string>(groups);
  for (const [k, id] of index.ids) {
    keyOf[id] = index.numeric ? (keyText(view.joinKeys[0].type, k) ?? String(k)) : String(k);
  }
  let n = 0;
  for (let g = 0; g < groups; g++) if (best[g] >= 0) n++;
  const keys = new Array<string>(n);
  const eventMs = new Float64Array(n);
  const createdMs = new Float64Array(n);
  const rowIndex = new Int32Array(n);
  let j = 0;
  for (let g = 0; g < groups; g++) {
    const r = best[g];
    if (r < 0) continue;
    keys[j] = keyOf[g];
    eventMs[j] = ev[r];
    createdMs[j] = createdCol && createdCol.valid[r] ? createdCol.values[r] : NaN;
    rowIndex[j] = r;
    j++;
  }
  const columns = view.features.map((f): EncodeColumn => {
    const col = frame.columns.get(f.name) as FrameColumn;
    if (col.kind === 'text') return { slot: 'text', codes: col.codes, dict: col.dict };
    return {
      slot: slotOf(f.type) === 'bool' ? 'bool' : 'num',
      values: col.values,
      valid: col.valid,
    };
  });
  return {
    rows,
    keys,
    eventMs,
    createdMs,
    columns,
    rowIndex,
    mismatches: [...frame.mismatches].map(([column, cells]) => ({ column, cells })),
  };
}

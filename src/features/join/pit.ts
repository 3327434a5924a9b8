/**
 * The point-in-time match, Feast's semantics: for an entity row with keys K at time
 * T, the source row with keys K whose event time is the latest at or before T — when
 * the view has a ttl, no older than T − ttl — ties on event time broken by the latest
 * created time, and ties on both by the later row in the file. `asOfCreated` also
 * requires created ≤ T (a row with no created time then never matches). No match
 * gives -1 (nulls in the output).
 *
 * How: source rows are grouped by key with a counting sort (linear), each group
 * sorted by (event, created, row), and every entity row binary-searches its group.
 * O(M + N log G) for M source rows, N entity rows and groups of size G.
 */
import type { Frame, FrameColumn } from '../frame.js';
import { KEY_SEPARATOR, keyText } from '../keys.js';
import type { JoinKey } from '../definitions.js';

export interface MatchOptions {
  /** seconds; 0: no limit */
  ttl: number;
  /** only for views whose source has a created timestamp (as in Feast) */
  asOfCreated: boolean;
}

/** The key of every row of a frame as a small integer id; -1 where a key part is null. */
export interface KeyIndex {
  /** key text → id, built from the source */
  ids: Map<string | number, number>;
  /** true when the map is keyed by number (one integer key column) */
  numeric: boolean;
}

/** Ids of the source rows' keys (assigning new ids) or the entity rows' keys (looking up). */
export function keyIds(
  frame: Frame,
  keys: readonly JoinKey[],
  index: KeyIndex,
  assign: boolean,
): Int32Array {
  const n = frame.length;
  const out = new Int32Array(n);
  const cols = keys.map((k) => frame.columns.get(k.name) as FrameColumn);
  const { ids } = index;
  if (index.numeric) {
    const col = cols[0];
    if (col.kind === 'num') {
      const { values, valid } = col;
      for (let i = 0; i < n; i++) {
        if (valid[i] === 0) {
          out[i] = -1;
          continue;
        }
        const v = values[i];
        let id = ids.get(v);
        if (id === undefined) {
          if (!assign) {
            out[i] = -1;
            continue;
          }
          id = ids.size;
          ids.set(v, id);
        }
        out[i] = id;
      }
      return out;
    }
  }
  // Text keys: resolve each dictionary entry once, then rows by code.
  if (cols.length === 1 && cols[0].kind === 'text') {
    const col = cols[0];
    const type = keys[0].type;
    const byCode = new Int32Array(col.dict.length).fill(-1);
    for (let c = 0; c < col.dict.length; c++) {
      const text = keyText(type, col.dict[c]);
      if (text === undefined) continue;
      let id = ids.get(text);
      if (id === undefined && assign) {
        id = ids.size;
        ids.set(text, id);
      }
      if (id !== undefined) byCode[c] = id;
    }
    for (let i = 0; i < n; i++) {
      const code = col.codes[i];
      out[i] = code < 0 ? -1 : byCode[code];
    }
    return out;
  }
  const parts = new Array<string>(cols.length);
  for (let i = 0; i < n; i++) {
    let ok = true;
    for (let j = 0; j < cols.length && ok; j++) {
      const col = cols[j];
      const t =
        col.kind === 'num'
          ? col.valid[i] === 0
            ? undefined
            : keyText(keys[j].type, col.values[i])
          : col.codes[i] < 0
            ? undefined
            : keyText(keys[j].type, col.dict[col.codes[i]]);
      if (t === undefined) ok = false;
      else parts[j] = t;
    }
    if (!ok) {
      out[i] = -1;
      continue;
    }
    const text = parts.join(KEY_SEPARATOR);
    let id = ids.get(text);
    if (id === undefined) {
      if (!assign) {
        out[i] = -1;
        continue;
      }
      id = ids.size;
      ids.set(text, id);
    }
    out[i] = id;
  }
  return out;
}

/** A fresh index for these keys: numeric when there is one integer key read as a number. */
export function newKeyIndex(frame: Frame, keys: readonly JoinKey[]): KeyIndex {
  const first = frame.columns.get(keys[0].name);
  return {
    ids: new Map(),
    numeric: keys.length === 1 && keys[0].type !== 'string' && first?.kind === 'num',
  };
}

/** Source rows grouped by key id and ordered by (event, created, row) within a group. */
export interface SortedSource {
  /** group g holds rows order[start[g] .. start[g + 1]) */
  start: Int32Array;
  order: Int32Array;
  event: Float64Array;
  /** -Infinity where there is no created time */
  created: Float64Array;
}

export function sortSource(
  ids: Int32Array,
  groups: number,
  event: Float64Array,
  eventValid: Uint8Array,
  created: FrameColumn | undefined,
): SortedSource {
  const n = ids.length;
  const createdTimes = new Float64Array(n).fill(-Infinity);
  if (created?.kind === 'num') {
    for (let i = 0; i < n; i++) if (created.valid[i] === 1) createdTimes[i] = created.values[i];
  }
  const start = new Int32Array(groups + 1);
  for (let i = 0; i < n; i++) if (ids[i] >= 0 && eventValid[i] === 1) start[ids[i] + 1]++;
  for (let g = 0; g < groups; g++) start[g + 1] += start[g];
  const fill = start.slice(0, groups);
  const order = new Int32Array(start[groups]);
  for (let i = 0; i < n; i++) if (ids[i] >= 0 && eventValid[i] === 1) order[fill[ids[i]]++] = i;
  // Rows sit in file order within a group; a stable sort by (event, created) keeps it.
  const before = (a: number, b: number): boolean =>
    event[a] < event[b] || (event[a] === event[b] && createdTimes[a] < createdTimes[b]);
  let scratch: number[] = [];
  for (let g = 0; g < groups; g++) {
    const lo = start[g];
    const hi = start[g + 1];
    if (hi - lo < 2) continue;
    let sorted = true;
    for (let i = lo + 1; i < hi && sorted; i++) if (before(order[i], order[i - 1])) sorted = false;
    if (sorted) continue;
    if (hi - lo <= 24) {
      for (let i = lo + 1; i < hi; i++) {
        const x = order[i];
        let j = i - 1;
        while (j >= lo && before(x, order[j])) {
          order[j + 1] = order[j];
          j--;
        }
        order[j + 1] = x;
      }
    } else {
      scratch = Array.from(order.subarray(lo, hi));
      scratch.sort((a, b) => event[a] - event[b] || createdTimes[a] - createdTimes[b] || a - b);
      order.set(scratch, lo);
    }
  }
  return { start, order, event, created: createdTimes };
}

/** The matched source row of every entity row, or -1. */
export function matchRows(
  src: SortedSource,
  entityIds: Int32Array,
  entityTime: Float64Array,
  entityTimeValid: Uint8Array,
  options: MatchOptions,
): Int32Array {
  const n = entityIds.length;
  const out = new Int32Array(n).fill(-1);
  const { start, order, event, created } = src;
  const ttlMs = options.ttl * 1000;
  for (let i = 0; i < n; i++) {
    const g = entityIds[i];
    if (g < 0 || entityTimeValid[i] === 0) continue;
    const t = entityTime[i];
    // upper bound: the first position whose event time is after t
    let lo = start[g];
    let hi = start[g + 1];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (event[order[mid]] <= t) lo = mid + 1;
      else hi = mid;
    }
    let p = lo - 1;
    // a row without a created time cannot show it was written by T (-Infinity here)
    if (options.asOfCreated) {
      while (p >= start[g] && !(created[order[p]] <= t && created[order[p]] !== -Infinity)) p--;
    }
    if (p < start[g]) continue;
    const row = order[p];
    if (ttlMs > 0 && event[row] < t - ttlMs) continue;
    out[i] = row;
  }
  return out;
}

/**
 * Metric series for charts, column by column. A curve longer than the chart has
 * pixels is thinned to the lowest and highest point of each bucket (in step order),
 * so spikes survive and 10 curves of 10,000 steps cost what the screen can show.
 */
import { MloError } from '../errors.js';
import { metricKeys, metricSeries, type Store } from '../store/index.js';
import { resolveRunRow } from '../tracking/index.js';

export interface SeriesColumns {
  run: string;
  name: string;
  key: string;
  /** points stored */
  total: number;
  /** fewer points than stored are returned */
  thinned: boolean;
  step: number[];
  /** epoch ms */
  time: number[];
  /** null: NaN */
  value: (number | null)[];
}

export const MAX_SERIES_RUNS = 200;
export const MAX_SERIES_KEYS = 50;

/** Indices to keep: each bucket's lowest and highest value, first and last point kept. */
export function thinIndices(values: readonly (number | null)[], maxPoints: number): number[] {
  const n = values.length;
  if (n <= maxPoints || maxPoints < 4) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.floor((maxPoints - 2) / 2);
  const out: number[] = [0];
  const width = (n - 2) / buckets;
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor(b * width);
    const to = Math.min(n - 1, 1 + Math.floor((b + 1) * width));
    let lo = -1;
    let hi = -1;
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (v === null) continue;
      if (lo < 0 || v < (values[lo] as number)) lo = i;
      if (hi < 0 || v > (values[hi] as number)) hi = i;
    }
    if (lo < 0) {
      if (to > from) out.push(from); // only NaN here: keep one, so the gap shows
      continue;
    }
    if (lo === hi) out.push(lo);
    else out.push(Math.min(lo, hi), Math.max(lo, hi));
  }
  out.push(n - 1);
  return out;
}

export function readSeries(
  store: Store,
  runRefs: readonly string[],
  keys: readonly string[],
  maxPoints: number,
): SeriesColumns[] {
  if (runRefs.length === 0) throw new MloError('USAGE', 'name at least one run');
  if (runRefs.length > MAX_SERIES_RUNS)
    throw new MloError('USAGE', `at most ${MAX_SERIES_RUNS} runs at once, got ${runRefs.length}`);
  if (keys.length > MAX_SERIES_KEYS)
    throw new MloError('USAGE', `at most ${MAX_SERIES_KEYS} metrics at once, got ${keys.length}`);
  const out: SeriesColumns[] = [];
  for (const ref of runRefs) {
    const row = resolveRunRow(store, ref);
    const wanted = keys.length ? keys : metricKeys(store, row.seq).slice(0, MAX_SERIES_KEYS);
    for (const key of wanted) {
      const points = metricSeries(store, row.seq, key);
      const keep = thinIndices(
        points.map((p) => p.value),
        maxPoints,
      );
      out.push({
        run: row.id,
        name: row.name,
        key,
        total: points.length,
        thinned: keep.length < points.length,
        step: keep.map((i) => points[i].step),
        time: keep.map((i) => points[i].ts),
        value: keep.map((i) => points[i].value),
      });
    }
  }
  return out;
}

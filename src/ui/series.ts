/**
 * Metric series for charts, column by column. A curve longer than the chart has
 * pixels is thinned to the lowest and highest point of each bucket of steps, so spikes
 * survive and 10 curves of 10,000 steps cost what the screen can show. Buckets are
 * laid on the step axis and thinned points sit at their bucket's grid positions, so
 * runs logged over the same steps share their x values (a chart joins them without
 * multiplying its points by the number of runs).
 */
import { MloError } from '../errors.js';
import { metricKeys, metricSeriesColumns } from '../store/index.js';
import type { Store } from '../store/index.js';
import { resolveRunRow } from '../tracking/index.js';

export interface SeriesColumns {
  run: string;
  name: string;
  key: string;
  /** points stored */
  total: number;
  /** fewer points than stored are returned; steps are then bucket positions */
  thinned: boolean;
  step: number[];
  /** epoch ms (left out when not asked for) */
  time?: number[];
  /** null: NaN */
  value: (number | null)[];
}

export const MAX_SERIES_RUNS = 200;
export const MAX_SERIES_KEYS = 50;

export interface Points {
  steps: Float64Array;
  ts: Float64Array;
  vals: Float64Array;
}

/** At most `maxPoints` points: per step bucket its lowest and highest value, in order. */
export function thinSeries(
  p: Points,
  maxPoints: number,
): { step: number[]; time: number[]; value: (number | null)[] } {
  const n = p.steps.length;
  const val = (i: number): number | null => (Number.isNaN(p.vals[i]) ? null : p.vals[i]);
  const lo = n ? p.steps[0] : 0;
  const hi = n ? p.steps[n - 1] : 0;
  if (n <= maxPoints || maxPoints < 4 || hi <= lo) {
    return {
      step: Array.from(p.steps),
      time: Array.from(p.ts),
      value: Array.from(p.vals, (v) => (Number.isNaN(v) ? null : v)),
    };
  }
  const buckets = Math.floor((maxPoints - 1) / 2);
  const width = (hi - lo) / buckets;
  const minAt = new Int32Array(buckets).fill(-1);
  const maxAt = new Int32Array(buckets).fill(-1);
  const anyAt = new Int32Array(buckets).fill(-1);
  for (let i = 0; i < n - 1; i++) {
    const b = Math.min(buckets - 1, Math.floor((p.steps[i] - lo) / width));
    if (anyAt[b] < 0) anyAt[b] = i;
    const v = p.vals[i];
    if (Number.isNaN(v)) continue;
    if (minAt[b] < 0 || v < p.vals[minAt[b]]) minAt[b] = i;
    if (maxAt[b] < 0 || v > p.vals[maxAt[b]]) maxAt[b] = i;
  }
  const step: number[] = [];
  const time: number[] = [];
  const value: (number | null)[] = [];
  for (let b = 0; b < buckets; b++) {
    const x = lo + b * width;
    if (anyAt[b] < 0) continue;
    if (minAt[b] < 0) {
      // only NaN here: one gap point, so the line breaks
      step.push(x);
      time.push(p.ts[anyAt[b]]);
      value.push(null);
      continue;
    }
    const first = Math.min(minAt[b], maxAt[b]);
    const second = Math.max(minAt[b], maxAt[b]);
    step.push(x);
    time.push(p.ts[first]);
    value.push(p.vals[first]);
    if (second !== first) {
      step.push(x + width / 2);
      time.push(p.ts[second]);
      value.push(p.vals[second]);
    }
  }
  // the last point as logged, so every curve ends where it ends
  step.push(hi);
  time.push(p.ts[n - 1]);
  value.push(val(n - 1));
  return { step, time, value };
}

export function readSeries(
  store: Store,
  runRefs: readonly string[],
  keys: readonly string[],
  maxPoints: number,
  options: { time?: boolean } = {},
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
      const points = metricSeriesColumns(store, row.seq, key);
      const { time, ...thin } = thinSeries(points, maxPoints);
      out.push({
        run: row.id,
        name: row.name,
        key,
        total: points.steps.length,
        thinned: thin.step.length < points.steps.length,
        ...thin,
        ...(options.time !== false && { time }),
      });
    }
  }
  return out;
}

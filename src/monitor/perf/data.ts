/**
 * Labelled traffic as columns: the rows of prediction_outcomes for one model (some
 * versions, one role, a time window), read once into arrays that groups index into.
 */
import type { Repo } from '../../repo/index.js';
import { drainSpool } from '../../serve/index.js';
import {
  countPredictionRows,
  iterateOutcomes,
  outcomeFeature,
  refreshOutcomes,
  type OutcomeQuery,
} from '../../store/index.js';

export interface LabelledRows {
  n: number;
  predId: Float64Array;
  version: Int32Array;
  route: (string | null)[];
  requestId: (string | null)[];
  ts: Float64Array;
  yTrue: (string | number)[];
  yPred: (string | number | null)[];
  /** two-class probabilities (NaN when the row has none) */
  p0: Float64Array;
  p1: Float64Array;
  /** JSON probabilities of models with more than two classes */
  probs: (string | null)[] | null;
}

/** Read the labelled rows of a query, oldest first. */
export function readLabelledRows(repo: Repo, query: OutcomeQuery): LabelledRows {
  const predId: number[] = [];
  const version: number[] = [];
  const route: (string | null)[] = [];
  const requestId: (string | null)[] = [];
  const ts: number[] = [];
  const yTrue: (string | number)[] = [];
  const yPred: (string | number | null)[] = [];
  const p0: number[] = [];
  const p1: number[] = [];
  let probs: (string | null)[] | null = null;
  for (const r of iterateOutcomes(repo.store, query)) {
    if (r[6] === null) continue;
    predId.push(r[0]);
    version.push(r[1]);
    route.push(r[3]);
    requestId.push(r[4]);
    ts.push(r[5]);
    yTrue.push(r[6]);
    yPred.push(r[7]);
    p0.push(r[8] ?? NaN);
    p1.push(r[9] ?? NaN);
    if (r[10] !== null) {
      probs ??= new Array<string | null>(predId.length - 1).fill(null);
    }
    if (probs) probs.push(r[10]);
  }
  return {
    n: predId.length,
    predId: Float64Array.from(predId),
    version: Int32Array.from(version),
    route,
    requestId,
    ts: Float64Array.from(ts),
    yTrue,
    yPred,
    p0: Float64Array.from(p0),
    p1: Float64Array.from(p1),
    probs,
  };
}

/** The rows at `idx`, as a new LabelledRows. */
export function subsetRows(rows: LabelledRows, idx: ArrayLike<number>): LabelledRows {
  const n = idx.length;
  const pick = <T>(a: ArrayLike<T>): T[] => Array.from({ length: n }, (_, k) => a[idx[k]]);
  const f64 = (a: Float64Array): Float64Array => {
    const out = new Float64Array(n);
    for (let k = 0; k < n; k++) out[k] = a[idx[k]];
    return out;
  };
  const version = new Int32Array(n);
  for (let k = 0; k < n; k++) version[k] = rows.version[idx[k]];
  return {
    n,
    predId: f64(rows.predId),
    version,
    route: pick(rows.route),
    requestId: pick(rows.requestId),
    ts: f64(rows.ts),
    yTrue: pick(rows.yTrue),
    yPred: pick(rows.yPred),
    p0: f64(rows.p0),
    p1: f64(rows.p1),
    probs: rows.probs ? pick(rows.probs) : null,
  };
}

/** One input feature of every labelled row (slices), in row order. */
export function featureOf(
  repo: Repo,
  query: OutcomeQuery,
  rows: LabelledRows,
  feature: string,
): unknown[] {
  const byId = outcomeFeature(repo.store, query, feature);
  return Array.from(rows.predId, (id) => byId.get(id) ?? null);
}

/** Bring the joins up to date with the log (labels that arrived before their predictions). */
export function refreshJoins(repo: Repo): number {
  // rows a server left in its spool are part of the log
  drainSpool(repo.store);
  return refreshOutcomes(repo.store);
}

/** Logged predictions in the window (labelled or not), for label coverage. */
export function countLogged(
  repo: Repo,
  q: {
    model: string;
    version?: number;
    role?: 'primary' | 'shadow';
    sinceMs?: number;
    untilMs?: number;
  },
): number {
  return countPredictionRows(repo.store, q);
}

/**
 * A rule's `when:`: what it watches, a comparison and a threshold.
 *
 *     accuracy < 0.8          any metric mlo perf reports on labelled traffic
 *     gap(tpr, region) > 0.1  a slice gap (or ratio(selection_rate, region) < 0.8)
 *     drift_share > 0.3       share of drifted columns of the logged inputs
 *     drift(age) > 0.2        one column's drift score (its test's p-value or distance)
 *     p99_ms > 50             latency of logged answers (also p50_ms, p95_ms)
 *     error_rate > 0.01       5xx answers / requests, as mlo serve counts them
 *     volume < 100            logged predictions in the window
 *     label_rate < 0.5        share of the window's predictions that have a label
 *     labels < 10             labels received in the window (label arrival)
 */
import { MloError } from '../../errors.js';

export type Watched =
  | { kind: 'perf'; metric: string }
  | { kind: 'gap' | 'ratio'; metric: string; column: string }
  | { kind: 'drift_share' }
  | { kind: 'drift_column'; column: string }
  | { kind: 'latency'; metric: 'p50_ms' | 'p95_ms' | 'p99_ms'; quantile: number }
  | { kind: 'error_rate' }
  | { kind: 'volume' }
  | { kind: 'label_rate' }
  | { kind: 'labels' };

export type Comparator = '<' | '<=' | '>' | '>=';

export interface Condition {
  text: string;
  watched: Watched;
  op: Comparator;
  threshold: number;
  /** counts (volume, labels) have no minimum sample: zero is a value */
  kind: 'count' | 'measure';
}

export const PERF_METRICS = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'precision_macro',
  'recall_macro',
  'f1_macro',
  'roc_auc',
  'log_loss',
  'selection_rate',
  'tpr',
  'fpr',
  'fnr',
  'rmse',
  'mae',
  'r2',
  'mape',
];

const LATENCY: Record<string, number> = { p50_ms: 0.5, p95_ms: 0.95, p99_ms: 0.99 };

const PLAIN = ['drift_share', 'error_rate', 'volume', 'label_rate', 'labels'] as const;
type Plain = (typeof PLAIN)[number];
const isPlain = (s: string): s is Plain => (PLAIN as readonly string[]).includes(s);

export function parseCondition(text: string): Condition {
  const m = /^\s*(.+?)\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/i.exec(text);
  if (!m) {
    throw new MloError(
      'INVALID',
      `"${text}" is not a condition: expected WHAT < NUMBER (or <=, >, >=), e.g. "accuracy < 0.8"`,
    );
  }
  const [, what, op, num] = m;
  const threshold = Number(num);
  const call = /^(gap|ratio|drift)\(\s*([^,()]+?)\s*(?:,\s*([^,()]+?)\s*)?\)$/.exec(what);
  let watched: Watched;
  if (call) {
    const [, fn, a, b] = call;
    if (fn === 'drift') {
      if (b !== undefined)
        throw new MloError('INVALID', `"${what}": drift(COLUMN) takes one column`);
      watched = { kind: 'drift_column', column: a };
    } else {
      if (b === undefined)
        throw new MloError('INVALID', `"${what}": ${fn}(METRIC, COLUMN) needs the slice column`);
      if (!PERF_METRICS.includes(a))
        throw new MloError('INVALID', `"${what}": unknown metric "${a}"`);
      watched = { kind: fn as 'gap' | 'ratio', metric: a, column: b };
    }
  } else if (what in LATENCY) {
    watched = { kind: 'latency', metric: what as 'p99_ms', quantile: LATENCY[what] };
  } else if (PERF_METRICS.includes(what)) {
    watched = { kind: 'perf', metric: what };
  } else if (isPlain(what)) {
    watched = { kind: what };
  } else {
    throw new MloError('INVALID', `"${what}" is nothing a rule can watch`, {
      hint: `use a metric (${PERF_METRICS.slice(0, 8).join(', ')}, ...), gap(M, COL), ratio(M, COL), drift_share, drift(COL), p50_ms, p95_ms, p99_ms, error_rate, volume, label_rate or labels`,
    });
  }
  const kind = watched.kind === 'volume' || watched.kind === 'labels' ? 'count' : 'measure';
  return { text: text.trim(), watched, op: op as Comparator, threshold, kind };
}

export function holds(c: Condition, value: number): boolean {
  switch (c.op) {
    case '<':
      return value < c.threshold;
    case '<=':
      return value <= c.threshold;
    case '>':
      return value > c.threshold;
    case '>=':
      return value >= c.threshold;
  }
}

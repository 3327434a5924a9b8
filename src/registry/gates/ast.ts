/** The typed form of a promotion gate, with source positions for error messages. */

export const COMPARATORS = ['>=', '>', '<=', '<', '==', '!='] as const;
export type Comparator = (typeof COMPARATORS)[number];

/** Offsets into the gate's `text`, end exclusive. */
export interface Span {
  start: number;
  end: number;
}

export interface Name {
  name: string;
  span: Span;
}

/** `0.8`, `80%` (= 0.8), `1e-3`, `-0.5` */
export interface NumberLiteral {
  kind: 'number';
  value: number;
  /** written with `%`; `value` is already divided by 100 */
  percent: boolean;
  span: Span;
}

/**
 * `current`, `current + 0.01` (absolute), `current - 1%` (relative: current minus
 * 1% of |current|).
 */
export interface CurrentRef {
  kind: 'current';
  offset?: {
    sign: 1 | -1;
    /** absolute amount, or the fraction of |current| when `relative` (1% → 0.01) */
    amount: number;
    relative: boolean;
    span: Span;
  };
  span: Span;
}

export type Threshold = NumberLiteral | CurrentRef;

interface GateBase {
  /** the gate as written (a map gate is rendered as `validate: SUITE`) */
  text: string;
}

interface Comparison {
  op: Comparator;
  opSpan: Span;
}

/** `accuracy >= 0.8`, `f1 >= current + 0.01`, `p99_ms <= 20` */
export interface MetricGate extends GateBase, Comparison {
  kind: 'metric';
  metric: Name;
  threshold: Threshold;
}

/** `gap(accuracy, region) <= 0.1`: the largest difference of a metric between groups */
export interface GapGate extends GateBase, Comparison {
  kind: 'gap';
  metric: Name;
  column: Name;
  threshold: NumberLiteral;
}

/**
 * `ratio(selection_rate, sex) >= 0.8`: the lowest group's value over the highest's
 * (the four-fifths rule of demographic parity)
 */
export interface RatioGate extends GateBase, Comparison {
  kind: 'ratio';
  metric: Name;
  column: Name;
  threshold: NumberLiteral;
}

/** `drift_share <= 0.3`: share of drifted features against the model's baseline */
export interface DriftGate extends GateBase, Comparison {
  kind: 'drift';
  threshold: NumberLiteral;
}

/** `{validate: holdout}`: the evaluation data passes that validation suite */
export interface ValidateGate extends GateBase {
  kind: 'validate';
  suite: string;
}

export type Gate = MetricGate | GapGate | RatioGate | DriftGate | ValidateGate;
export type GateKind = Gate['kind'];

/** A gate as it appears in mlo.yaml: a string, or a one-key map such as `{validate: holdout}`. */
export type GateInput = string | Readonly<Record<string, unknown>>;

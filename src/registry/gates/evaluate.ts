/**
 * Decide gates against measured values. Nothing here throws for missing data: a
 * metric, slice, suite or drift figure the context lacks fails its gate with a
 * reason saying what was missing.
 */
import type { Comparator, Gate, GateKind, Threshold } from './ast.js';

/**
 * A measured value: a number, null/undefined (not available), or a metric result
 * `{ value, reason? }` as src/evaluate/metrics returns (its reason is passed on).
 * Slice gaps may also carry `highest`/`lowest` `{ group, value }`, used in reasons.
 */
export type Observed = number | null | undefined | ObservedResult;

export interface ObservedResult {
  value: number | null;
  reason?: string;
  highest?: { group: unknown; value: number };
  lowest?: { group: unknown; value: number };
}

/** A validation run of one suite: its success flag, or the summary `mlo validate --json` prints. */
export type ValidationOutcome =
  | boolean
  | {
      success: boolean;
      statistics?: { evaluated: number; successful: number; unsuccessful: number };
    };

export interface GateContext {
  /** the candidate's metrics by name (evaluation metrics and registered ones alike) */
  metrics: Readonly<Record<string, Observed>>;
  /**
   * The same metrics of the model that holds the alias now, ideally measured on the
   * same data; undefined when nothing holds the alias (then `current` gates pass).
   */
  currentMetrics?: Readonly<Record<string, Observed>>;
  /** who holds the alias, for reasons (e.g. "churn@3") */
  currentHolder?: string;
  /** slice column → metric → gap between its groups (SliceReport.gaps fits as is) */
  sliceGaps?: Readonly<Record<string, Readonly<Record<string, Observed>>>>;
  /** slice column → metric → lowest / highest group value (SliceReport.ratios) */
  sliceRatios?: Readonly<Record<string, Readonly<Record<string, Observed>>>>;
  /** suite name (as written in the gate) → outcome of validating the evaluation data */
  validation?: Readonly<Record<string, ValidationOutcome>>;
  /** share of drifted features of the evaluation data against the model's baseline */
  driftShare?: Observed;
}

export interface GateResult {
  /** the gate as written */
  gate: string;
  kind: GateKind;
  /** the measured value; for validate gates, whether the suite passed */
  observed: number | boolean | null;
  /** the value compared against (current ± offset resolved); for validate gates, true */
  threshold: number | boolean | null;
  passed: boolean;
  /** one line saying why it passed or failed */
  reason: string;
}

export interface GatesOutcome {
  /** every gate passed (true for an empty list) */
  passed: boolean;
  results: GateResult[];
}

/**
 * Comparisons allow a relative slack of 1e-9 (times max(1, |threshold|)) so that
 * arithmetic noise such as 0.79 + 0.01 = 0.8000000000000002 cannot fail a gate
 * the numbers actually meet.
 */
export const COMPARISON_TOLERANCE = 1e-9;

/** A record's own entry: a gate naming `constructor` must not find Object.prototype's. */
function ownEntry<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

export function evaluateGates(gates: readonly Gate[], context: GateContext): GatesOutcome {
  const results = gates.map((g) => evaluateGate(g, context));
  return { passed: results.every((r) => r.passed), results };
}

export function evaluateGate(gate: Gate, context: GateContext): GateResult {
  switch (gate.kind) {
    case 'validate':
      return evaluateValidate(gate.text, gate.suite, context);
    case 'drift':
      return compareObserved(gate, 'drift_share', context.driftShare, gate.threshold.value, {
        missing: 'drift was not measured (does the model have a baseline?)',
      });
    case 'gap':
    case 'ratio': {
      const { metric, column } = gate;
      const slice = ownEntry(
        gate.kind === 'gap' ? context.sliceGaps : context.sliceRatios,
        column.name,
      );
      const label = `${gate.kind} of ${metric.name} across ${column.name}`;
      if (!slice) {
        return fail(
          gate,
          null,
          gate.threshold.value,
          `no slice by column '${column.name}' was computed`,
        );
      }
      return compareObserved(gate, label, ownEntry(slice, metric.name), gate.threshold.value, {
        missing: `${metric.name} was not computed per ${column.name}${suggest(metric.name, Object.keys(slice))}`,
      });
    }
    case 'metric':
      return evaluateMetric(gate, context);
  }
}

function evaluateMetric(gate: Extract<Gate, { kind: 'metric' }>, context: GateContext): GateResult {
  const name = gate.metric.name;
  const observed = ownEntry(context.metrics, name);
  const missing = `metric '${name}' was not computed${suggest(name, Object.keys(context.metrics))}`;
  if (gate.threshold.kind === 'number') {
    return compareObserved(gate, name, observed, gate.threshold.value, { missing });
  }
  const own = valueOf(observed);
  const holder = context.currentHolder ? ` (${context.currentHolder})` : '';
  if (context.currentMetrics === undefined) {
    return {
      ...base(gate, own.value, null),
      passed: true,
      reason: `no model holds the alias yet, so there is nothing to beat${own.value === null ? '' : `; ${name} is ${formatNumber(own.value)}`}`,
    };
  }
  const current = valueOf(ownEntry(context.currentMetrics, name));
  if (current.value === null) {
    const why = current.missing
      ? `the current model${holder} has no '${name}' (evaluate it on the same data)`
      : `the current model's${holder} ${name} is undefined${current.reason ? `: ${current.reason}` : ''}`;
    return fail(gate, own.value, null, why);
  }
  const threshold = resolveCurrent(gate.threshold, current.value);
  const explain = describeCurrent(gate.threshold, current.value, holder);
  return compareObserved(gate, name, observed, threshold, { missing, explain });
}

/** current ± amount, where a relative amount is a fraction of |current| */
export function resolveCurrent(threshold: Threshold, current: number): number {
  if (threshold.kind === 'number') return threshold.value;
  const offset = threshold.offset;
  if (!offset) return current;
  const amount = offset.relative ? Math.abs(current) * offset.amount : offset.amount;
  return current + offset.sign * amount;
}

function describeCurrent(threshold: Threshold, current: number, holder: string): string {
  if (threshold.kind !== 'current') return '';
  const offset = threshold.offset;
  const sign = offset?.sign === -1 ? '-' : '+';
  const amount = offset
    ? ` ${sign} ${offset.relative ? `${formatNumber(offset.amount * 100)}%` : formatNumber(offset.amount)}`
    : '';
  return `current${holder} ${formatNumber(current)}${amount}`;
}

function evaluateValidate(text: string, suite: string, context: GateContext): GateResult {
  const outcome = ownEntry(context.validation, suite);
  const result = (passed: boolean | null, reason: string): GateResult => ({
    gate: text,
    kind: 'validate',
    observed: passed,
    threshold: true,
    passed: passed === true,
    reason,
  });
  if (outcome === undefined) return result(null, `validation suite '${suite}' was not run`);
  const success = typeof outcome === 'boolean' ? outcome : outcome.success;
  const stats = typeof outcome === 'boolean' ? undefined : outcome.statistics;
  const counts = stats
    ? success
      ? ` (${stats.successful}/${stats.evaluated} expectations)`
      : `: ${stats.unsuccessful} of ${stats.evaluated} expectations did not pass`
    : '';
  return result(success, `suite ${suite} ${success ? 'passed' : 'failed'}${counts}`);
}

function valueOf(o: Observed): { value: number | null; reason?: string; missing: boolean } {
  if (o === undefined) return { value: null, missing: true };
  if (o === null) return { value: null, missing: false };
  if (typeof o === 'number') {
    return Number.isNaN(o)
      ? { value: null, reason: 'NaN', missing: false }
      : { value: o, missing: false };
  }
  const v = o.value;
  if (v === null || Number.isNaN(v)) return { value: null, reason: o.reason, missing: false };
  return { value: v, reason: o.reason, missing: false };
}

function compareObserved(
  gate: Exclude<Gate, { kind: 'validate' }>,
  label: string,
  observed: Observed,
  threshold: number,
  text: { missing: string; explain?: string },
): GateResult {
  const o = valueOf(observed);
  if (o.value === null) {
    const why = o.missing
      ? text.missing
      : `${label} is undefined${o.reason ? `: ${o.reason}` : ''}`;
    return fail(gate, null, threshold, why);
  }
  const passed = compare(o.value, gate.op, threshold);
  const [shown, against] = formatPair(o.value, threshold);
  const explain = text.explain ? ` (${text.explain})` : '';
  const groups = describeGroups(observed, gate.kind === 'ratio');
  const reason = passed
    ? `${label} ${shown}${groups} ${gate.op} ${against}${explain}`
    : `${label} ${shown}${groups} is not ${gate.op} ${against}${explain}`;
  return { ...base(gate, o.value, threshold), passed, reason };
}

/** The groups behind a slice figure: "(a 0.9 vs b 0.7)" for a gap, "(b 0.7 / a 0.9)" for a ratio. */
function describeGroups(o: Observed, ratio: boolean): string {
  if (typeof o !== 'object' || o === null || !o.highest || !o.lowest) return '';
  const g = (x: { group: unknown; value: number }): string =>
    `${formatGroup(x.group)} ${formatNumber(x.value)}`;
  return ratio ? ` (${g(o.lowest)} / ${g(o.highest)})` : ` (${g(o.highest)} vs ${g(o.lowest)})`;
}

function formatGroup(group: unknown): string {
  if (group === null || group === undefined) return '(missing)';
  return typeof group === 'string' || typeof group === 'number'
    ? String(group)
    : JSON.stringify(group);
}

export function compare(observed: number, op: Comparator, threshold: number): boolean {
  const tol = COMPARISON_TOLERANCE * Math.max(1, Math.abs(threshold));
  switch (op) {
    case '>=':
      return observed >= threshold - tol;
    case '>':
      return observed > threshold + tol;
    case '<=':
      return observed <= threshold + tol;
    case '<':
      return observed < threshold - tol;
    case '==':
      return Math.abs(observed - threshold) <= tol;
    case '!=':
      return Math.abs(observed - threshold) > tol;
  }
}

function base(gate: Gate, observed: number | null, threshold: number | null) {
  return { gate: gate.text, kind: gate.kind, observed, threshold };
}

function fail(
  gate: Gate,
  observed: number | null,
  threshold: number | null,
  reason: string,
): GateResult {
  return { ...base(gate, observed, threshold), passed: false, reason };
}

/** Six significant digits, more when needed to tell two numbers apart. */
export function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

function formatPair(a: number, b: number): [string, string] {
  for (const digits of [6, 10, 15]) {
    const fa = Number.isInteger(a) ? String(a) : String(Number(a.toPrecision(digits)));
    const fb = Number.isInteger(b) ? String(b) : String(Number(b.toPrecision(digits)));
    if (fa !== fb || a === b) return [fa, fb];
  }
  return [String(a), String(b)];
}

/** ` (did you mean 'accuracy'?)` for a near miss among the names available */
function suggest(name: string, available: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of available) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  const close = best !== undefined && bestDistance <= Math.max(1, Math.floor(name.length / 3));
  const list = available.length ? `; available: ${[...available].sort().join(', ')}` : '';
  return `${close ? ` (did you mean '${best}'?)` : ''}${list}`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

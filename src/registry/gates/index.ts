/**
 * Promotion gates: the short expressions under `promotion: <alias>: gates:` in
 * mlo.yaml that decide whether a model may take an alias. Pure logic; `mlo promote`
 * gathers the measurements and calls these.
 *
 * Gate forms (strings, or the one-key map {validate: SUITE}):
 *   accuracy >= 0.80              a metric against a number (0.8, 80%, 1e-3, -0.5)
 *   f1 >= current + 0.01          against the alias holder's value, plus an absolute amount
 *   roc_auc >= current - 1%       ... minus a relative one: current - 1% of |current|
 *   p99_ms <= 20                  any metric name the context provides (quoted if unusual: "val loss" < 1)
 *   gap(accuracy, region) <= 0.1  largest difference of a metric between groups of a column
 *   ratio(selection_rate, sex) >= 0.8   lowest group's value over the highest's (four-fifths rule);
 *                                 fairness rates per group: selection_rate, tpr, fpr, fnr, and
 *                                 equalized_odds (the worse of tpr and fpr) for gap and ratio
 *   drift_share <= 0.3            share of drifted features against the model's baseline
 *   {validate: holdout}           the evaluation data passes that suite (also "validate: holdout")
 * Operators: >= > <= < == !=. `current` gates pass when nothing holds the alias.
 *
 * Use:
 *   const gates = parseGates(config.promotion.champion.gates, { where: 'mlo.yaml: promotion.champion.gates' });
 *   const need = requirements(gates);      // metrics, currentMetrics, slices, suites, drift
 *   ... measure what `need` lists ...
 *   const { passed, results } = evaluateGates(gates, { metrics, currentMetrics, sliceGaps, validation, driftShare });
 *
 * - A malformed gate throws MloError('INVALID' by default, or 'USAGE'), exit 2, whose
 *   message quotes the gate, gives the column and what was expected; the hint draws a
 *   caret under the spot; `details` = GateErrorDetails (gate, offset, column,
 *   expected, found) for mapping onto file:line:col.
 * - evaluateGate never throws for missing data: a metric, slice, suite or drift value
 *   the context lacks fails that gate with a reason (with a did-you-mean for names).
 * - Comparisons allow a 1e-9 relative slack (COMPARISON_TOLERANCE) against float noise.
 */
export type {
  Comparator,
  CurrentRef,
  DriftGate,
  GapGate,
  Gate,
  GateInput,
  GateKind,
  MetricGate,
  Name,
  NumberLiteral,
  RatioGate,
  Span,
  Threshold,
  ValidateGate,
} from './ast.js';
export { COMPARATORS } from './ast.js';
export { parseGate, parseGates, type GateErrorDetails, type ParseGateOptions } from './parse.js';
export { requirements, type GateRequirements } from './requirements.js';
export {
  evaluateGate,
  evaluateGates,
  resolveCurrent,
  COMPARISON_TOLERANCE,
  type GateContext,
  type GateResult,
  type GatesOutcome,
  type Observed,
  type ObservedResult,
  type ValidationOutcome,
} from './evaluate.js';

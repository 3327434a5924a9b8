/**
 * The gathered report: plain data, the same object `mlo report --json` prints and the
 * markdown and HTML renderers draw.
 */
import type { MaturityStats } from '../monitor/maturity/index.js';
import type { Base } from './base.js';

/** A section that could not be gathered says why in one line instead of vanishing. */
export interface Unavailable {
  available: false;
  reason: string;
}

export interface MetricChange {
  /** the metrics file, repo-relative */
  path: string;
  key: string;
  /** null: absent at that side */
  old: number | null;
  new: number | null;
  state: 'changed' | 'added' | 'removed' | 'unchanged';
  /** new − old, when both exist */
  change: number | null;
  /** change / |old|, when both exist and old ≠ 0 */
  relative: number | null;
}

export interface MetricsSection {
  available: true;
  files: string[];
  /** every metric of the files, changed ones first, then by path and key */
  entries: MetricChange[];
}

export interface ParamChange {
  path: string;
  key: string;
  /** undefined in the entry's JSON: absent at that side */
  old?: unknown;
  new?: unknown;
  state: 'changed' | 'added' | 'removed';
}

export interface ParamsSection {
  available: true;
  files: string[];
  changed: ParamChange[];
  unchanged: number;
}

export interface RunSide {
  id: string;
  name: string;
  experiment: string;
  stage: string | null;
  status: string;
  commit: string | null;
  start: string;
}

export interface RunParamRow {
  key: string;
  run: string | null;
  base: string | null;
  differs: boolean;
}

export interface RunMetricRow {
  key: string;
  run: number | null;
  base: number | null;
  change: number | null;
  relative: number | null;
}

export interface RunSection {
  run: RunSide;
  /** the newest finished run of the same experiment (and stage) on the base commit */
  base: RunSide | null;
  /** why there is no base run, when there is none */
  baseReason: string | null;
  params: RunParamRow[];
  metrics: RunMetricRow[];
}

export interface FailedExpectation {
  expectation: string;
  column: string | null;
  severity: 'error' | 'warn';
  summary: string;
}

export interface ValidationEntry {
  id: number | null;
  suite: string;
  data: string;
  rows: number;
  success: boolean;
  evaluated: number;
  passed: number;
  failed: number;
  warnings: number;
  validated_at: string;
  failures: FailedExpectation[];
}

export interface GateEntry {
  gate: string;
  observed: number | boolean | null;
  threshold: number | boolean | null;
  passed: boolean;
  reason: string;
}

export interface PromotionEntry {
  model: string;
  alias: string;
  version: number | null;
  from: number | null;
  outcome: 'moved' | 'unchanged' | 'rejected' | 'removed';
  /** the alias points at the candidate after the decision (for a dry run: would) */
  promoted: boolean;
  /** from a `mlo promote --dry-run --json` file: decided, not applied */
  dry_run: boolean;
  who: string;
  at: string;
  commit: string | null;
  gates: GateEntry[];
}

export interface DriftEntry {
  id: number;
  baseline: string;
  /** "churn@3" when the baseline belongs to a model version */
  model: string | null;
  source: string;
  rows: number;
  dataset_drift: boolean;
  drift_share: number;
  drifted: string[];
  checked: number;
  checked_at: string;
}

export interface ReportData {
  generated_at: string;
  base: Base;
  metrics: MetricsSection | Unavailable;
  params: ParamsSection | Unavailable;
  /** only with --run */
  run: RunSection | null;
  /** latest per suite and data file, newest first */
  validations: ValidationEntry[];
  /** latest promotion decision per model and alias, newest first */
  promotions: PromotionEntry[];
  /** latest check per baseline, newest first */
  drift: DriftEntry[];
  /** maturity figures of the last 90 days (null: no deployment or incident to speak of) */
  delivery?: MaturityStats | null;
}

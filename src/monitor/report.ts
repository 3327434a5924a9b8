/**
 * The result of a drift check: the JSON document `mlo drift check --json` prints
 * (the shape first: dataset_drift, drift_share, columns[] with column, kind,
 * test, score, threshold, drifted, stats; then what people and the HTML report also
 * need), and the per-column details only the HTML report draws.
 *
 * Severity says how far a drifted column moved, on the scale credit-risk teams have
 * used for PSI for decades: PSI < 0.1 low, < 0.25 medium, otherwise high. It is
 * "none" for a column that did not drift (whatever its PSI) and null for a column
 * that could not be checked. The deciding test stays Evidently's; PSI exists for every
 * column, so the scale is the same across kinds. It is the reported PSI (decile
 * buckets, or categories), except for a numeric column whose test compared value
 * counts (few distinct values, where decile edges collapse): there, PSI over those
 * values.
 */
import type { ColumnRole } from './columns.js';
import type { CategoricalStats, CategoryShare, DriftChart, NumericStats } from './profile/index.js';
import type { DriftColumnKind, DriftTest, KsMethod } from './stats/index.js';

export type Severity = 'none' | 'low' | 'medium' | 'high';

/** Upper PSI bounds of the low and medium severities. */
export const SEVERITY_PSI = { low: 0.1, medium: 0.25 } as const;

export function severityOf(drifted: boolean, psi: number | null): Severity {
  if (!drifted) return 'none';
  if (psi === null || psi < SEVERITY_PSI.low) return 'low';
  return psi < SEVERITY_PSI.medium ? 'medium' : 'high';
}

export type ColumnStatus =
  /** both sides have values: every statistic computed */
  | 'ok'
  /** a side has no non-null values (all null, NaN, inf or empty data) */
  | 'no-data'
  /** the current data has no such column */
  | 'missing'
  /** the target or prediction is absent from the current data (expected: labels arrive late) */
  | 'skipped'
  /** the configured test cannot score this column (e.g. a z-test on 3 values) */
  | 'error';

export interface SideCounts {
  /** non-null values */
  count: number;
  /** null, NaN, ±inf and cells that did not fit the column's kind */
  nulls: number;
}

export interface DriftColumnReport {
  column: string;
  kind: DriftColumnKind;
  test: DriftTest;
  /** the deciding test's p-value or distance; null when the column could not be checked */
  score: number | null;
  threshold: number;
  drifted: boolean;
  stats: NumericStats | CategoricalStats;
  severity: Severity | null;
  status: ColumnStatus;
  message?: string;
  role: ColumnRole;
  reference: SideCounts;
  current: SideCounts;
  /** a side was a KLL sketch: statistics within the stated error bound of exact */
  approximate: boolean;
  /** categorical: current categories the reference never had */
  unseen?: { count: number; examples: string[] };
}

export interface DriftReport {
  dataset_drift: boolean;
  /** drifted columns / checked columns (0 when nothing could be checked) */
  drift_share: number;
  /** drifted columns first, then by severity and PSI */
  columns: DriftColumnReport[];
  /** dataset drift when drift_share >= this */
  share_threshold: number;
  drifted_columns: number;
  /** columns with status ok: the denominator of drift_share */
  checked_columns: number;
  baseline: {
    name: string;
    model: { name: string; version: number } | null;
    source: string;
    rows: number;
    created_at: string;
  };
  current: {
    /** the data file (repo-relative when inside the repo), or "predictions:MODEL@V" */
    source: string;
    source_hash: string | null;
    rows: number;
    /** --predictions: the time window read */
    since?: string | null;
    /** --predictions: rows of the window the server lost (a full disk), not in `rows` */
    lost_rows?: number;
  };
  created_at: string;
  /** the stored report's id (drift history); null when not stored */
  id: number | null;
  warnings: string[];
  /**
   * Columns of the reference data the baseline did not profile, and why (a datetime
   * column, id-like text, skipped in mlo.yaml): never checked, said so rather than
   * silently absent. Missing from reports stored before this field existed.
   */
  left_out?: LeftOutColumn[];
}

export interface LeftOutColumn {
  column: string;
  reason: string;
}

/** What the HTML report draws for a column beyond the JSON numbers. */
export interface ColumnDetail {
  column: string;
  chart: DriftChart | null;
  /** categorical: the categories that moved most (by |PSI term|) */
  categories: CategoryShare[];
  ksMethod: KsMethod | null;
  errorBound: { cdf: number; ks_statistic: number; wasserstein: number; psi: number } | null;
  reference: SideSummary | null;
  current: SideSummary | null;
}

export interface SideSummary {
  mean?: number | null;
  std?: number | null;
  min?: number | null;
  median?: number | null;
  max?: number | null;
  distinct?: number | null;
}

export interface DriftCheckResult {
  report: DriftReport;
  details: ColumnDetail[];
  /** mlo.yaml's drift.fail: a dataset drift should fail the command (exit 1) */
  failOnDrift: boolean;
}

/** Drifted first (most severe, then largest PSI), then the rest by PSI, unchecked last. */
export function orderColumns<T extends { report: DriftColumnReport }>(items: T[]): T[] {
  const rank: Record<Severity, number> = { high: 0, medium: 1, low: 2, none: 3 };
  const psiOf = (c: DriftColumnReport): number => c.stats.psi ?? -1;
  return [...items].sort((a, b) => {
    const x = a.report;
    const y = b.report;
    const rx = x.severity === null ? 4 : rank[x.severity];
    const ry = y.severity === null ? 4 : rank[y.severity];
    return rx - ry || psiOf(y) - psiOf(x);
  });
}

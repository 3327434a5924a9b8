/** Stored drift checks of a baseline: scores over time for `mlo drift history`. */
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { getBaselineByName, getDriftReportJson, listDriftReports } from '../store/index.js';
import type { DriftReport } from './report.js';

export interface DriftHistoryColumn {
  test: string;
  score: number | null;
  threshold: number;
  drifted: boolean;
  psi: number | null;
}

export interface DriftHistoryEntry {
  id: number;
  created_at: string;
  source: string;
  source_hash: string | null;
  rows: number;
  dataset_drift: boolean;
  drift_share: number;
  drifted_columns: number;
  checked_columns: number;
  /** the baseline was re-created (create --force) since the previous entry */
  baseline_changed: boolean;
  columns: Record<string, DriftHistoryColumn>;
}

export interface DriftHistory {
  baseline: string;
  /** oldest first */
  reports: DriftHistoryEntry[];
}

/** The latest `limit` (default 50) checks against a baseline name, oldest first. */
export function driftHistory(
  repo: Repo,
  name: string,
  options: { limit?: number } = {},
): DriftHistory {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new MloError('USAGE', `--limit must be a positive integer, got ${limit}`);
  }
  const rows = listDriftReports(repo.store, name, limit);
  if (rows.length === 0 && !getBaselineByName(repo.store, name)) {
    throw new MloError('NOT_FOUND', `no baseline "${name}" and no drift checks recorded for it`);
  }
  let previousBaseline: number | null = null;
  const reports = rows.map((r) => {
    const entry: DriftHistoryEntry = {
      id: r.id,
      created_at: new Date(r.createdMs).toISOString(),
      source: r.source,
      source_hash: r.sourceHash,
      rows: r.rows,
      dataset_drift: r.datasetDrift,
      drift_share: r.driftShare,
      drifted_columns: r.driftedColumns,
      checked_columns: r.checkedColumns,
      baseline_changed: previousBaseline !== null && previousBaseline !== r.baselineId,
      columns: Object.fromEntries(
        r.scores.map((s) => [
          s.name,
          { test: s.test, score: s.score, threshold: s.threshold, drifted: s.drifted, psi: s.psi },
        ]),
      ),
    };
    previousBaseline = r.baselineId;
    return entry;
  });
  return { baseline: name, reports };
}

/** One stored drift report, as `mlo drift check --json` printed it. */
export function getDriftReport(repo: Repo, id: number): DriftReport {
  const json = getDriftReportJson(repo.store, id);
  if (json === undefined) throw new MloError('NOT_FOUND', `no drift report ${id}`);
  return { ...(JSON.parse(json) as DriftReport), id };
}

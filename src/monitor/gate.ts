/**
 * Drift as the promotion gate `drift_share <= X` needs it: the evaluation data
 * against the candidate model version's baseline. A version without a baseline is
 * not an error here: the gate fails with the reason.
 */
import type { Repo } from '../repo/index.js';
import { findBaseline } from './baselines.js';
import { checkDrift } from './check.js';
import { formatModelVersion, resolveModelRef, type ModelVersionRef } from './model-ref.js';
import type { DriftReport } from './report.js';

export interface ModelDriftOptions {
  model: ModelVersionRef;
  /** the evaluation data file */
  data: string;
  cwd?: string;
  /** record the check in the baseline's drift history (default true) */
  save?: boolean;
}

export interface ModelDrift {
  /** drifted columns / checked columns; null when it could not be measured */
  share: number | null;
  /** why share is null */
  reason?: string;
  report: DriftReport | null;
}

export async function measureModelDrift(
  repo: Repo,
  options: ModelDriftOptions,
): Promise<ModelDrift> {
  const model = resolveModelRef(repo, options.model);
  const baseline = findBaseline(repo, { model });
  if (!baseline) {
    const ref = formatModelVersion(model);
    return {
      share: null,
      reason: `${ref} has no drift baseline (register it with --baseline-data, or mlo baseline create NAME --data FILE --model ${ref})`,
      report: null,
    };
  }
  const { report } = await checkDrift(repo, {
    baseline: baseline.name,
    data: options.data,
    cwd: options.cwd,
    save: options.save,
  });
  if (report.checked_columns === 0) {
    return {
      share: null,
      reason: `no column of ${report.current.source} could be compared with baseline ${baseline.name}`,
      report,
    };
  }
  return { share: report.drift_share, report };
}

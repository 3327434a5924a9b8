/**
 * The gates that need other capabilities: `validate: SUITE` (data validation) and
 * `drift_share` (drift against the candidate's baseline). Each returns what the gate
 * evaluator takes, or says why it could not be measured. Bad configuration (an unknown
 * suite, a malformed one) is still an error (exit 2), as it is for `mlo validate`.
 */
import { MloError } from '../errors.js';
import { checkDrift } from '../monitor/index.js';
import type { ModelVersion, DataFile } from '../registry/index.js';
import type { ValidationOutcome } from '../registry/gates/index.js';
import type { Repo } from '../repo/index.js';
import { validateFile } from '../validate/index.js';

export interface ValidationCheck {
  outcomes: Record<string, ValidationOutcome>;
  /** suite → why it was not run */
  notRun: Record<string, string>;
  /** suite → the stored validation result's id */
  ids: Record<string, number | null>;
}

/**
 * Validate the evaluation data against each suite a gate names (a suite under
 * `validation:` in mlo.yaml or a suite file), reusing a stored result for the same
 * data and expectations.
 */
export async function runValidationGates(
  repo: Repo,
  data: DataFile,
  suites: readonly string[],
): Promise<ValidationCheck> {
  const check: ValidationCheck = { outcomes: {}, notRun: {}, ids: {} };
  for (const suite of suites) {
    const r = await validateFile(repo, { file: data.abs, suite, reuse: true });
    check.outcomes[suite] = { success: r.success, statistics: r.statistics };
    check.ids[suite] = r.id ?? null;
  }
  return check;
}

export interface DriftCheck {
  share: number | null;
  /** why the share could not be measured */
  reason?: string;
  /** dataset drift by the drift configuration's own threshold */
  datasetDrift?: boolean;
  drifted?: string[];
}

/**
 * The share of drifted columns of the evaluation data against the candidate's
 * baseline (`mlo model register --baseline-data`, or `mlo baseline create --model`).
 * No baseline fails the gate with a reason rather than stopping the promotion.
 */
export async function measureDriftShare(
  repo: Repo,
  model: ModelVersion,
  data: DataFile,
): Promise<DriftCheck> {
  try {
    const { report } = await checkDrift(repo, {
      model: { name: model.name, version: model.version },
      data: data.abs,
    });
    return {
      share: report.drift_share,
      datasetDrift: report.dataset_drift,
      drifted: report.columns.filter((c) => c.drifted).map((c) => c.column),
    };
  } catch (err) {
    if (
      err instanceof MloError &&
      err.code === 'NOT_FOUND' &&
      /has no baseline/.test(err.message)
    ) {
      return {
        share: null,
        reason: `${model.name}@${model.version} has no drift baseline: register it with --baseline-data, or \`mlo baseline create NAME --data FILE --model ${model.name}@${model.version}\``,
      };
    }
    throw err;
  }
}

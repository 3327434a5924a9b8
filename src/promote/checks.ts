/**
 * The gates that need other capabilities: `validate: SUITE` (data validation) and
 * `drift_share` (drift against the candidate's baseline). Each returns what the gate
 * evaluator takes, or says why it could not be measured.
 */
import type { ModelVersion, DataFile } from '../registry/index.js';
import type { ValidationOutcome } from '../registry/gates/index.js';
import type { Repo } from '../repo/index.js';

export interface ValidationCheck {
  outcomes: Record<string, ValidationOutcome>;
  /** suite → why it was not run */
  notRun: Record<string, string>;
}

/** Validate the evaluation data against each suite a gate names. */
export async function runValidationGates(
  _repo: Repo,
  _data: DataFile,
  suites: readonly string[],
): Promise<ValidationCheck> {
  const notRun: Record<string, string> = {};
  for (const suite of suites) {
    notRun[suite] =
      `validation is not available in this build of mlo, so suite '${suite}' was not run`;
  }
  return { outcomes: {}, notRun };
}

export interface DriftCheck {
  share: number | null;
  /** why the share could not be measured */
  reason?: string;
}

/** The share of drifted features of the evaluation data against the candidate's baseline. */
export async function measureDriftShare(
  _repo: Repo,
  model: ModelVersion,
  _data: DataFile,
): Promise<DriftCheck> {
  return {
    share: null,
    reason: `drift checks are not available in this build of mlo, so ${model.name}@${model.version} was not compared with a baseline`,
  };
}

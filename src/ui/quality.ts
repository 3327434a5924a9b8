/**
 * Data quality for the UI: stored validations (each expectation's result with its
 * failing values), baselines, drift history per baseline and each stored report.
 */
import type { Repo } from '../repo/index.js';
import { driftHistory, getDriftReport, listBaselines } from '../monitor/index.js';
import { listValidationSummaries, showValidation } from '../validate/index.js';
import { intParam } from './query.js';

export function validations(
  repo: Repo,
  q: URLSearchParams,
): ReturnType<typeof listValidationSummaries> {
  const suite = q.get('suite') ?? undefined;
  const dataPath = q.get('data') ?? undefined;
  return listValidationSummaries(repo, {
    ...(suite && { suite }),
    ...(dataPath && { dataPath }),
    limit: intParam(q, 'limit', 200, 1, 10_000),
  });
}

export const validation = (repo: Repo, id: number): ReturnType<typeof showValidation> =>
  showValidation(repo, id);

export const baselines = (repo: Repo): ReturnType<typeof listBaselines> => listBaselines(repo);

export const drift = (
  repo: Repo,
  baseline: string,
  q: URLSearchParams,
): ReturnType<typeof driftHistory> =>
  driftHistory(repo, baseline, { limit: intParam(q, 'limit', 100, 1, 10_000) });

export const driftReport = (repo: Repo, id: number): ReturnType<typeof getDriftReport> =>
  getDriftReport(repo, id);

/** Experiments as mlo records: what `mlo experiments list` shows (MLflow's are the same rows). */
import type { Repo } from '../repo/index.js';
import { experimentRunCounts, listExperimentRows } from '../store/index.js';

export interface ExperimentSummary {
  id: string;
  name: string;
  lifecycle: 'active' | 'deleted';
  runs: number;
  artifactLocation: string | null;
  created: string;
  tags: Record<string, string>;
}

export function listExperiments(repo: Repo, options: { all?: boolean } = {}): ExperimentSummary[] {
  const counts = experimentRunCounts(repo.store);
  return listExperimentRows(repo.store, options.all ? undefined : 'active').map((e) => ({
    id: String(e.id),
    name: e.name,
    lifecycle: e.lifecycle,
    runs: counts.get(e.id) ?? 0,
    artifactLocation: e.artifact_location,
    created: new Date(e.created_ms).toISOString(),
    tags: JSON.parse(e.tags_json) as Record<string, string>,
  }));
}

/**
 * The store's records the maturity figures (`mlo stats`) are computed from: alias
 * moves and promotion decisions, pipeline-stage runs, monitor incidents.
 */
import { cachedStatement, type Store } from './open.js';

export interface AliasMoveRecord {
  model: string;
  alias: string;
  action: 'set' | 'remove' | 'promote' | 'rollback';
  outcome: 'moved' | 'unchanged' | 'rejected' | 'removed';
  to_version: number | null;
  at_ms: number;
  /** the commit the version was built from, and its registration time */
  git_commit: string | null;
  created_ms: number | null;
}

/** Alias decisions from `sinceMs` on (every model, or one), oldest first. */
export function listAliasDecisions(
  store: Store,
  sinceMs: number,
  model?: string,
): AliasMoveRecord[] {
  return cachedStatement(
    store,
    `SELECT m.name AS model, e.alias, e.action, e.outcome, e.to_version, e.at_ms,
            v.git_commit, v.created_ms
       FROM alias_events e JOIN models m ON m.id = e.model
       LEFT JOIN model_versions v ON v.model = e.model AND v.version = e.to_version
      WHERE e.at_ms >= ? AND (? IS NULL OR m.name = ?)
      ORDER BY e.at_ms, e.seq`,
  ).all(sinceMs, model ?? null, model ?? null) as AliasMoveRecord[];
}

/** Finished pipeline-stage runs (mlo repro) since `sinceMs`, by status. */
export function countStageRuns(store: Store, sinceMs: number): Record<string, number> {
  const rows = cachedStatement(
    store,
    `SELECT status, count(*) AS n FROM runs
      WHERE stage IS NOT NULL AND start_ms >= ? AND status != 'running' GROUP BY status`,
  ).all(sinceMs) as { status: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

export interface IncidentTimes {
  id: number;
  subject: string;
  opened_ms: number;
  resolved_ms: number | null;
}

/** Monitor incidents opened since `sinceMs`, oldest first. */
export function listIncidentTimes(store: Store, sinceMs: number): IncidentTimes[] {
  return cachedStatement(
    store,
    `SELECT id, subject, opened_ms, resolved_ms FROM monitor_incidents
      WHERE opened_ms >= ? ORDER BY opened_ms, id`,
  ).all(sinceMs) as IncidentTimes[];
}

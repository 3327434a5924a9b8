/**
 * Which recorded run produced a given object: a stage out (run_io output) or a run
 * artifact with that hash. The newest run wins when several did (a re-run that
 * produced the same bytes).
 */
import { cachedStatement as stmt, type Store } from './open.js';

export interface ProducerRow {
  id: string;
  stage: string | null;
  /** 'output' (a stage's or exec's out) or 'artifact' */
  via: 'output' | 'artifact';
  path: string;
}

export function findProducingRun(store: Store, hash: string): ProducerRow | undefined {
  const out = stmt(
    store,
    `SELECT r.id, r.stage, io.path FROM run_io io JOIN runs r ON r.seq = io.run
     WHERE io.hash = ? AND io.role = 'output' AND r.lifecycle = 'active'
     ORDER BY r.start_ms DESC, r.seq DESC LIMIT 1`,
  ).get(hash) as { id: string; stage: string | null; path: string } | undefined;
  if (out) return { ...out, via: 'output' };
  const art = stmt(
    store,
    `SELECT r.id, r.stage, a.name AS path FROM run_artifacts a JOIN runs r ON r.seq = a.run
     WHERE a.hash = ? AND r.lifecycle = 'active'
     ORDER BY r.start_ms DESC, r.seq DESC LIMIT 1`,
  ).get(hash) as { id: string; stage: string | null; path: string } | undefined;
  return art ? { ...art, via: 'artifact' } : undefined;
}

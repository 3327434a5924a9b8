/**
 * Runs pulled from a server are read-only copies: the store that created a run is
 * the only one that changes it (and pushes the change). Every path that writes into
 * an existing run asks this first.
 */
import { MloError } from '../errors.js';

export function assertRunWritable(run: { id: string; origin?: string | null }): void {
  if (run.origin == null) return;
  throw new MloError(
    'USAGE',
    `run ${run.id.slice(0, 8)} is a read-only copy pulled from a server; change it in the clone that created it`,
  );
}

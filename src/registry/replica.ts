/**
 * Models pulled from a server's registry are read-only copies here: their versions,
 * aliases, tags and audit are decided on the server. Every local write path asks
 * this first.
 */
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { modelOrigin } from '../store/index.js';

export function assertModelWritable(repo: Repo, name: string): void {
  if (modelOrigin(repo.store, name) == null) return;
  throw new MloError(
    'USAGE',
    `model ${name} is a read-only copy of a server's registry (pulled into this clone); change it on the server`,
    {
      hint: 'without --local, model commands act on the registry named by `registry:` in mlo.yaml',
    },
  );
}

/**
 * `.mlo/` holds this machine's state, but git checks out whatever a commit holds, and
 * `git add -f` commits a symbolic link anywhere under `.mlo/` despite its .gitignore.
 * A committed `.mlo/cache -> ../../other-project/.mlo/cache` would send every object
 * write outside the repository, and `mlo gc` would delete the other project's objects
 * as unreferenced here. So the entries mlo writes through must be what they seem:
 * `.mlo` itself and each of them, when present, is refused if it is a link.
 *
 * Cost: one lstat and one readdir of `.mlo` (a dozen entries) per command; the
 * fan-out folders under the cache are checked where objects are written and walked
 * (cache.ts), not here, since there are 256 of them.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { MloError } from '../errors.js';
import { DOT_DIR } from './find.js';

/** Entries of `.mlo/` that mlo writes into or through (the stat index guards its own). */
const WRITTEN = new Set([
  'cache',
  'tmp',
  'mlo.db',
  'mlo.db-wal',
  'mlo.db-shm',
  'mlo.db-journal',
  'spool',
  'features',
  'remotes',
  '.gitignore',
  'config.yaml',
  'config.local.yaml',
]);

/** Throw INVALID naming the first link found in place of a state entry; else nothing. */
export function refuseLinkedState(root: string): void {
  const dotDir = join(root, DOT_DIR);
  const dot = lstatSync(dotDir, { throwIfNoEntry: false });
  if (dot === undefined) return; // nothing yet (mlo init makes it)
  if (dot.isSymbolicLink()) throw linked(dotDir, DOT_DIR);
  for (const entry of readdirSync(dotDir, { withFileTypes: true })) {
    if (entry.isSymbolicLink() && WRITTEN.has(entry.name))
      throw linked(join(dotDir, entry.name), `${DOT_DIR}/${entry.name}`);
  }
  const packs = join(dotDir, 'cache', 'packs');
  if (lstatSync(packs, { throwIfNoEntry: false })?.isSymbolicLink())
    throw linked(packs, `${DOT_DIR}/cache/packs`);
}

/** The error for a link found where mlo keeps state (`shown` relative to the root). */
export function linked(path: string, shown: string): MloError {
  let target = '';
  try {
    target = ` (to ${readlinkSync(path)})`;
  } catch {
    // gone meanwhile: the name alone says enough
  }
  return new MloError(
    'INVALID',
    `${shown} is a symbolic link${target}: mlo keeps its state in ${DOT_DIR}/ and follows no link there (a committed link could lead outside the repository)`,
    {
      hint: `remove the link (rm ${shown}) and run the command again; if a commit brought it, remove it there too (git rm --cached ${shown})`,
    },
  );
}

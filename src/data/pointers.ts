/** Loading every pointer of the workspace (validated), or those the user named. */
import { isMloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { findPointerFiles, readPointer, refusedPointers, type Pointer } from './pointer.js';
import { selectPointers } from './targets.js';

/**
 * Every pointer of the workspace. A pointer that claims a path other than its own
 * name stops the command before anything is read or written (exit 2), and the
 * error names every such pointer at once.
 */
export function loadPointers(repo: Repo): Pointer[] {
  const pointers: Pointer[] = [];
  const refused: { pointerPath: string; problem: string }[] = [];
  for (const p of findPointerFiles(repo.root)) {
    try {
      pointers.push(readPointer(repo.root, p));
    } catch (err) {
      const listed = isMloError(err)
        ? (err.details?.pointers as typeof refused | undefined)
        : undefined;
      if (!listed) throw err;
      refused.push(...listed);
    }
  }
  if (refused.length) throw refusedPointers(refused);
  return pointers;
}

export function loadSelectedPointers(repo: Repo, cwd: string, args: string[]): Pointer[] {
  return selectPointers(repo, cwd, args, loadPointers(repo));
}

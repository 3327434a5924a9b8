/** Loading every pointer of the workspace (validated), or those the user named. */
import type { Repo } from '../repo/index.js';
import { findPointerFiles, readPointer, type Pointer } from './pointer.js';
import { selectPointers } from './targets.js';

export function loadPointers(repo: Repo): Pointer[] {
  return findPointerFiles(repo.root).map((p) => readPointer(repo.root, p));
}

export function loadSelectedPointers(repo: Repo, cwd: string, args: string[]): Pointer[] {
  return selectPointers(repo, cwd, args, loadPointers(repo));
}

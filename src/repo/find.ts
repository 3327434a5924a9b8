/** Locating the repository root from any sub-folder. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const DOT_DIR = '.mlo';

/** The nearest ancestor of `start` (inclusive) holding a `.mlo` directory. */
export function findRepoRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, DOT_DIR);
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The nearest ancestor (inclusive) with a `.git` entry (directory, or file for worktrees). */
export function findGitRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

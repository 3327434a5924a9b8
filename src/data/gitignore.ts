/**
 * Keep tracked data out of git: `mlo add data/x.csv` writes `/x.csv` to
 * `data/.gitignore`. The read-modify-write runs under the store's write lock, so two
 * `mlo add` processes adding files of one directory do not lose each other's line.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { isNotFound } from '../util/fs.js';
import { withWriteLock } from '../store/index.js';
import type { Repo } from '../repo/index.js';

function escapeGitignore(name: string): string {
  return name.replace(/[\\*?[\]!#]/g, (c) => `\\${c}`).replace(/^ | $/g, (c) => `\\${c}`);
}

function entryFor(dataPath: string): { file: string; line: string } {
  const dir = posix.dirname(dataPath);
  return {
    file: dir === '.' ? '.gitignore' : `${dir}/.gitignore`,
    line: `/${escapeGitignore(posix.basename(dataPath))}`,
  };
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n');
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** Make git ignore `dataPath` (repo-relative). Returns true when a line was added. */
export function ignoreInGit(repo: Repo, dataPath: string): boolean {
  const { file, line } = entryFor(dataPath);
  const abs = join(repo.root, file);
  if (readLines(abs).includes(line)) return false;
  return withWriteLock(repo.store, () => {
    const lines = readLines(abs);
    if (lines.includes(line)) return false;
    if (lines.length && lines[lines.length - 1] === '') lines.pop();
    lines.push(line, '');
    writeFileAtomic(abs, lines.join('\n'), { tmpDir: repo.tmpDir });
    return true;
  });
}

/**
 * Keep tracked data out of git: `mlo add data/x.csv` writes `/x.csv` to
 * `data/.gitignore`. The read-modify-write runs under the store's write lock, so two
 * `mlo add` processes adding files of one directory do not lose each other's line.
 * The path may come from mlo.yaml (a stage's outputs): the file is placed without
 * following links, and a name .gitignore cannot express is refused.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { MloError } from '../errors.js';
import { isNotFound } from '../util/fs.js';
import { cacheOf } from './context.js';
import { withWriteLock } from '../store/open.js';
import type { Repo } from '../repo/index.js';
import { quoteName, unsafePathReason } from './safe-path.js';
import { WorkspaceWriter } from './workspace-write.js';

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
  const why = unsafePathReason(dataPath);
  if (why) {
    throw new MloError('INVALID', `${quoteName(dataPath)}: cannot be ignored in git: it ${why}`, {
      hint: 'rename it: a .gitignore line cannot hold a newline or control character',
    });
  }
  const { file, line } = entryFor(dataPath);
  const abs = join(repo.root, file);
  if (readLines(abs).includes(line)) return false;
  return withWriteLock(repo.store, () => {
    const writer = new WorkspaceWriter(repo.root);
    try {
      const lines = readLines(writer.path(file, true)!);
      if (lines.includes(line)) return false;
      if (lines.length && lines[lines.length - 1] === '') lines.pop();
      lines.push(line, '');
      writer.writeFile(file, lines.join('\n'), cacheOf(repo).ensureTmp());
      return true;
    } finally {
      writer.close();
    }
  });
}

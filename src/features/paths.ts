/**
 * Source paths come from mlo.yaml, a committed and so untrusted file: they are read
 * only when they resolve, links followed, to workspace data inside the repository.
 */
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { isInside, toPosixRelative } from '../util/fs.js';
import type { SourceDef } from './definitions.js';

/** The source's absolute path, refused when it leaves the repository or enters .git/.mlo. */
export function sourcePath(repo: Repo, source: SourceDef): string {
  const shown = `source ${source.name} (${source.path})`;
  const abs = join(repo.root, source.path);
  if (!existsSync(abs)) {
    throw new MloError('NOT_FOUND', `${shown}: no such file or directory`, {
      hint: `mlo checkout ${source.path}, or run the stage that writes it`,
    });
  }
  if (!isWorkspaceData(repo, abs)) {
    throw new MloError(
      'INVALID',
      `${shown}: resolves to ${realpathSync(abs)}, outside the repository's data`,
    );
  }
  return abs;
}

/** Where `abs` leads (links followed) is workspace data of the repository, or its cache. */
export function isWorkspaceData(repo: Repo, abs: string): boolean {
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    return false; // a dangling link
  }
  const root = realpathSync(repo.root);
  const rel = toPosixRelative(root, real);
  const [first, second] = rel.split('/');
  // a tracked file may be a link into the cache (link type symlink): that is its data
  const inCache = first === '.mlo' && second === 'cache';
  return isInside(root, real) && rel !== '' && first !== '.git' && (first !== '.mlo' || inCache);
}

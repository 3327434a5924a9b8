/**
 * The content hash of a data file that an evaluation, a baseline or a promotion used.
 * Files inside the repository go through the hash state, so a holdout set that has
 * not changed is not read again just to be identified.
 */
import { resolve } from 'node:path';
import { MloError } from '../errors.js';
import { currentFileHash, hashFile } from '../data/index.js';
import type { Repo } from '../repo/index.js';
import { isInside, statOrNull, toPosixRelative } from '../util/fs.js';

export interface DataFile {
  /** absolute path */
  abs: string;
  /** repo-relative with forward slashes when inside the repository, else absolute */
  display: string;
  hash: string;
}

export function identifyDataFile(repo: Repo, path: string, cwd: string = repo.root): DataFile {
  const abs = resolve(cwd, path);
  const st = statOrNull(abs);
  if (!st) throw new MloError('NOT_FOUND', `${path}: no such file`);
  if (!st.isFile()) throw new MloError('INVALID', `${path}: not a file`);
  if (isInside(repo.root, abs)) {
    const rel = toPosixRelative(repo.root, abs);
    const hash = currentFileHash(repo, rel);
    if (hash !== undefined) return { abs, display: rel, hash };
  }
  return { abs, display: abs, hash: hashFile(abs).hash };
}

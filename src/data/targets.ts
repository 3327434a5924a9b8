/** Turning the user's path arguments into repo-relative paths, with clear refusals. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { isInside, toPosixRelative } from '../util/fs.js';
import { POINTER_EXT, type Pointer } from './pointer.js';

export interface Target {
  /** as the user typed it, for messages */
  arg: string;
  abs: string;
  /** repo-relative, forward slashes */
  rel: string;
}

export function resolveTarget(repo: Repo, cwd: string, arg: string): Target {
  const abs = resolve(cwd, arg);
  if (!isInside(repo.root, abs)) {
    throw new MloError('USAGE', `${arg}: outside the repository (${repo.root})`);
  }
  const rel = toPosixRelative(repo.root, abs);
  if (rel === '') return { arg, abs, rel };
  const first = rel.split('/')[0];
  if (first === '.mlo')
    throw new MloError('USAGE', `${arg}: inside .mlo/, which mlo manages itself`);
  if (first === '.git') throw new MloError('USAGE', `${arg}: inside .git/`);
  return { arg, abs, rel };
}

/** The nearest tracked ancestor directory of `rel` (one with a pointer beside it). */
export function trackedAncestor(repo: Repo, rel: string): string | undefined {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const anc = parts.slice(0, i).join('/');
    if (existsSync(join(repo.root, anc + POINTER_EXT))) return anc;
  }
  return undefined;
}

/**
 * Select pointers by user arguments: a data path, a pointer path, a folder holding
 * tracked paths, or a path inside a tracked directory (selects that directory).
 */
export function selectPointers(repo: Repo, cwd: string, args: string[], all: Pointer[]): Pointer[] {
  if (args.length === 0) return all;
  const chosen = new Set<Pointer>();
  for (const arg of args) {
    const { rel } = resolveTarget(repo, cwd, arg);
    const matches = all.filter(
      (p) =>
        rel === '' ||
        p.dataPath === rel ||
        p.pointerPath === rel ||
        p.dataPath.startsWith(`${rel}/`) ||
        rel.startsWith(`${p.dataPath}/`),
    );
    if (matches.length === 0) {
      throw new MloError('NOT_FOUND', `${arg}: not tracked by mlo`, {
        hint: `track it with \`mlo add ${arg}\``,
      });
    }
    for (const m of matches) chosen.add(m);
  }
  return all.filter((p) => chosen.has(p));
}

/**
 * Finding the workspace's pointer files, apart from reading them (pointer.ts) so that
 * a command can look for them before the schema code loads (status-warm.ts).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { toPosixRelative } from '../util/fs.js';
import { POINTER_EXT } from './pointer-ext.js';

/** Directories a workspace walk never enters. */
const SKIP_DIRS = new Set(['.git', '.mlo', 'node_modules', '.venv', 'venv', '__pycache__', '.tox']);

/**
 * Every pointer file in the workspace, sorted. Tracked data directories (those with
 * a `<dir>.mlo` beside them) are not entered, so the walk stays cheap however much
 * data the repo tracks.
 */
export function findPointerFiles(root: string, under = ''): string[] {
  const found: string[] = [];
  const walk = (rel: string): void => {
    const abs = rel ? join(root, rel) : root;
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    const names = new Set(entries.map((e) => e.name));
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name) || names.has(e.name + POINTER_EXT)) continue;
        walk(childRel);
      } else if (
        e.name.endsWith(POINTER_EXT) &&
        e.name.length > POINTER_EXT.length &&
        (e.isFile() || e.isSymbolicLink())
      ) {
        // links are listed so that readPointer refuses them by name
        found.push(childRel);
      }
    }
  };
  const start = under ? join(root, under) : root;
  if (existsSync(start)) walk(under ? toPosixRelative(root, start) : '');
  return found.sort();
}

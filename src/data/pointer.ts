/**
 * Pointer files (`<path>.mlo`): small, sorted YAML that git tracks in place of the
 * data. They name the data path relative to the pointer's own directory.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { stringify } from 'yaml';
import * as z from 'zod/mini';
import '../util/schema.js';
import { readYamlFile } from '../util/yaml-file.js';
import { writeFileAtomic } from '../util/atomic.js';
import { toPosixRelative } from '../util/fs.js';
import { HASH_RE } from './hash.js';

export const POINTER_EXT = '.mlo';

const relativePath = z.string().check(
  z.minLength(1),
  z.refine((p) => !p.startsWith('/') && !/^[A-Za-z]:/.test(p) && !p.startsWith('\\'), {
    message: 'must be a relative path (absolute paths would point outside the repository)',
  }),
  z.refine((p) => !p.split(/[\\/]/).includes('..'), {
    message: 'must not contain ".." (the path would escape the repository)',
  }),
);

export const pointerSchema = z.strictObject({
  path: relativePath,
  type: z.optional(z.enum(['file', 'dir'])),
  hash: z.string().check(z.regex(HASH_RE, 'must be a 64-character lowercase hex SHA-256')),
  size: z.number().check(z.int(), z.nonnegative()),
  files: z.optional(z.number().check(z.int(), z.nonnegative())),
});

export type PointerData = z.infer<typeof pointerSchema>;

export interface Pointer extends PointerData {
  type: 'file' | 'dir';
  /** repo-relative path of the pointer file */
  pointerPath: string;
  /** repo-relative path of the data it tracks */
  dataPath: string;
}

export function readPointer(root: string, pointerPath: string): Pointer {
  const data = readYamlFile(join(root, pointerPath), pointerSchema, pointerPath);
  const dataPath = posix.normalize(
    posix.join(posix.dirname(pointerPath), data.path.replace(/\\/g, '/')),
  );
  return { ...data, type: data.type ?? 'file', pointerPath, dataPath };
}

const HEADER =
  '# mlo pointer file: commit it to git. The data lives in .mlo/cache;\n# `mlo checkout` restores it and `mlo pull` fetches it from a remote.\n';

export function writePointer(
  root: string,
  pointerPath: string,
  data: PointerData,
  options: { tmpDir?: string } = {},
): void {
  const ordered: Record<string, unknown> = { path: data.path };
  if (data.type === 'dir') ordered.type = 'dir';
  ordered.hash = data.hash;
  ordered.size = data.size;
  if (data.type === 'dir') ordered.files = data.files ?? 0;
  writeFileAtomic(join(root, pointerPath), HEADER + stringify(ordered), { tmpDir: options.tmpDir });
}

/** The pointer file for a repo-relative data path. */
export function pointerPathFor(dataPath: string): string {
  return dataPath + POINTER_EXT;
}

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
        found.push(childRel);
      }
    }
  };
  const start = under ? join(root, under) : root;
  if (existsSync(start)) walk(under ? toPosixRelative(root, start) : '');
  return found.sort();
}

/** Pointer files that live in the directory holding `dataPath` and track it. */
export function pointerDirOf(pointerPath: string): string {
  return dirname(pointerPath);
}

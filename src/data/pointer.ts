/**
 * Pointer files (`<path>.mlo`): small, sorted YAML that git tracks in place of the
 * data. A pointer `X.mlo` describes `X` only: the file or folder named by its own
 * name without `.mlo`, in its own folder. Pointer files are committed, so they are
 * untrusted: one that claims any other path (the repository root, `.git/config`,
 * `../elsewhere`) is refused, whatever it says.
 *
 * The `path:` field is still written (equal to the name) because older mlo
 * versions require it; when read, it must equal the pointer's own name.
 */
import { lstatSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import * as z from 'zod/mini';
import '../util/schema.js';
import { MloError } from '../errors.js';
import { readConfigYamlFile } from '../util/config-yaml.js';
import { yamlScalar } from '../util/plain-yaml.js';
import { writeFileAtomic } from '../util/atomic.js';
import { HASH_RE } from './hash.js';
import { quoteName, unsafePathReason } from './safe-path.js';
import { POINTER_EXT } from './pointer-ext.js';

export { findPointerFiles } from './pointer-find.js';

export { POINTER_EXT };

/** A pointer file is a few lines; anything bigger is not one (and is not read whole). */
const MAX_POINTER_BYTES = 64 << 10;

export const pointerSchema = z.strictObject({
  path: z.optional(z.string()),
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

/** The data path a pointer file describes: its own path without `.mlo`. */
export function describedPath(pointerPath: string): string {
  return pointerPath.slice(0, -POINTER_EXT.length);
}

/**
 * Why a pointer file may not describe what it says, or undefined when it may.
 * `statedPath` is its `path:` field, if any.
 */
export function pointerProblem(pointerPath: string, statedPath?: string): string | undefined {
  const name = posix.basename(pointerPath).slice(0, -POINTER_EXT.length);
  if (name === '' || name === '.' || name === '..')
    return `its name does not name a file or folder ("${name}")`;
  if (statedPath !== undefined && statedPath !== name) {
    return `it says path: ${JSON.stringify(statedPath)}, but a pointer file describes only the path named by its own name (${quoteName(name)}) in its own folder`;
  }
  const why = unsafePathReason(describedPath(pointerPath));
  return why && `the path it describes ${why}`;
}

/** Read and check one pointer file; every problem is an MloError naming the file. */
export function readPointer(root: string, pointerPath: string): Pointer {
  const abs = join(root, pointerPath);
  const st = lstatSync(abs, { throwIfNoEntry: false });
  if (st?.isSymbolicLink() || (st && !st.isFile())) {
    throw new MloError(
      'INVALID',
      `${pointerPath}: not a regular file (a pointer file must not be a link, folder or device)`,
    );
  }
  if (st && st.size > MAX_POINTER_BYTES) {
    throw new MloError('INVALID', `${pointerPath}: ${st.size} bytes is too big for a pointer file`);
  }
  const data = readConfigYamlFile(abs, pointerSchema, pointerPath);
  const problem = pointerProblem(pointerPath, data.path);
  if (problem) throw refusedPointers([{ pointerPath, problem }]);
  return {
    ...data,
    type: data.type ?? 'file',
    pointerPath,
    dataPath: describedPath(pointerPath),
  };
}

/** One error for every pointer file refused (exit 2), each named with its reason. */
export function refusedPointers(bad: { pointerPath: string; problem: string }[]): MloError {
  const shown = bad.slice(0, 5).map((b) => `${quoteName(b.pointerPath)}: ${b.problem}`);
  const more = bad.length > 5 ? `; and ${bad.length - 5} more` : '';
  return new MloError(
    'INVALID',
    `refusing ${bad.length === 1 ? 'a pointer file' : `${bad.length} pointer files`}: ${shown.join('; ')}${more}`,
    {
      hint: 'pointer files are committed and may come from anyone: inspect them (`git log -p -- <file>`) and remove or re-create them with `mlo add`',
      details: { pointers: bad },
    },
  );
}

const HEADER =
  '# mlo pointer file: commit it to git. The data lives in .mlo/cache;\n# `mlo checkout` restores it and `mlo pull` fetches it from a remote.\n';

export function writePointer(
  root: string,
  pointerPath: string,
  data: PointerData,
  options: { tmpDir?: string } = {},
): void {
  // Written by hand, not by the yaml package, so that reading it back needs no package
  // either (plain-yaml.ts): every value is a plain word, a number or a quoted string.
  const lines: string[] = [];
  if (data.path !== undefined) lines.push(`path: ${yamlScalar(data.path)}`);
  if (data.type === 'dir') lines.push('type: dir');
  lines.push(`hash: ${yamlScalar(data.hash)}`, `size: ${data.size}`);
  if (data.type === 'dir') lines.push(`files: ${data.files ?? 0}`);
  writeFileAtomic(join(root, pointerPath), `${HEADER}${lines.join('\n')}\n`, {
    tmpDir: options.tmpDir,
  });
}

/** The pointer file for a repo-relative data path. */
export function pointerPathFor(dataPath: string): string {
  return dataPath + POINTER_EXT;
}

/** Pointer files that live in the directory holding `dataPath` and track it. */
export function pointerDirOf(pointerPath: string): string {
  return dirname(pointerPath);
}

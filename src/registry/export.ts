/** `mlo model export`: write a version's ONNX file out of the cache. */
import { join, resolve } from 'node:path';
import type { Repo } from '../repo/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { statOrNull } from '../util/fs.js';
import type { ModelRef } from './ref.js';
import { readModelBytes, resolveModel } from './resolve.js';

export interface ExportResult {
  name: string;
  version: number;
  hash: string;
  size: number;
  /** absolute path written */
  path: string;
}

/**
 * Write the model to `dest` (a file path, or an existing directory to hold
 * NAME-vVERSION.onnx). The bytes are checked against the version's hash first; the
 * file appears whole or not at all.
 */
export function exportModel(
  repo: Repo,
  ref: string | ModelRef,
  dest: string,
  options: { cwd?: string } = {},
): ExportResult {
  const model = resolveModel(repo, ref);
  const bytes = readModelBytes(repo, model);
  let path = resolve(options.cwd ?? repo.root, dest);
  if (statOrNull(path)?.isDirectory()) path = join(path, `${model.name}-v${model.version}.onnx`);
  writeFileAtomic(path, bytes);
  return { name: model.name, version: model.version, hash: model.hash, size: bytes.length, path };
}

/**
 * Restoring one output (a stage output from the run cache or mlo.lock) from the
 * cache into the workspace. Its path comes from committed files (mlo.yaml,
 * mlo.lock), so it goes through the same rules as a checkout: never the root,
 * `.git`, `.mlo` or outside the repository, never through a link.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { MloError, errnoCode } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { putHashStates, type HashState } from '../store/index.js';
import { tempPathFor } from '../util/atomic.js';
import { writingTo } from '../util/fs.js';
import { cacheOf, linkTypeOf } from './context.js';
import { quoteName, unsafePathReason } from './safe-path.js';
import { stateOf } from './workspace.js';
import { WorkspaceWriter } from './workspace-write.js';

export interface RestoreEntry {
  /** repo-relative, forward slashes */
  path: string;
  hash: string;
  size: number;
  type?: 'dir';
}

/**
 * Make `entry.path` hold exactly the entry's content. The new content is assembled
 * in .mlo/tmp (a killed process leaves nothing in the workspace) and renamed over
 * the old, which is the output itself and may be replaced whole. Returns false,
 * touching nothing, when an object is missing.
 */
export function restoreEntry(repo: Repo, entry: RestoreEntry): boolean {
  WorkspaceWriter.check(entry.path);
  const cache = cacheOf(repo);
  if (!cache.has(entry.hash)) return false;
  const files = entry.type === 'dir' ? cache.readManifest(entry.hash) : undefined;
  if (files && cache.missing(files.map((f) => f.hash)).length > 0) return false;
  for (const f of files ?? []) {
    const why = unsafePathReason(f.path, { allowControl: true });
    if (why) {
      throw new MloError(
        'INVALID',
        `refusing to restore ${entry.path}: its manifest lists ${quoteName(f.path)}, which ${why}`,
      );
    }
  }
  const link = linkTypeOf(repo);
  const writer = new WorkspaceWriter(repo.root);
  const tmpDir = cache.ensureTmp();
  // .mlo/tmp unless the output's folder is on another file system (rename cannot cross)
  const parentReal = join(repo.root, posix.dirname(entry.path));
  writer.path(entry.path, true);
  const sameFs = statSync(tmpDir).dev === statSync(parentReal).dev;
  const tmp = tempPathFor(posix.basename(entry.path), sameFs ? tmpDir : parentReal);
  const learned: HashState[] = [];
  try {
    if (!files) {
      writingTo(tmp, () => cache.materialize(entry.hash, tmp, link));
      const st = statSync(tmp);
      writer.place(tmp, entry.path, { replaceTree: true });
      learned.push(stateOf(entry.path, st, entry.hash));
    } else {
      mkdirSync(tmp);
      for (const f of files) {
        const dest = join(tmp, f.path);
        try {
          mkdirSync(dirname(dest), { recursive: true });
        } catch (err) {
          if (errnoCode(err) !== 'EEXIST' && errnoCode(err) !== 'ENOTDIR') throw err;
          throw new MloError(
            'INVALID',
            `refusing to restore ${entry.path}: its manifest lists ${quoteName(f.path)} inside a file`,
          );
        }
        writingTo(dest, () => cache.materialize(f.hash, dest, link, { fsync: false }));
        learned.push(stateOf(`${entry.path}/${f.path}`, statSync(dest), f.hash));
      }
      writer.removeTree(entry.path);
      writer.place(tmp, entry.path);
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    writer.close();
  }
  putHashStates(repo.store, learned);
  return true;
}

/**
 * The no-change fast path of `mlo status` for a tracked directory, after git's
 * index and its untracked cache: the stat index saved with the snapshot (paths,
 * inode, mtime, size) is compared with a fresh stat of each file; the folders'
 * ctimes stand in for reading them (else they are walked and the names compared),
 * and a cache seal stands in for looking up every object. No manifest is decoded and
 * nothing is allocated per file beyond its name. Any difference sends status down the full path.
 */
import { join } from 'node:path';
import type { Repo } from '../repo/index.js';
import { lstatOrNull } from '../util/fs.js';
import type { ObjectCache } from './cache.js';
import { sealHolds } from './cache-seal.js';
import { readStatIndex } from './stat-index.js';
import { statMany } from './stat-many.js';
import { listDirectory, type DirStamp } from './workspace.js';

/** true when directory `rel` certainly still matches manifest `hash`, all of it cached. */
export async function unchangedAndCached(
  repo: Repo,
  cache: ObjectCache,
  rel: string,
  hash: string,
): Promise<boolean> {
  const state = readStatIndex(repo, rel);
  if (state?.manifest !== hash || state.listing === undefined || state.sizes === undefined)
    return false;
  if (state.seal === undefined || !sealHolds(cache, state.seal)) return false;
  const abs = join(repo.root, rel);
  if (!lstatOrNull(abs)?.isDirectory()) return false;
  const listing = state.listing;
  let sameNames = foldersUnchanged(abs, state.dirs);
  const stamps = await statMany(abs, listing.toString('utf8'), {
    ...(!sameNames && {
      meanwhile: () => {
        const now = listDirectory(abs, repo.cacheDir).files.join('\0');
        sameNames = listing.equals(Buffer.from(now));
      },
    }),
  });
  if (!sameNames) return false;
  const { stamps: was, sizes } = state;
  if (stamps.length !== 3 * sizes.length) return false;
  for (let i = 0; i < sizes.length; i++) {
    if (
      stamps[3 * i] !== was[2 * i] ||
      stamps[3 * i + 1] !== was[2 * i + 1] ||
      stamps[3 * i + 2] !== sizes[i]
    )
      return false;
  }
  return true;
}

/** No folder gained, lost or renamed an entry since the stamps: no need to read them. */
function foldersUnchanged(abs: string, dirs: string | undefined): boolean {
  if (dirs === undefined) return false;
  let stamps: DirStamp[];
  try {
    stamps = JSON.parse(dirs) as DirStamp[];
  } catch {
    return false;
  }
  if (!Array.isArray(stamps) || stamps.length === 0) return false;
  return stamps.every(([rel, ino, ctimeMs]) => {
    const st = lstatOrNull(rel === '' ? abs : `${abs}/${rel}`);
    return st?.isDirectory() === true && st.ino === ino && st.ctimeMs === ctimeMs;
  });
}

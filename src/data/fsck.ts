/** `mlo fsck`: re-hash every cache object; report corrupt ones and referenced ones that are missing. */
import type { Repo } from '../repo/index.js';
import type { ProgressFn } from '../util/progress.js';
import { cacheOf } from './context.js';
import { hashFile, sha256 } from './hash.js';
import { loadPointers } from './pointers.js';

export interface FsckProblem {
  hash: string;
  /** where the object lives, or which tracked path needs it */
  where: string;
  problem: 'corrupt' | 'missing';
}

export interface FsckResult {
  checked: number;
  problems: FsckProblem[];
  ok: boolean;
}

export function fsck(repo: Repo, options: { onProgress?: ProgressFn } = {}): FsckResult {
  const cache = cacheOf(repo);
  const problems: FsckProblem[] = [];
  let checked = 0;
  const loose = [...cache.looseHashes()];
  const packs = cache.packs.list;
  const total = loose.length + packs.reduce((n, p) => n + p.count, 0);
  const tick = (): void => {
    checked++;
    if (checked % 256 === 0 || checked === total)
      options.onProgress?.({ phase: 'fsck', done: checked, total, unit: 'objects' });
  };
  for (const hash of loose) {
    const actual = hashFile(cache.loosePath(hash)).hash;
    if (actual !== hash) problems.push({ hash, where: cache.loosePath(hash), problem: 'corrupt' });
    tick();
  }
  for (const pack of packs) {
    if (!pack.verifyTrailer())
      problems.push({ hash: pack.name, where: `${pack.name}.idx`, problem: 'corrupt' });
    for (const e of pack.entries()) {
      let ok = false;
      try {
        ok = sha256(pack.read(e)) === e.hash;
      } catch {
        ok = false;
      }
      if (!ok)
        problems.push({ hash: e.hash, where: `${pack.name}.pack@${e.offset}`, problem: 'corrupt' });
      tick();
    }
  }
  const corrupt = new Set(problems.map((p) => p.hash));
  for (const p of loadPointers(repo)) {
    if (!cache.has(p.hash)) {
      problems.push({ hash: p.hash, where: p.dataPath, problem: 'missing' });
      continue;
    }
    if (p.type !== 'dir' || corrupt.has(p.hash)) continue;
    for (const e of cache.readManifest(p.hash)) {
      if (!cache.has(e.hash))
        problems.push({ hash: e.hash, where: `${p.dataPath}/${e.path}`, problem: 'missing' });
    }
  }
  return { checked, problems, ok: problems.length === 0 };
}

/** `mlo gc`: delete cache objects nothing refers to; repack packs that hold some. */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Repo } from '../repo/index.js';
import { cacheOf } from './context.js';
import { collectLive } from './live.js';

export interface GcOptions {
  dryRun?: boolean;
  /** also keep objects referenced by pointer files in any git commit */
  allCommits?: boolean;
}

export interface GcResult {
  dryRun: boolean;
  removed: number;
  removedBytes: number;
  kept: number;
  /** hashes removed (or that would be, with dryRun) */
  objects: string[];
  warnings: string[];
}

/** Temp files younger than this may belong to a running mlo: leave them. */
const TEMP_GRACE_MS = 60 * 60 * 1000;

export function gc(repo: Repo, options: GcOptions = {}): GcResult {
  const cache = cacheOf(repo);
  const live = collectLive(repo, cache, options);
  const dryRun = options.dryRun ?? false;
  const result: GcResult = {
    dryRun,
    removed: 0,
    removedBytes: 0,
    kept: 0,
    objects: [],
    warnings: [],
  };
  for (const m of live.unknownManifests) {
    result.warnings.push(
      `directory manifest ${m.slice(0, 12)} is referenced but not in the cache; its files cannot be identified`,
    );
  }
  for (const hash of [...cache.looseHashes()]) {
    if (live.hashes.has(hash)) {
      result.kept++;
      continue;
    }
    const path = cache.loosePath(hash);
    result.removed++;
    result.removedBytes += statSync(path).size;
    result.objects.push(hash);
    if (!dryRun) rmSync(path, { force: true });
  }
  for (const pack of cache.packs.list) {
    const entries = [...pack.entries()];
    const dead = entries.filter((e) => !live.hashes.has(e.hash));
    result.kept += entries.length - dead.length;
    result.removed += dead.length;
    for (const e of dead) {
      result.removedBytes += e.size;
      result.objects.push(e.hash);
    }
    if (dryRun || dead.length === 0) continue;
    if (dead.length < entries.length) {
      // Rewrite the survivors into a new pack before the old one goes.
      const writer = cache.newPackWriter();
      for (const e of entries) if (live.hashes.has(e.hash)) writer.add(e.hash, pack.read(e));
      writer.finish();
    }
    pack.close();
    rmSync(join(cache.packDir, `${pack.name}.idx`), { force: true });
    rmSync(pack.packPath, { force: true });
  }
  cache.packs.reset();
  if (!dryRun) sweepTemps([repo.tmpDir, cache.packDir]);
  return result;
}

function sweepTemps(dirs: string[]): void {
  const cutoff = Date.now() - TEMP_GRACE_MS;
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (!name.startsWith('.') || !(name.endsWith('.tmp') || name.endsWith('.pack'))) continue;
      const p = join(dir, name);
      try {
        if (statSync(p).mtimeMs < cutoff) rmSync(p, { force: true });
      } catch {
        // raced with its owner: fine
      }
    }
  }
}

/**
 * `mlo gc`: delete cache objects nothing refers to; repack packs that hold some.
 * Safe beside concurrent writers (add, pull, model register, runs, repro): see the
 * protocol in pins.ts. Deletion runs in bounded batches, each inside one write
 * transaction that re-checks the store's references and the pins first.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Repo } from '../repo/index.js';
import { listPins, listReferencedHashes, referencedAmong, withWriteLock } from '../store/index.js';
import { sweepDeadTemps } from '../util/atomic.js';
import { cacheOf } from './context.js';
import type { PackIndex } from './pack.js';
import { GcSession, unpackHashes } from './pins.js';
import { expandReferences, listReferences } from './references.js';

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

/** Objects deleted per write transaction: short enough not to stall other writers. */
const BATCH = 512;

export function gc(repo: Repo, options: GcOptions = {}): GcResult {
  const dryRun = options.dryRun ?? false;
  const session = dryRun ? undefined : GcSession.begin(repo);
  try {
    return collect(repo, options, session);
  } finally {
    session?.end();
  }
}

function collect(repo: Repo, options: GcOptions, session: GcSession | undefined): GcResult {
  const cache = cacheOf(repo);
  cache.refresh();
  const dryRun = session === undefined;
  const refs = listReferences(repo, { allCommits: options.allCommits });
  const live = expandReferences(repo, refs);
  for (const h of listReferencedHashes(repo.store)) live.hashes.add(h);
  const pinned = session?.pinned ?? new Set<string>();
  if (!session) for (const row of listPins(repo.store)) unpackHashes(row.hashes, pinned);
  const keep = (h: string): boolean => live.hashes.has(h) || pinned.has(h);
  const result: GcResult = {
    dryRun,
    removed: 0,
    removedBytes: 0,
    kept: 0,
    objects: [],
    warnings: live.unknownManifests.map(
      (m) =>
        `directory manifest ${m.slice(0, 12)} is referenced but not in the cache; its files cannot be identified`,
    ),
  };

  const candidates: string[] = [];
  for (const hash of cache.looseHashes()) {
    if (keep(hash)) result.kept++;
    else candidates.push(hash);
  }
  for (let i = 0; i < candidates.length; i += BATCH) {
    const batch = candidates.slice(i, i + BATCH);
    const sweep = (): void => {
      const rescued = session ? stillWanted(repo, session, batch) : new Set<string>();
      for (const hash of batch) {
        if (rescued.has(hash)) {
          result.kept++;
          continue;
        }
        const path = cache.loosePath(hash);
        const st = statSync(path, { throwIfNoEntry: false });
        if (!st) continue; // removed meanwhile (another gc was not running: a user)
        result.removed++;
        result.removedBytes += st.size;
        result.objects.push(hash);
        if (!dryRun) rmSync(path, { force: true });
      }
    };
    if (session) withWriteLock(repo.store, sweep);
    else sweep();
  }

  for (const pack of cache.packs.list) repack(repo, pack, keep, session, result);
  cache.refresh();
  if (!dryRun) {
    sweepDeadTemps(repo.tmpDir);
    sweepDeadTemps(cache.packDir);
  }
  return result;
}

/** Inside a batch's transaction: candidates that a pin or a store reference now names. */
function stillWanted(repo: Repo, session: GcSession, hashes: readonly string[]): Set<string> {
  session.readNewPins();
  const out = referencedAmong(repo.store, hashes);
  for (const h of hashes) if (session.pinned.has(h)) out.add(h);
  return out;
}

/**
 * A pack holding dead objects: its survivors are copied to a new pack (outside any
 * transaction: that only adds), then the old pack is deleted inside a transaction
 * that re-checks its dead objects. If one of them became wanted meanwhile, the old
 * pack stays (its survivors are then held twice, which the next gc cleans).
 */
function repack(
  repo: Repo,
  pack: PackIndex,
  keep: (h: string) => boolean,
  session: GcSession | undefined,
  result: GcResult,
): void {
  const cache = cacheOf(repo);
  const entries = [...pack.entries()];
  const dead = entries.filter((e) => !keep(e.hash));
  if (dead.length === 0) {
    result.kept += entries.length;
    return;
  }
  if (!session) {
    result.kept += entries.length - dead.length;
    result.removed += dead.length;
    for (const e of dead) {
      result.removedBytes += e.size;
      result.objects.push(e.hash);
    }
    return;
  }
  if (dead.length < entries.length) {
    const writer = cache.newPackWriter();
    for (const e of entries) if (keep(e.hash)) writer.add(e.hash, pack.read(e));
    writer.finish();
  }
  withWriteLock(repo.store, () => {
    const rescued = stillWanted(
      repo,
      session,
      dead.map((e) => e.hash),
    );
    if (rescued.size > 0) {
      result.kept += entries.length;
      return;
    }
    result.kept += entries.length - dead.length;
    result.removed += dead.length;
    for (const e of dead) {
      result.removedBytes += e.size;
      result.objects.push(e.hash);
    }
    pack.close();
    // the index first: without it the pack is invisible, never half there
    rmSync(join(cache.packDir, `${pack.name}.idx`), { force: true });
    rmSync(pack.packPath, { force: true });
  });
}

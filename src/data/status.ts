/**
 * `mlo status`: how each tracked path compares with its pointer file. Unchanged
 * files are recognised by stat() alone (hash state for files, the directory
 * snapshot for directories); only files whose stat changed are read.
 */
import { join } from 'node:path';
import type { Repo } from '../repo/index.js';
import { getHashState, putHashStates } from '../store/state.js';
import type { ObjectCache } from './cache.js';
import { cacheOf } from './context.js';
import { hashFile } from './hash.js';
import type { ManifestEntry } from './manifest.js';
import type { Pointer } from './pointer.js';
import { loadSelectedPointers } from './pointers.js';
import { saveSnapshot, scanDirectory } from './scan.js';
import { sealFor } from './cache-seal.js';
import { warmDataWorker } from './data-worker.js';
import { statsInParallel } from './stat-many.js';
import { unchangedAndCached } from './quick-status.js';
import { stateMatches, stateOf, statFile } from './workspace.js';

export type EntryState = 'ok' | 'modified' | 'missing' | 'uncached';

export interface DirChanges {
  added: string[];
  modified: string[];
  deleted: string[];
}

export interface StatusEntry {
  path: string;
  pointer: string;
  type: 'file' | 'dir';
  state: EntryState;
  /** for a modified directory, when its manifest is in the cache */
  changes?: DirChanges;
}

export interface StatusResult {
  entries: StatusEntry[];
}

export interface StatusOptions {
  cwd?: string;
  paths?: string[];
}

export async function status(repo: Repo, options: StatusOptions = {}): Promise<StatusResult> {
  const pointers = loadSelectedPointers(repo, options.cwd ?? process.cwd(), options.paths ?? []);
  // A big tracked directory ahead (by its pointer's count, only a hint): the stat
  // worker starts now, while this thread reads the store.
  if (pointers.some((p) => p.type === 'dir' && statsInParallel(p.files ?? 0)))
    void warmDataWorker();
  const cache = cacheOf(repo);
  const entries: StatusEntry[] = [];
  for (const p of pointers)
    entries.push(p.type === 'dir' ? await dirStatus(repo, cache, p) : fileStatus(repo, cache, p));
  return { entries };
}

/** The hash of a workspace file, from the hash state when stat() matches, else by reading it. */
export function currentFileHash(repo: Repo, rel: string): string | undefined {
  const abs = join(repo.root, rel);
  const st = statFile(abs);
  if (!st || !st.isFile()) return undefined;
  const state = getHashState(repo.store, rel);
  if (stateMatches(state, st)) return state.hash;
  const { hash } = hashFile(abs);
  putHashStates(repo.store, [stateOf(rel, st, hash)]);
  return hash;
}

function fileStatus(repo: Repo, cache: ObjectCache, p: Pointer): StatusEntry {
  const base = { path: p.dataPath, pointer: p.pointerPath, type: 'file' as const };
  const current = currentFileHash(repo, p.dataPath);
  if (current !== undefined && current !== p.hash) return { ...base, state: 'modified' };
  if (!cache.has(p.hash)) return { ...base, state: 'uncached' };
  return { ...base, state: current === undefined ? 'missing' : 'ok' };
}

async function dirStatus(repo: Repo, cache: ObjectCache, p: Pointer): Promise<StatusEntry> {
  const base = { path: p.dataPath, pointer: p.pointerPath, type: 'dir' as const };
  if (await unchangedAndCached(repo, cache, p.dataPath, p.hash)) return { ...base, state: 'ok' };
  const scan = await scanDirectory(repo, cache, p.dataPath);
  const manifest = cache.has(p.hash) ? cache.readManifest(p.hash) : undefined;
  if (scan && scan.hash !== p.hash) {
    return {
      ...base,
      state: 'modified',
      ...(manifest && { changes: diffEntries(manifest, scan.files) }),
    };
  }
  const cached = manifest !== undefined && cache.missing(manifest.map((e) => e.hash)).length === 0;
  // All there: seal it so the next status need not look up every object again.
  const seal =
    cached && scan ? sealFor(cache, [p.hash, ...manifest.map((e) => e.hash)]) : undefined;
  // One write of the stat index: when files were touched but their content matches
  // (so the next status recognises them by stat() again), and whenever all is there
  // (with the seal, which makes the next status the no-change path).
  if (scan && (scan.rehashed > 0 || cached))
    saveSnapshot(repo, p.dataPath, scan.hash, scan.files, scan.dirs, seal);
  if (!cached) return { ...base, state: 'uncached' };
  if (!scan) return { ...base, state: 'missing' };
  return { ...base, state: 'ok' };
}

export function diffEntries(before: ManifestEntry[], after: ManifestEntry[]): DirChanges {
  const old = new Map(before.map((e) => [e.path, e.hash]));
  const changes: DirChanges = { added: [], modified: [], deleted: [] };
  const seen = new Set<string>();
  for (const e of after) {
    seen.add(e.path);
    const h = old.get(e.path);
    if (h === undefined) changes.added.push(e.path);
    else if (h !== e.hash) changes.modified.push(e.path);
  }
  for (const e of before) if (!seen.has(e.path)) changes.deleted.push(e.path);
  return changes;
}

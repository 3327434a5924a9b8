/**
 * `mlo status`: how each tracked path compares with its pointer file. Unchanged
 * files are recognised by stat() alone through the hash state; only files whose
 * stat changed are read.
 */
import { join } from 'node:path';
import type { Repo } from '../repo/index.js';
import { getHashState, getHashStatesUnder, putHashStates, type HashState } from '../store/index.js';
import { lstatOrNull } from '../util/fs.js';
import { cacheOf } from './context.js';
import { hashFile } from './hash.js';
import { decodeManifest, encodeManifest, type ManifestEntry } from './manifest.js';
import type { Pointer } from './pointer.js';
import { loadSelectedPointers } from './pointers.js';
import { listDirectory, stateMatches, stateOf, statFile } from './workspace.js';
import type { ObjectCache } from './cache.js';

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

export function status(repo: Repo, options: StatusOptions = {}): StatusResult {
  const pointers = loadSelectedPointers(repo, options.cwd ?? process.cwd(), options.paths ?? []);
  const cache = cacheOf(repo);
  const entries = pointers.map((p) =>
    p.type === 'dir' ? dirStatus(repo, cache, p) : fileStatus(repo, cache, p),
  );
  return { entries };
}

/** The hash of a workspace file, from the state when stat() matches, else by reading it. */
export function currentFileHash(
  repo: Repo,
  rel: string,
  learned?: HashState[],
): string | undefined {
  const abs = join(repo.root, rel);
  const st = statFile(abs);
  if (!st || !st.isFile()) return undefined;
  const state = getHashState(repo.store, rel);
  if (stateMatches(state, st)) return state.hash;
  const { hash } = hashFile(abs);
  const fresh = stateOf(rel, st, hash);
  if (learned) learned.push(fresh);
  else putHashStates(repo.store, [fresh]);
  return hash;
}

function fileStatus(repo: Repo, cache: ObjectCache, p: Pointer): StatusEntry {
  const base = { path: p.dataPath, pointer: p.pointerPath, type: 'file' as const };
  const current = currentFileHash(repo, p.dataPath);
  const cached = cache.has(p.hash);
  if (current !== undefined && current !== p.hash) return { ...base, state: 'modified' };
  if (!cached) return { ...base, state: 'uncached' };
  return { ...base, state: current === undefined ? 'missing' : 'ok' };
}

export interface DirScan {
  entries: ManifestEntry[];
  hash: string;
  /** state rows learned while hashing changed files */
  learned: HashState[];
}

/** The manifest the workspace directory would have now (hashing only changed files). */
export function scanDirectory(repo: Repo, rel: string): DirScan | undefined {
  const abs = join(repo.root, rel);
  const st = lstatOrNull(abs);
  if (!st || !st.isDirectory()) return undefined;
  const listing = listDirectory(abs, repo.cacheDir);
  const states = getHashStatesUnder(repo.store, rel);
  const entries: ManifestEntry[] = [];
  const learned: HashState[] = [];
  for (const f of listing.files) {
    const fileRel = `${rel}/${f}`;
    const fst = statFile(join(abs, f));
    if (!fst) continue; // vanished while we looked
    const known = states.get(fileRel);
    let hash: string;
    if (stateMatches(known, fst)) hash = known.hash;
    else {
      hash = hashFile(join(abs, f)).hash;
      learned.push(stateOf(fileRel, fst, hash));
    }
    entries.push({ path: f, hash, size: fst.size });
  }
  return { entries, hash: encodeManifest(entries).hash, learned };
}

function dirStatus(repo: Repo, cache: ObjectCache, p: Pointer): StatusEntry {
  const base = { path: p.dataPath, pointer: p.pointerPath, type: 'dir' as const };
  const scan = scanDirectory(repo, p.dataPath);
  if (scan?.learned.length) putHashStates(repo.store, scan.learned);
  const manifest = cache.has(p.hash) ? decodeManifest(cache.read(p.hash), p.hash) : undefined;
  if (scan && scan.hash !== p.hash) {
    return {
      ...base,
      state: 'modified',
      ...(manifest && { changes: diffEntries(manifest, scan.entries) }),
    };
  }
  const cached = manifest !== undefined && manifest.every((e) => cache.has(e.hash));
  if (!cached) return { ...base, state: 'uncached' };
  return { ...base, state: scan ? 'ok' : 'missing' };
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

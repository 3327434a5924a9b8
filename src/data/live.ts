/**
 * Which cache objects are alive: referenced by a pointer file or mlo.lock in the
 * workspace (or, optionally, in any git commit), or by the store's object_refs
 * (models, artifacts, baselines, run cache). Directory manifests keep their files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import type { Repo } from '../repo/index.js';
import { listReferencedHashes } from '../store/index.js';
import { HASH_RE } from './hash.js';
import { POINTER_EXT } from './pointer.js';
import { loadPointers } from './pointers.js';
import type { ObjectCache } from './cache.js';

export const LOCK_FILE = 'mlo.lock';

export interface LiveSet {
  hashes: Set<string>;
  /** directory manifests referenced but absent: their files cannot be known */
  unknownManifests: string[];
}

/** Every {hash, type?} object found anywhere in a parsed YAML document (mlo.lock, pointers). */
export function collectHashRefs(
  doc: unknown,
  out: { hash: string; dir: boolean }[] = [],
): { hash: string; dir: boolean }[] {
  if (Array.isArray(doc)) {
    for (const x of doc) collectHashRefs(x, out);
  } else if (doc !== null && typeof doc === 'object') {
    const o = doc as Record<string, unknown>;
    if (typeof o.hash === 'string' && HASH_RE.test(o.hash))
      out.push({ hash: o.hash, dir: o.type === 'dir' });
    for (const v of Object.values(o)) if (typeof v === 'object') collectHashRefs(v, out);
  }
  return out;
}

const MANIFEST_PREFIX = Buffer.from('{"kind":"mlo-dir"');

function isManifest(cache: ObjectCache, hash: string): boolean {
  try {
    const head = cache.read(hash).subarray(0, MANIFEST_PREFIX.length);
    return head.equals(MANIFEST_PREFIX);
  } catch {
    return false;
  }
}

export function collectLive(
  repo: Repo,
  cache: ObjectCache,
  options: { allCommits?: boolean } = {},
): LiveSet {
  const live: LiveSet = { hashes: new Set(), unknownManifests: [] };
  const dirs = new Set<string>();
  const addRef = (r: { hash: string; dir: boolean }): void => {
    live.hashes.add(r.hash);
    if (r.dir) dirs.add(r.hash);
  };
  for (const p of loadPointers(repo)) addRef({ hash: p.hash, dir: p.type === 'dir' });
  const lockPath = join(repo.root, LOCK_FILE);
  if (existsSync(lockPath)) collectHashRefs(parse(readFileSync(lockPath, 'utf8'))).forEach(addRef);
  for (const h of listReferencedHashes(repo.store)) {
    live.hashes.add(h);
    if (isManifest(cache, h)) dirs.add(h);
  }
  if (options.allCommits && repo.gitRoot) {
    for (const text of historicFiles(repo.gitRoot)) {
      try {
        collectHashRefs(parse(text)).forEach(addRef);
      } catch {
        // an unparsable historic file protects nothing, but must not stop gc
      }
    }
  }
  for (const d of dirs) {
    if (!cache.has(d)) {
      live.unknownManifests.push(d);
      continue;
    }
    for (const e of cache.readManifest(d)) live.hashes.add(e.hash);
  }
  return live;
}

/** The text of every pointer file and mlo.lock in every commit reachable from any ref. */
function historicFiles(gitRoot: string): string[] {
  const git = (args: string[], input?: string): string => {
    const res = spawnSync('git', args, {
      cwd: gitRoot,
      encoding: 'utf8',
      input,
      maxBuffer: 1 << 30,
    });
    return res.status === 0 ? res.stdout : '';
  };
  const commits = git(['rev-list', '--all']).split('\n').filter(Boolean);
  const blobs = new Set<string>();
  for (const c of commits) {
    for (const line of git(['ls-tree', '-r', '-z', '--full-tree', c]).split('\0')) {
      const tab = line.indexOf('\t');
      if (tab < 0) continue;
      const path = line.slice(tab + 1);
      if (path.endsWith(POINTER_EXT) || path === LOCK_FILE || path.endsWith(`/${LOCK_FILE}`)) {
        const [, type, oid] = line.slice(0, tab).split(' ');
        if (type === 'blob' && oid) blobs.add(oid);
      }
    }
  }
  if (blobs.size === 0) return [];
  const out = git(['cat-file', '--batch'], [...blobs].join('\n') + '\n');
  // Output: "<oid> blob <size>\n<content>\n" per object.
  const texts: string[] = [];
  const buf = Buffer.from(out);
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) break;
    const size = Number(buf.toString('utf8', pos, nl).split(' ')[2]);
    if (!Number.isFinite(size)) break;
    texts.push(buf.toString('utf8', nl + 1, nl + 1 + size));
    pos = nl + 1 + size + 1;
  }
  return texts;
}

/**
 * A cache seal: a short proof that a set of objects, all seen present, is still
 * present, checked with a few stat() calls instead of one lookup per object.
 *
 * Objects leave the cache only by unlinking a loose object (its fan-out folder's
 * ctime changes) or by replacing or removing a pack (the pack file's inode, size or
 * ctime changes). A seal lists the packs and fan-out folders that held the objects,
 * with those three numbers; while all of them still match, nothing was removed.
 * Like the per-object check it replaces, it proves presence, not integrity (fsck).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { ObjectCache } from './cache.js';
import { UNSETTLED_MS } from './workspace.js';

interface SealDoc {
  v: 1;
  /** [name relative to the cache, ino, size, ctimeMs] */
  at: [string, number, number, number][];
}

/**
 * The seal for `hashes`, or undefined when one of them is missing or a place that
 * holds them changed too recently to trust its ctime. The places are stat'ed first
 * and the objects looked up afterwards, so a removal racing this call either shows
 * in the lookup or changes a recorded ctime.
 */
export function sealFor(cache: ObjectCache, hashes: readonly string[]): string | undefined {
  cache.refresh();
  const places = new Set<string>();
  for (const p of cache.packs.list) places.add(`packs/${p.name}.idx`).add(`packs/${p.name}.pack`);
  const packed = cache.packs.list.length ? cache.packs.hashSet() : undefined;
  for (const h of hashes) if (!packed?.has(h)) places.add(h.slice(0, 2));
  const doc: SealDoc = { v: 1, at: [] };
  const settled = Date.now() - UNSETTLED_MS;
  for (const rel of [...places].sort()) {
    const st = statSync(join(cache.dir, rel), { throwIfNoEntry: false });
    if (!st || st.ctimeMs > settled) return undefined;
    doc.at.push([rel, st.ino, st.size, st.ctimeMs]);
  }
  cache.refresh();
  const now = cache.packs.list.length ? cache.packs.hashSet() : undefined;
  for (const h of hashes) {
    if (now?.has(h) ? !packed?.has(h) : !places.has(h.slice(0, 2)) || !cache.hasLoose(h))
      return undefined;
  }
  return JSON.stringify(doc);
}

/** Whether nothing a seal covers has changed since it was made. */
export function sealHolds(cache: ObjectCache, seal: string): boolean {
  let doc: SealDoc;
  try {
    doc = JSON.parse(seal) as SealDoc;
  } catch {
    return false;
  }
  if (doc.v !== 1 || !Array.isArray(doc.at)) return false;
  return doc.at.every(([rel, ino, size, ctimeMs]) => {
    const st = statSync(join(cache.dir, rel), { throwIfNoEntry: false });
    return st !== undefined && st.ino === ino && st.size === size && st.ctimeMs === ctimeMs;
  });
}

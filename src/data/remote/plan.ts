/**
 * From references to objects: which objects a set of references needs (directory
 * manifests bring the files they list), which of them the cache holds, and in what
 * order they may travel. Bulk checks throughout: a push of an unchanged repository
 * of 100,000 objects must not cost 100,000 system calls.
 */
import { MloError } from '../../errors.js';
import type { ObjectCache } from '../cache.js';
import { sha256 } from '../hash.js';
import { decodeManifest, type ManifestEntry } from '../manifest.js';
import type { Remote } from './types.js';
import type { WantedObject } from './engine.js';

/** What a reference says about an object (a subset of data/references.ts's Reference). */
export interface ObjectRef {
  hash: string;
  /** a directory manifest: the files it lists are needed too */
  dir: boolean;
  size?: number;
  /** who refers to it, for messages */
  where: string;
  /** false: not expected in the cache (an mlo.lock dependency); not moved */
  cached?: boolean;
}

export interface NeededObject extends WantedObject {
  /** who refers to it (for a file of a directory: the directory's reference) */
  where: string;
  /** for a file of a directory: its path below the directory */
  path?: string;
  /** a directory manifest */
  manifest: boolean;
}

/** Where an object is needed, for messages (built only when one is printed). */
export function describeNeed(o: NeededObject): string {
  return o.path === undefined ? o.where : `${o.where}/${o.path}`;
}

export interface Needs {
  /** every object, manifests included, by hash */
  objects: Map<string, NeededObject>;
  /** manifests referenced but readable neither locally nor from the remote */
  unknownManifests: NeededObject[];
}

/** Above this many, presence is answered from listings, not a check per object. */
const BULK_FROM = 2048;

/** The hashes of `hashes` the cache holds (packed or loose). */
export function presentInCache(cache: ObjectCache, hashes: readonly string[]): Set<string> {
  const present = new Set<string>();
  if (hashes.length > BULK_FROM) {
    const packed = cache.packs.list.length ? cache.packs.hashSet() : new Set<string>();
    const loose = cache.looseSet();
    for (const h of hashes) if (packed.has(h) || loose.has(h)) present.add(h);
    return present;
  }
  for (const h of hashes) if (cache.has(h)) present.add(h);
  return present;
}

/**
 * The objects `refs` need. A manifest the cache lacks is read from `remote` when
 * one is given (into memory; verified), so a remote's status or gc knows the files
 * of a directory this clone never fetched. `within` limits a directory to the
 * entries under one sub-path (pull of part of a tracked directory).
 */
export async function neededObjects(
  cache: ObjectCache,
  refs: readonly ObjectRef[],
  options: {
    remote?: Remote;
    within?: (ref: ObjectRef, entry: ManifestEntry) => boolean;
  } = {},
): Promise<Needs> {
  const objects = new Map<string, NeededObject>();
  const unknownManifests: NeededObject[] = [];
  const manifests: [ObjectRef, NeededObject][] = [];
  for (const r of refs) {
    if (r.cached === false) continue;
    const known = objects.get(r.hash);
    if (known) {
      if (known.size === undefined && r.size !== undefined && !r.dir) known.size = r.size;
      continue;
    }
    const o: NeededObject = {
      hash: r.hash,
      size: r.dir ? undefined : r.size,
      where: r.where,
      manifest: r.dir,
    };
    objects.set(r.hash, o);
    if (r.dir) manifests.push([r, o]);
  }
  for (const [r, m] of manifests) {
    const entries = await readManifestFrom(cache, m.hash, options.remote);
    if (!entries) {
      unknownManifests.push(m);
      continue;
    }
    for (const e of entries) {
      if (options.within && !options.within(r, e)) continue;
      if (!objects.has(e.hash))
        objects.set(e.hash, {
          hash: e.hash,
          size: e.size,
          where: r.where,
          path: e.path,
          manifest: false,
        });
    }
  }
  return { objects, unknownManifests };
}

/** A manifest's entries from the cache, else from the remote; undefined when neither has it. */
export async function readManifestFrom(
  cache: ObjectCache,
  hash: string,
  remote: Remote | undefined,
): Promise<ManifestEntry[] | undefined> {
  if (cache.has(hash)) return cache.readManifest(hash);
  if (!remote) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = await remote.read(hash);
  } catch (err) {
    if (err instanceof MloError && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
  if (sha256(bytes) !== hash) {
    throw new MloError(
      'INVALID',
      `remote "${remote.name}" holds a corrupt copy of manifest ${hash}`,
    );
  }
  return decodeManifest(Buffer.from(bytes), hash);
}

/** Files before the manifests that list them: a remote never holds a manifest without its files. */
export function pushWaves(objects: Iterable<NeededObject>): NeededObject[][] {
  const files: NeededObject[] = [];
  const manifests: NeededObject[] = [];
  for (const o of objects) (o.manifest ? manifests : files).push(o);
  return [files, manifests];
}

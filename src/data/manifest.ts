/**
 * Directory manifests: the sorted list of (relative path, hash, size) of a tracked
 * directory, stored as a cache object whose hash identifies the directory. The
 * encoding is canonical (sorted by path, fixed JSON layout) so equal trees hash equal.
 */
import { MloError } from '../errors.js';
import { sha256 } from './hash.js';

export interface ManifestEntry {
  /** path below the tracked directory, forward slashes */
  path: string;
  hash: string;
  size: number;
}

interface ManifestDoc {
  kind: 'mlo-dir';
  version: 1;
  entries: [string, string, number][];
}

const byPath = (a: ManifestEntry, b: ManifestEntry): number =>
  a.path < b.path ? -1 : a.path > b.path ? 1 : 0;

export function encodeManifest(entries: ManifestEntry[]): { bytes: Buffer; hash: string } {
  const sorted = [...entries].sort(byPath);
  const doc: ManifestDoc = {
    kind: 'mlo-dir',
    version: 1,
    entries: sorted.map((e) => [e.path, e.hash, e.size]),
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  return { bytes, hash: sha256(bytes) };
}

export function decodeManifest(bytes: Buffer, hash: string): ManifestEntry[] {
  let doc: ManifestDoc;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as ManifestDoc;
  } catch {
    throw new MloError('INVALID', `directory manifest ${hash} is corrupt`, {
      hint: 'run `mlo fsck`',
    });
  }
  if (doc?.kind !== 'mlo-dir' || !Array.isArray(doc.entries)) {
    throw new MloError('INVALID', `object ${hash} is not a directory manifest`);
  }
  return doc.entries.map(([path, h, size]) => {
    // Shape checks only (a regex per entry costs more than parsing 100k entries);
    // fsck proves the hashes.
    if (
      typeof path !== 'string' ||
      typeof h !== 'string' ||
      h.length !== 64 ||
      typeof size !== 'number'
    ) {
      throw new MloError('INVALID', `directory manifest ${hash} has a malformed entry`);
    }
    return { path, hash: h, size };
  });
}

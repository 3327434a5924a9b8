/**
 * The stat index of a tracked directory, after git's index: the manifest of the last
 * add, checkout or status, the inode, mtime and size of each of its files, their
 * names, the folders' stamps and the cache seal, in one file read in one go
 * (.mlo/stat/<key>). A no-change `mlo status` reads only this file and stats the
 * files: it opens no database. It used to be a row of the SQLite store, whose 4 MB of
 * blobs for 100,000 files cost more to read than the file, and which made status
 * load the SQLite module.
 *
 * It is a cache. A missing, foreign or damaged file (the checksum covers every byte
 * after it) reads as absent, and status takes the full path and writes it again. A
 * stale one is still true of itself: it names a manifest together with the stamps its
 * files had, so status trusts it only when the files still have those stamps. Writes go
 * through a temp file and a rename, so a reader sees one whole version; they are not
 * fsynced, since losing one costs a re-scan, not data.
 *
 * Layout: "MLOSTAT1", crc32 of the rest (u32 LE), header length (u32 LE), the header
 * (JSON), padding to 8, the NUL-joined names, padding to 8, stamps (float64 LE: ino,
 * mtimeMs per file), sizes (float64 LE per file).
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Repo } from '../repo/index.js';
import { writeFileAtomic } from '../util/atomic.js';

export interface DirState {
  /** manifest hash of the directory when stamped */
  manifest: string;
  /** (ino, mtimeMs) per manifest entry, in manifest order */
  stamps: Float64Array;
  /** manifest entry paths joined by NUL (with sizes: the no-change fast path's index) */
  listing?: Buffer;
  /** size per manifest entry */
  sizes?: Float64Array;
  /** JSON of the folders' stamps (DirStamp[]) when all were settled */
  dirs?: string;
  /** cache-seal.ts: every object of `manifest` was present */
  seal?: string;
}

interface Header {
  path: string;
  manifest: string;
  files: number;
  listingBytes: number;
  dirs?: string;
  seal?: string;
}

const MAGIC = Buffer.from('MLOSTAT1');
const FIXED = MAGIC.length + 8;
/** Far more than any header: a longer length is damage, not a header. */
const MAX_HEADER = 1 << 20;

const align8 = (n: number) => (n + 7) & ~7;

/** The file for tracked directory `rel`: named by a hash, so no name reaches the path. */
export function statIndexPath(repo: Repo, rel: string): string {
  return join(repo.dotDir, 'stat', createHash('sha256').update(rel).digest('hex').slice(0, 32));
}

export function readStatIndex(repo: Repo, rel: string): DirState | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(statIndexPath(repo, rel));
  } catch {
    return undefined;
  }
  return decodeStatIndex(buf, rel);
}

/** The state in `buf` if it is a whole index of `rel`, else undefined. */
export function decodeStatIndex(buf: Buffer, rel: string): DirState | undefined {
  if (buf.length < FIXED || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  if (buf.readUInt32LE(MAGIC.length) !== crc32(buf.subarray(MAGIC.length + 4))) return undefined;
  const headerBytes = buf.readUInt32LE(MAGIC.length + 4);
  if (headerBytes > MAX_HEADER || FIXED + headerBytes > buf.length) return undefined;
  let h: Header;
  try {
    h = JSON.parse(buf.toString('utf8', FIXED, FIXED + headerBytes)) as Header;
  } catch {
    return undefined;
  }
  if (!validHeader(h) || h.path !== rel) return undefined;
  const listingAt = align8(FIXED + headerBytes);
  const stampsAt = align8(listingAt + h.listingBytes);
  const sizesAt = stampsAt + 16 * h.files;
  if (sizesAt + 8 * h.files !== buf.length) return undefined;
  return {
    manifest: h.manifest,
    stamps: float64s(buf, stampsAt, 2 * h.files),
    listing: buf.subarray(listingAt, listingAt + h.listingBytes),
    sizes: float64s(buf, sizesAt, h.files),
    ...(h.dirs !== undefined && { dirs: h.dirs }),
    ...(h.seal !== undefined && { seal: h.seal }),
  };
}

function validHeader(h: unknown): h is Header {
  if (typeof h !== 'object' || h === null) return false;
  const x = h as Record<string, unknown>;
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  return (
    typeof x.path === 'string' &&
    typeof x.manifest === 'string' &&
    count(x.files) &&
    count(x.listingBytes) &&
    (x.dirs === undefined || typeof x.dirs === 'string') &&
    (x.seal === undefined || typeof x.seal === 'string')
  );
}

/** A Float64Array over buf[at…] without a copy where the memory is 8-byte aligned. */
function float64s(buf: Buffer, at: number, count: number): Float64Array {
  const offset = buf.byteOffset + at;
  if (offset % 8 === 0) return new Float64Array(buf.buffer, offset, count);
  const out = new Float64Array(count);
  new Uint8Array(out.buffer).set(buf.subarray(at, at + 8 * count));
  return out;
}

/** The bytes of an index of `rel`; listing and sizes absent count as none. */
export function encodeStatIndex(rel: string, state: DirState): Buffer {
  const files = state.stamps.length / 2;
  const listing = state.listing ?? Buffer.alloc(0);
  const sizes = state.sizes ?? new Float64Array(files);
  if (!Number.isInteger(files) || sizes.length !== files)
    throw new Error(
      `stat index of ${rel}: ${state.stamps.length} stamps for ${sizes.length} sizes`,
    );
  const header: Header = {
    path: rel,
    manifest: state.manifest,
    files,
    listingBytes: listing.length,
    ...(state.dirs !== undefined && { dirs: state.dirs }),
    ...(state.seal !== undefined && { seal: state.seal }),
  };
  const headerBuf = Buffer.from(JSON.stringify(header));
  const listingAt = align8(FIXED + headerBuf.length);
  const stampsAt = align8(listingAt + listing.length);
  const sizesAt = stampsAt + 16 * files;
  const out = Buffer.alloc(sizesAt + 8 * files);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(headerBuf.length, MAGIC.length + 4);
  headerBuf.copy(out, FIXED);
  listing.copy(out, listingAt);
  out.set(new Uint8Array(state.stamps.buffer, state.stamps.byteOffset, 16 * files), stampsAt);
  out.set(new Uint8Array(sizes.buffer, sizes.byteOffset, 8 * files), sizesAt);
  out.writeUInt32LE(crc32(out.subarray(MAGIC.length + 4)), MAGIC.length);
  return out;
}

export function writeStatIndex(repo: Repo, rel: string, state: DirState): void {
  const dir = join(repo.dotDir, 'stat');
  mkdirSync(dir, { recursive: true });
  // A link committed in its place would take the write out of the repository; the
  // index is only a cache, so it is not written at all then.
  if (!lstatSync(dir).isDirectory()) return;
  mkdirSync(repo.tmpDir, { recursive: true });
  const target = statIndexPath(repo, rel);
  writeFileAtomic(target, encodeStatIndex(rel, state), { tmpDir: repo.tmpDir, fsync: false });
}

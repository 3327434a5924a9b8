/**
 * A small gzip'd tar writer and a strict reader, for model bundles.
 *
 * The writer makes reproducible ustar archives of regular files (sorted names, mode
 * 0644, owner 0, time 0), so the same bundle gives the same bytes.
 *
 * The reader takes archives from anywhere (a bundle is often downloaded), so it trusts
 * nothing in them. It extracts into a directory it creates itself and:
 * - accepts only regular files and directories: symbolic links, hard links, devices
 *   and FIFOs are refused, so nothing can point outside the target;
 * - refuses absolute names, `..` components, backslashes and NUL bytes, and a name
 *   given twice (a second entry would replace a file already checked);
 * - caps the number of entries and the bytes written (a gzip bomb stops at the cap);
 * - creates every file with O_EXCL and mode 0644 (no set-uid bits, no owner from
 *   the archive).
 * Pax (`x`) and GNU long-name (`L`) headers are read for their path and size only,
 * so a directory tarred by GNU or BSD tar is accepted too.
 */
import { once } from 'node:events';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { MloError } from '../errors.js';

const BLOCK = 512;

export interface TarFile {
  /** archive path, forward slashes, no leading "./" */
  name: string;
  /** absolute path of the file to store */
  path: string;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, type: '0' | '5'): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    // ustar splits long names at a slash: prefix (155) / name (100)
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) {
      throw new MloError('USAGE', `cannot store "${name}" in a tar archive: the name is too long`);
    }
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 100, 'utf8');
  h.write(octal(type === '5' ? 0o755 : 0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

/**
 * Write `files` as a gzip'd tar archive to `dest` (which the caller has checked and
 * will rename into place). Files are read one at a time.
 */
export async function writeTarGz(dest: string, files: readonly TarFile[]): Promise<void> {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const gzip = createGzip({ level: 9 });
  const out = createWriteStream(dest, { flags: 'wx', mode: 0o644 });
  const done = pipeline(gzip, out);
  const put = async (chunk: Buffer): Promise<void> => {
    if (!gzip.write(chunk)) await once(gzip, 'drain');
  };
  for (const f of sorted) {
    const bytes = readFileSync(f.path);
    await put(header(f.name, bytes.length, '0'));
    await put(bytes);
    const pad = (BLOCK - (bytes.length % BLOCK)) % BLOCK;
    if (pad > 0) await put(Buffer.alloc(pad));
  }
  gzip.end(Buffer.alloc(BLOCK * 2));
  await done;
}

export interface ExtractLimits {
  /** most bytes of file content written (default 4 GiB) */
  maxBytes?: number;
  /** most entries (default 10,000) */
  maxEntries?: number;
}

export interface ExtractResult {
  /** regular files written, archive paths */
  files: string[];
  bytes: number;
}

const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;
const DEFAULT_MAX_ENTRIES = 10_000;

/** Why an archive is refused, naming the archive and, where there is one, the entry. */
function refused(archive: string, what: string): MloError {
  return new MloError('INVALID', `${archive}: ${what}`, {
    hint: 'a bundle archive holds only regular files under relative paths; re-create it with `mlo model export REF --bundle FILE.tar.gz`',
  });
}

const UNSUPPORTED_TYPES: Record<string, string> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a FIFO',
  '7': 'a contiguous file',
  K: 'a GNU long link name',
  S: 'a sparse file',
  V: 'a volume header',
};

/** A relative archive path made safe to join under a directory, or why it cannot be. */
export function safeEntryPath(raw: string): string | { problem: string } {
  if (raw.includes('\0')) return { problem: 'a NUL byte in the name' };
  if (raw.includes('\\')) return { problem: 'a backslash in the name' };
  if (raw.startsWith('/')) return { problem: 'an absolute path' };
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return { problem: 'a ".." component' };
    parts.push(part);
  }
  if (parts.length === 0) return { problem: 'an empty name' };
  return parts.join('/');
}

function readString(buf: Buffer, at: number, len: number): string {
  const slice = buf.subarray(at, at + len);
  const end = slice.indexOf(0);
  return slice.subarray(0, end < 0 ? len : end).toString('utf8');
}

function readOctal(buf: Buffer, at: number, len: number): number {
  if (buf[at] & 0x80) return NaN; // base-256 sizes: past any cap here
  const text = readString(buf, at, len).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function checksumOk(h: Buffer): boolean {
  const stored = readOctal(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return stored === sum;
}

/** `path` and `size` from pax extended header records (`LEN key=value\n`). */
function parsePax(data: Buffer): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number(data.subarray(at, space).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0 || at + len > data.length) break;
    const record = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) {
      const key = record.slice(0, eq);
      const value = record.slice(eq + 1);
      if (key === 'path') out.path = value;
      if (key === 'size') out.size = Number(value);
    }
    at += len;
  }
  return out;
}

type State =
  | { kind: 'header' }
  | { kind: 'file'; fd: number; left: number; pad: number }
  | { kind: 'meta'; type: string; data: Buffer[]; left: number; pad: number }
  | { kind: 'skip'; left: number }
  | { kind: 'end' };

/**
 * Extract the gzip'd tar archive at `archive` into `dest`, a directory that must not
 * exist yet (it is created; its parent must exist). On any refusal the error names
 * the entry; the caller removes `dest`.
 */
export async function extractTarGz(
  archive: string,
  dest: string,
  limits: ExtractLimits = {},
): Promise<ExtractResult> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxEntries = limits.maxEntries ?? DEFAULT_MAX_ENTRIES;
  mkdirSync(dest, { mode: 0o755 });
  const seen = new Set<string>();
  const dirs = new Set<string>();
  const files: string[] = [];
  let written = 0;
  let entries = 0;
  let state = { kind: 'header' } as State;
  let pending: { path?: string; size?: number } = {};
  let zeroBlocks = 0;
  let carry = Buffer.alloc(0);

  const ensureDir = (rel: string): void => {
    if (dirs.has(rel)) return;
    if (seen.has(rel)) throw refused(archive, `"${rel}" is both a file and a directory`);
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    if (parent) ensureDir(parent);
    mkdirSync(join(dest, rel), { mode: 0o755 });
    dirs.add(rel);
  };

  const onHeader = (h: Buffer): void => {
    if (h.every((b) => b === 0)) {
      if (++zeroBlocks === 2) state = { kind: 'end' };
      return;
    }
    zeroBlocks = 0;
    if (!checksumOk(h)) throw refused(archive, 'not a tar archive (a header checksum is wrong)');
    if (++entries > maxEntries) throw refused(archive, `more than ${maxEntries} entries`);
    const type = String.fromCharCode(h[156] || 0x30);
    const size = pending.size ?? readOctal(h, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0)
      throw refused(archive, 'an entry has an unreadable size');
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === 'x' || type === 'L' || type === 'g') {
      if (size > 1 << 20) throw refused(archive, 'an extended header is over 1 MiB');
      state = { kind: 'meta', type, data: [], left: size, pad };
      if (size === 0) finishMeta();
      return;
    }
    const prefix = readString(h, 345, 155);
    const base = readString(h, 0, 100);
    const rawName = pending.path ?? (prefix ? `${prefix}/${base}` : base);
    pending = {};
    const what = UNSUPPORTED_TYPES[type];
    if (what !== undefined) throw refused(archive, `"${rawName}" is ${what}`);
    if (type !== '0' && type !== '5') {
      throw refused(archive, `"${rawName}" has the unknown entry type "${type}"`);
    }
    const name = safeEntryPath(rawName);
    if (typeof name !== 'string') {
      // "./", the archive's own root (GNU tar writes it): nothing to create
      if (type === '5' && name.problem === 'an empty name' && !rawName.startsWith('/')) {
        state = size > 0 ? { kind: 'skip', left: size + pad } : { kind: 'header' };
        return;
      }
      throw refused(archive, `"${rawName}" has ${name.problem}`);
    }
    if (type === '5') {
      ensureDir(name);
      state = size > 0 ? { kind: 'skip', left: size + pad } : { kind: 'header' };
      return;
    }
    if (seen.has(name) || dirs.has(name)) throw refused(archive, `"${name}" appears twice`);
    if (written + size > maxBytes) {
      throw refused(archive, `its files are larger than the limit of ${maxBytes} bytes`);
    }
    const parent = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '';
    if (parent) ensureDir(parent);
    seen.add(name);
    files.push(name);
    const fd = openSync(join(dest, name), 'wx', 0o644);
    written += size;
    state = { kind: 'file', fd, left: size, pad };
    if (size === 0) finishFile();
  };

  const finishFile = (): void => {
    if (state.kind !== 'file') return;
    closeSync(state.fd);
    state = state.pad > 0 ? { kind: 'skip', left: state.pad } : { kind: 'header' };
  };

  const finishMeta = (): void => {
    if (state.kind !== 'meta') return;
    const data = Buffer.concat(state.data);
    if (state.type === 'x') pending = { ...pending, ...parsePax(data) };
    if (state.type === 'L') pending = { ...pending, path: readString(data, 0, data.length) };
    state = state.pad > 0 ? { kind: 'skip', left: state.pad } : { kind: 'header' };
  };

  const consume = (chunk: Buffer): void => {
    let buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    carry = Buffer.alloc(0);
    let at = 0;
    while (at < buf.length && state.kind !== 'end') {
      if (state.kind === 'header') {
        if (buf.length - at < BLOCK) break;
        onHeader(buf.subarray(at, at + BLOCK));
        at += BLOCK;
      } else if (state.kind === 'file') {
        const n = Math.min(state.left, buf.length - at);
        let off = 0;
        while (off < n) off += writeSync(state.fd, buf, at + off, n - off);
        state.left -= n;
        at += n;
        if (state.left === 0) finishFile();
      } else if (state.kind === 'meta') {
        const n = Math.min(state.left, buf.length - at);
        state.data.push(Buffer.from(buf.subarray(at, at + n)));
        state.left -= n;
        at += n;
        if (state.left === 0) finishMeta();
      } else {
        const n = Math.min(state.left, buf.length - at);
        state.left -= n;
        at += n;
        if (state.left === 0) state = { kind: 'header' };
      }
    }
    if (at < buf.length && state.kind === 'header') carry = Buffer.from(buf.subarray(at));
    buf = Buffer.alloc(0);
  };

  const input = createReadStream(archive);
  const gunzip = createGunzip();
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  let inflated = 0;
  // the tar stream itself may not be much larger than the files it carries
  const maxInflated = maxBytes + (maxEntries + 2) * 3 * BLOCK + (1 << 20);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      inflated += chunk.length;
      if (inflated > maxInflated) {
        throw refused(archive, `it unpacks to more than the limit of ${maxBytes} bytes`);
      }
      if (state.kind !== 'end') consume(chunk);
    }
  } catch (err) {
    if (state.kind === 'file') closeSync(state.fd);
    if (err instanceof MloError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MloError('NOT_FOUND', `${archive}: no such file`);
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') {
      throw refused(archive, 'not a gzip file, or it is cut short');
    }
    throw err;
  } finally {
    input.destroy();
    gunzip.destroy();
  }
  if (state.kind !== 'end' && !(state.kind === 'header' && zeroBlocks > 0)) {
    if (state.kind === 'file') closeSync(state.fd);
    throw refused(archive, 'the archive is cut short');
  }
  return { files, bytes: written };
}

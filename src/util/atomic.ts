/**
 * Atomic file writes: write a temp file in the target's directory, fsync it, rename
 * it over the target. A killed process leaves the old file or the new one, never a
 * mix; the temp name never collides with another writer's.
 *
 * Every temp name carries its owner's tag (pid, start time, host: util/owner.ts), so
 * the next command can tell the temps of a killed command from those of a running
 * one and remove the dead ones at once (`sweepDeadTemps`), without waiting.
 */
import {
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { environmentError, writingTo } from './fs.js';
import { ownerState, ownerTag } from './owner.js';

/** Room for the owner tag and suffix within a file system's 255-byte name limit. */
const MAX_STEM = 96;

/** A temp path beside `target` (or in `dir`), unique to this process and call. */
export function tempPathFor(target: string, dir = dirname(target)): string {
  const stem = basename(target).slice(0, MAX_STEM);
  return join(dir, `.${stem}.${ownerTag()}.${randomBytes(4).toString('hex')}.tmp`);
}

/** A temp name for packs and other files that are not named after a target. */
export function ownedTempName(prefix: string, ext: string): string {
  return `.${prefix}-${ownerTag()}-${randomBytes(6).toString('hex')}${ext}`;
}

const OWNED_TEMP = /^\..*[.-](\d+-[0-9a-z]+-[0-9a-f]{8})[.-][0-9a-f]{8,12}\.(?:tmp|pack)$/;
const LEGACY_TEMP = /^\..*\.(?:tmp|pack)$/;

/** The owner tag in a temp file's name, if it has one. */
export function tempOwnerOf(name: string): string | undefined {
  return OWNED_TEMP.exec(name)?.[1];
}

export interface SweepOptions {
  /**
   * Temps whose owner cannot be checked (another machine's, or named before temps
   * carried an owner) are removed once they are older than this.
   */
  graceMs?: number;
}

/**
 * Remove the temp files (and temp directories) in `dir` whose owner is dead. Temps
 * of running processes are never touched. Returns how many were removed.
 */
export function sweepDeadTemps(dir: string, options: SweepOptions = {}): number {
  const grace = options.graceMs ?? 60 * 60 * 1000;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  const states = new Map<string, ReturnType<typeof ownerState>>();
  for (const name of names) {
    if (!LEGACY_TEMP.test(name)) continue;
    const owner = tempOwnerOf(name);
    let state = owner === undefined ? 'unknown' : states.get(owner);
    if (state === undefined) {
      state = ownerState(owner!);
      states.set(owner!, state);
    }
    if (state === 'alive') continue;
    const path = join(dir, name);
    try {
      if (state === 'unknown' && Date.now() - lstatSync(path).mtimeMs < grace) continue;
      rmSync(path, { recursive: true, force: true });
      removed++;
    } catch {
      // raced with another sweeper: fine
    }
  }
  return removed;
}

export interface AtomicWriteOptions {
  /** fsync before the rename (default true). */
  fsync?: boolean;
  mode?: number;
  /**
   * Where the temp file goes (default: beside the target). mlo passes .mlo/tmp so a
   * killed process leaves no stray temp file in the user's workspace; when that
   * directory is on another file system the write falls back to beside the target.
   */
  tmpDir?: string;
}

export function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  const tmp = tempPathFor(target, options.tmpDir);
  const fd = writingTo(target, () => openSync(tmp, 'wx', options.mode ?? 0o666));
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (options.fsync !== false) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw environmentError(err, target) ?? err;
  }
  closeSync(fd);
  renameIntoPlace(tmp, target, () =>
    writeFileAtomic(target, data, { ...options, tmpDir: undefined }),
  );
}

/**
 * rename(2) a finished temp file over its target. When they sit on different file
 * systems (EXDEV), remove the temp and run `fallback` instead.
 */
export function renameIntoPlace(tmp: string, target: string, fallback?: () => void): void {
  try {
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    if (fallback && (err as NodeJS.ErrnoException).code === 'EXDEV') fallback();
    else throw err;
  }
}

/**
 * Flush every dirty page of the file system holding `path` with one syncfs(2), via
 * coreutils `sync -f`. For a batch of many small files this replaces thousands of
 * fsync calls (each a journal commit) with one; callers write temp files, call this,
 * then rename. Falls back to the caller's per-file fsync when `sync -f` is absent.
 */
export function syncFileSystem(path: string): boolean {
  const res = spawnSync('sync', ['-f', path], { stdio: 'ignore' });
  return res.status === 0;
}

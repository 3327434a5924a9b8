/**
 * Atomic file writes: write a temp file in the target's directory, fsync it, rename
 * it over the target. A killed process leaves the old file or the new one, never a
 * mix; the temp name never collides with another writer's.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';

/** A temp path beside `target`, unique to this process and call. */
export function tempPathFor(target: string, dir = dirname(target)): string {
  return join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
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
  const fd = openSync(tmp, 'wx', options.mode ?? 0o666);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (options.fsync !== false) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
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

/**
 * The one-pass read of a first directory add (data/store-files.ts without sizes):
 * each listed name is opened, fstat'd through its descriptor and read. Whatever took
 * a listed file's name by then (a link, a folder, a FIFO, nothing) must not be read
 * or waited on, and what is stored must be exactly what was read, with a stamp that
 * does not claim more than it saw.
 */
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initRepo, openRepo, type Repo } from '../../../src/repo/index.js';
import { add, cacheOf, readPointer } from '../../../src/data/index.js';
import { ObjectBatch } from '../../../src/data/batch.js';
import { ObjectCache } from '../../../src/data/cache.js';
import { scanDirectory } from '../../../src/data/scan.js';
import { statIndexPath } from '../../../src/data/stat-index.js';
import {
  FileState,
  hashFilesIntoCache,
  storeSmallFiles,
  WHOLE_READ_LIMIT,
} from '../../../src/data/store-files.js';
import { readToEnd } from '../../../src/data/workspace.js';

const dirs: string[] = [];
const opened: Repo[] = [];
afterEach(() => {
  for (const r of opened.splice(0)) r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mlo-store-files-'));
  dirs.push(d);
  return d;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function storeWithoutSizes(dir: string, names: string[]) {
  const root = tempDir();
  const cache = new ObjectCache(join(root, 'cache'), join(root, 'tmp'));
  const batch = new ObjectBatch(cache, { allowPack: true, durable: false });
  const stored = storeSmallFiles(
    {
      dir,
      names,
      cacheDir: cache.dir,
      tmpDir: cache.ensureTmp(),
      allowPack: true,
      durable: false,
    },
    batch,
  );
  batch.finish();
  return { stored, cache };
}

describe('storing listed files without a stat pass', () => {
  it('reads regular files only: a link, a folder, a FIFO and a vanished name are not read', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.txt'), 'plain');
    writeFileSync(join(dir, 'big.bin'), randomBytes(WHOLE_READ_LIMIT + 1));
    const secret = join(tempDir(), 'secret');
    writeFileSync(secret, 'outside the tracked folder');
    symlinkSync(secret, join(dir, 'link'));
    mkdirSync(join(dir, 'folder'));
    spawnSync('mkfifo', [join(dir, 'fifo')]);
    const names = ['a.txt', 'big.bin', 'fifo', 'folder', 'gone', 'link'];
    // A FIFO opened without O_NONBLOCK would wait here for a writer forever.
    const { stored, cache } = storeWithoutSizes(dir, names);
    const state = Object.fromEntries(names.map((n, i) => [n, stored.state![i]]));
    expect(state).toEqual({
      'a.txt': FileState.STORED,
      'big.bin': FileState.LEFT, // streamed by the caller
      fifo: FileState.GONE, // (absent where mkfifo is missing)
      folder: FileState.GONE,
      gone: FileState.GONE,
      link: FileState.LEFT, // the caller decides what a link is; it is never read here
    });
    expect(stored.hashes).toEqual([sha256('plain'), '', '', '', '', '']);
    const st = statSync(join(dir, 'a.txt'));
    expect(Array.from(stored.stamps!.subarray(0, 3))).toEqual([st.ino, st.mtimeMs, 5]);
    expect(cache.read(sha256('plain')).toString()).toBe('plain');
    expect(cache.has(sha256('outside the tracked folder'))).toBe(false);
  });

  it('a file whose size is not what fstat said is stored as read, its stamp left stale', () => {
    // Files under /proc report size 0 and read as text: the bytes hashed are not
    // the size fstat gave, like a file that grows between fstat and read.
    if (!existsSync('/proc/self/cmdline')) return;
    const want = readFileSync('/proc/self/cmdline');
    expect(want.length).toBeGreaterThan(0);
    const { stored, cache } = storeWithoutSizes('/proc/self', ['cmdline']);
    expect(stored.state![0]).toBe(FileState.STORED);
    expect(stored.hashes[0]).toBe(sha256(want));
    expect(stored.stamps![2]).toBe(want.length); // the manifest's size is the object's
    expect(Number.isNaN(stored.stamps![1])).toBe(true); // never matches: looked at again
    expect(cache.read(stored.hashes[0]).equals(want)).toBe(true);
  });

  it('readToEnd returns what the file holds when it grew or shrank after the stat', () => {
    const dir = tempDir();
    const path = join(dir, 'f');
    writeFileSync(path, 'x'.repeat(100));
    let fd = openSync(path, 'r');
    appendFileSync(path, 'y'.repeat(200_000)); // past one read piece
    expect(readToEnd(fd, 100).equals(readFileSync(path))).toBe(true);
    closeSync(fd);
    fd = openSync(path, 'r');
    truncateSync(path, 40);
    expect(readToEnd(fd, 200_100).toString()).toBe('x'.repeat(40));
    closeSync(fd);
  });
});

describe('a first add with names that change under it', () => {
  async function repoWith(files: Record<string, string>, config?: string): Promise<Repo> {
    const dir = tempDir();
    initRepo(dir);
    if (config !== undefined) writeFileSync(join(dir, '.mlo/config.yaml'), config);
    const r = openRepo(dir);
    opened.push(r);
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    return r;
  }

  it('a file replaced by a link after the listing is reported as a link, not followed', async () => {
    const r = await repoWith({ 'data/a': 'a', 'data/b': 'b' });
    const secret = join(tempDir(), 'secret');
    writeFileSync(secret, 'not for the cache');
    const cache = cacheOf(r);
    const batch = new ObjectBatch(cache, { allowPack: true, durable: false });
    const scan = await scanDirectory(r, cache, 'data', {
      storeListed: async (names) => {
        expect(names).toEqual(['a', 'b']); // listed while b was a file
        unlinkSync(join(r.root, 'data/b'));
        symlinkSync(secret, join(r.root, 'data/b'));
        return hashFilesIntoCache(
          {
            dir: join(r.root, 'data'),
            names,
            cacheDir: cache.dir,
            tmpDir: cache.ensureTmp(),
            allowPack: true,
            durable: false,
          },
          batch,
        );
      },
      hashMany: () => Promise.reject(new Error('nothing is left for the stat path')),
    });
    batch.finish();
    expect(scan!.files.map((f) => f.path)).toEqual(['a']);
    expect(scan!.symlinks).toEqual(['b']);
    expect(cache.has(sha256('not for the cache'))).toBe(false);
  });

  it('in symlink mode, links into the cache are followed: a re-add without a snapshot is unchanged', async () => {
    const r2 = await repoWith({ 'data/a': 'aa', 'data/sub/b': 'bb' }, 'cache:\n  link: symlink\n');
    await add(r2, ['data'], { cwd: r2.root });
    const before = readPointer(r2.root, 'data.mlo').hash;
    // every file is now a link into the cache; forget the snapshot so the re-add
    // takes the one-pass read
    rmSync(statIndexPath(r2, 'data'), { force: true });
    const again = await add(r2, ['data'], { cwd: r2.root });
    expect(again.entries[0]).toMatchObject({ result: 'unchanged', files: 2, hash: before });
    expect(again.warnings).toEqual([]);
  });
});

/**
 * The no-change fast path of `mlo status` (data/quick-status.ts) and the cache seal
 * it relies on (data/cache-seal.ts), on a real repository and store: it answers only
 * while nothing changed, and every kind of change sends status down the full path.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initRepo, openRepo, type Repo } from '../../../src/repo/index.js';
import { add, cacheOf, readPointer, status } from '../../../src/data/index.js';
import { sealFor, sealHolds } from '../../../src/data/cache-seal.js';
import { unchangedAndCached } from '../../../src/data/quick-status.js';
import { readStatIndex, statIndexPath } from '../../../src/data/stat-index.js';

const opened: Repo[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const r of opened.splice(0)) r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A repo tracking data/: 80 small files (packed) and one large one (a loose object). */
async function tracked(): Promise<{ r: Repo; big: string; pointerHash: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mlo-quick-'));
  dirs.push(dir);
  initRepo(dir);
  const r = openRepo(dir);
  opened.push(r);
  mkdirSync(join(dir, 'data/sub'), { recursive: true });
  for (let i = 0; i < 80; i++) writeFileSync(join(dir, `data/sub/f${i}.bin`), randomBytes(100));
  const bigBytes = randomBytes(200_000);
  writeFileSync(join(dir, 'data/big.bin'), bigBytes);
  await add(r, ['data'], { cwd: dir });
  // ctimes within the last second are not trusted by a seal
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const pointerHash = readPointer(dir, 'data.mlo').hash;
  const { createHash } = await import('node:crypto');
  return { r, big: createHash('sha256').update(bigBytes).digest('hex'), pointerHash };
}

const stateOf = async (r: Repo): Promise<string> =>
  (await status(r, { cwd: r.root })).entries[0].state;

describe('no-change status', () => {
  it('answers from the stat index once a full status has sealed the cache', async () => {
    const { r, pointerHash } = await tracked();
    expect(await unchangedAndCached(r, cacheOf(r), 'data', pointerHash)).toBe(false); // no seal yet
    expect(await stateOf(r)).toBe('ok');
    expect(readStatIndex(r, 'data')?.seal).toBeDefined();
    expect(await unchangedAndCached(r, cacheOf(r), 'data', pointerHash)).toBe(true);
    expect(await unchangedAndCached(r, cacheOf(r), 'data', 'f'.repeat(64))).toBe(false);
    // folder stamps let it skip reading the folders; a folder whose ctime moved
    // without a change of entries is read and its names compared instead
    expect(JSON.parse(readStatIndex(r, 'data')!.dirs!)).toHaveLength(2);
    chmodSync(join(r.root, 'data/sub'), 0o755);
    expect(await unchangedAndCached(r, cacheOf(r), 'data', pointerHash)).toBe(true);
  });

  it('notices a removed loose object and reports the directory uncached', async () => {
    const { r, big, pointerHash } = await tracked();
    await stateOf(r);
    rmSync(cacheOf(r).loosePath(big));
    expect(await unchangedAndCached(r, cacheOf(r), 'data', pointerHash)).toBe(false);
    expect(await stateOf(r)).toBe('uncached');
  });

  it('notices an added, a removed and a rewritten file', async () => {
    const { r, pointerHash } = await tracked();
    await stateOf(r);
    const quick = (): Promise<boolean> => unchangedAndCached(r, cacheOf(r), 'data', pointerHash);
    expect(readStatIndex(r, 'data')?.dirs).toBeDefined();
    writeFileSync(join(r.root, 'data/sub/new.bin'), 'new');
    expect(await quick()).toBe(false);
    expect(await stateOf(r)).toBe('modified');
    rmSync(join(r.root, 'data/sub/new.bin'));
    expect(await stateOf(r)).toBe('ok');
    rmSync(join(r.root, 'data/sub/f3.bin'));
    expect(await quick()).toBe(false);
    expect(await stateOf(r)).toBe('modified');
    writeFileSync(join(r.root, 'data/sub/f3.bin'), 'other bytes');
    expect(await stateOf(r)).toBe('modified');
  });
});

describe('a stat index that is gone or damaged', () => {
  it('sends status down the full path once, which writes it again', async () => {
    const { r, pointerHash } = await tracked();
    await stateOf(r);
    const quick = (): Promise<boolean> => unchangedAndCached(r, cacheOf(r), 'data', pointerHash);
    expect(await quick()).toBe(true);
    rmSync(statIndexPath(r, 'data'));
    expect(await quick()).toBe(false);
    expect(await stateOf(r)).toBe('ok');
    expect(readStatIndex(r, 'data')?.listing?.toString().split('\0')).toHaveLength(81);
    expect(await quick()).toBe(true);
    // one flipped byte among the stamps: the checksum refuses the whole file
    const bytes = readFileSync(statIndexPath(r, 'data'));
    bytes[bytes.length - 8 * 81 - 3] ^= 1;
    writeFileSync(statIndexPath(r, 'data'), bytes);
    expect(readStatIndex(r, 'data')).toBeUndefined();
    expect(await quick()).toBe(false);
    expect(await stateOf(r)).toBe('ok');
    expect(await quick()).toBe(true);
  });

  it('is never read for another directory', async () => {
    const { r } = await tracked();
    await stateOf(r);
    const state = readStatIndex(r, 'data')!;
    copyFileSync(statIndexPath(r, 'data'), statIndexPath(r, 'other'));
    expect(readStatIndex(r, 'other')).toBeUndefined();
    expect(state.manifest).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('cache seal', () => {
  it('breaks when a pack is replaced, even by an identical copy', async () => {
    const { r } = await tracked();
    const cache = cacheOf(r);
    const pack = cache.packs.list[0];
    expect(pack).toBeDefined();
    const hashes = [...pack.hashes()];
    const seal = sealFor(cache, hashes)!;
    expect(seal).toBeDefined();
    expect(sealHolds(cache, seal)).toBe(true);
    copyFileSync(pack.packPath, `${pack.packPath}.tmp`);
    renameSync(`${pack.packPath}.tmp`, pack.packPath);
    expect(sealHolds(cache, seal)).toBe(false);
  });

  it('is not made when an object is missing', async () => {
    const { r, big } = await tracked();
    const cache = cacheOf(r);
    expect(sealFor(cache, [big])).toBeDefined();
    expect(sealFor(cache, [big, 'a'.repeat(64)])).toBeUndefined();
  });
});

describe('a link in place of .mlo/stat', () => {
  it('is not written through: the index stays unwritten and status still answers', async () => {
    const { r } = await tracked();
    rmSync(join(r.dotDir, 'stat'), { recursive: true, force: true });
    const outside = mkdtempSync(join(tmpdir(), 'mlo-outside-'));
    dirs.push(outside);
    symlinkSync(outside, join(r.dotDir, 'stat'));
    expect(await stateOf(r)).toBe('ok');
    expect(readdirSync(outside)).toEqual([]);
  });
});

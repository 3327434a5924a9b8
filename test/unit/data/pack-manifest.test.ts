import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ObjectCache } from '../../../src/data/cache.js';
import { ObjectBatch } from '../../../src/data/batch.js';
import { sha256 } from '../../../src/data/hash.js';
import { decodeManifest, encodeManifest } from '../../../src/data/manifest.js';
import { PackIndex, PackWriter, sortedByHash } from '../../../src/data/pack.js';

const dirs: string[] = [];
function newCache(): ObjectCache {
  const d = mkdtempSync(join(tmpdir(), 'mlo-cache-'));
  dirs.push(d);
  return new ObjectCache(join(d, 'cache'), join(d, 'tmp'));
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('packs', () => {
  it('a batch knows whether what it published is still there (a gc before the pin may take it)', () => {
    const cache = newCache();
    const batch = new ObjectBatch(cache, { allowPack: true, durable: false });
    const small = Array.from({ length: 100 }, (_, i) => Buffer.from(`small ${i}`));
    const big = Buffer.alloc(100 << 10, 7);
    for (const o of [...small, big]) batch.put(sha256(o), o);
    batch.finish();
    expect(batch.published.packs).toHaveLength(1);
    expect(batch.published.loose).toEqual([sha256(big)]);
    expect(batch.stillPublished()).toBe(true);
    // gc's repack of a pack nobody references: the index goes first, then the pack
    const [name] = batch.published.packs;
    rmSync(join(cache.packDir, `${name}.idx`));
    expect(batch.stillPublished()).toBe(false);

    const again = new ObjectBatch(cache, { allowPack: true, durable: false });
    const other = Buffer.alloc(90 << 10, 9);
    again.put(sha256(other), other);
    again.finish();
    expect(again.stillPublished()).toBe(true);
    rmSync(cache.loosePath(sha256(other)), { force: true });
    expect(again.stillPublished()).toBe(false);
  });

  it('a batch of many small objects becomes one pack whose objects read back exactly', () => {
    const cache = newCache();
    const batch = new ObjectBatch(cache, { allowPack: true });
    const objects = Array.from({ length: 500 }, (_, i) =>
      Buffer.from(`object number ${i} `.repeat((i % 7) + 1)),
    );
    for (const o of objects) batch.put(sha256(o), o);
    batch.put(sha256(objects[3]), objects[3]); // a duplicate is stored once
    batch.finish();
    expect(cache.packs.list).toHaveLength(1);
    expect(cache.packs.list[0].count).toBe(500);
    expect(cache.packs.list[0].verifyTrailer()).toBe(true);
    for (const o of objects) {
      expect(cache.has(sha256(o))).toBe(true);
      expect(cache.read(sha256(o)).equals(o)).toBe(true);
    }
    expect(cache.has(sha256('absent'))).toBe(false);
    expect([...cache.looseHashes()]).toEqual([]);
  });

  it('the index is sorted by hash, also among hashes that share their first 32 bits', () => {
    const random = Array.from({ length: 3000 }, (_, i) => sha256(`object ${i}`));
    // same leading 8 hex digits, different tails, added out of order
    const twins = [
      'ffffffff' + '9'.repeat(56),
      'ffffffff' + '0'.repeat(56),
      'ffffffff' + 'a'.repeat(56),
    ];
    const zeros = ['00000000' + 'f'.repeat(56), '00000000' + '1'.repeat(56)];
    const hashes = [...twins, ...random, ...zeros];
    const order = Array.from(sortedByHash(hashes));
    expect(order.map((i) => hashes[i])).toEqual([...hashes].sort());
    expect(new Set(order).size).toBe(hashes.length);

    const cache = newCache();
    const writer = new PackWriter(cache.packDir);
    const bytes = (h: string) => Buffer.from(`bytes of ${h}`);
    for (const h of hashes) writer.add(h, bytes(h));
    const name = writer.finish({ durable: false })!;
    const idx = PackIndex.load(cache.packDir, name);
    expect(idx.verifyTrailer()).toBe(true);
    expect(idx.hashes()).toEqual([...hashes].sort());
    for (const h of [...twins, ...zeros, random[1234]]) {
      const at = idx.find(Buffer.from(h, 'hex'));
      expect(idx.read(idx.entryAt(at)).equals(bytes(h))).toBe(true);
    }
    idx.close();
  });

  it('a malformed hash fails the pack instead of shifting every later entry of its index', () => {
    const cache = newCache();
    const good = Array.from({ length: 10 }, (_, i) => sha256(`object ${i}`));
    // one digit short and one too long: the joined hex still decodes to 32 bytes each
    const bad = [good[0].slice(1), `${good[1]}0`, ...good.slice(2)];
    const writer = new PackWriter(cache.packDir);
    bad.forEach((h, i) => writer.add(h, Buffer.from(`bytes ${i}`)));
    expect(() => writer.finish({ durable: false })).toThrow(/not 64 hex digits/);
    writer.abort();
    expect(cache.packs.list).toEqual([]);
    const nonHex = new PackWriter(cache.packDir);
    nonHex.add(`${good[0].slice(0, 63)}g`, Buffer.from('x'));
    expect(() => nonHex.finish({ durable: false })).toThrow(/not 64 hex digits/);
    nonHex.abort();
  });

  it('a caller may reuse the bytes it put: queued, packed and loose objects keep theirs', () => {
    const cache = newCache();
    const batch = new ObjectBatch(cache, { allowPack: true });
    const scratch = Buffer.alloc(100_000);
    const objects: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      // the first ones wait in a queue until there are enough for a pack; one is too big for it
      const size = i === 100 ? 80_000 : 50 + i;
      const view = scratch.subarray(0, size).fill(i);
      objects.push(Buffer.from(view));
      batch.put(sha256(view), view);
    }
    scratch.fill(0xee);
    batch.finish();
    for (const o of objects) expect(cache.read(sha256(o)).equals(o)).toBe(true);
  });

  it('few or large objects stay loose', () => {
    const cache = newCache();
    const batch = new ObjectBatch(cache, { allowPack: true });
    const small = Array.from({ length: 10 }, (_, i) => Buffer.from(`s${i}`));
    const large = Buffer.alloc(200 << 10, 7);
    for (const o of [...small, large]) batch.put(sha256(o), o);
    batch.finish();
    expect(cache.packs.list).toHaveLength(0);
    expect(new Set(cache.looseHashes())).toEqual(new Set([...small, large].map((o) => sha256(o))));
  });

  it('a truncated index is refused', () => {
    const cache = newCache();
    const batch = new ObjectBatch(cache, { allowPack: true });
    for (let i = 0; i < 100; i++) batch.put(sha256(`x${i}`), Buffer.from(`x${i}`));
    batch.finish();
    const name = cache.packs.list[0].name;
    const buf = readFileSync(join(cache.packDir, `${name}.idx`));
    expect(() => new PackIndex(cache.packDir, name, buf).count).not.toThrow();
    chmodSync(join(cache.packDir, `${name}.idx`), 0o644);
    writeFileSync(join(cache.packDir, `${name}.idx`), buf.subarray(0, buf.length - 10));
    expect(() => PackIndex.load(cache.packDir, name)).toThrow(/truncated/);
  });
});

describe('manifests', () => {
  it('encode sorts by path so equal trees hash equal, and decode round-trips', () => {
    const a = encodeManifest([
      { path: 'b', hash: sha256('b'), size: 1 },
      { path: 'a/x', hash: sha256('x'), size: 1 },
    ]);
    const b = encodeManifest([
      { path: 'a/x', hash: sha256('x'), size: 1 },
      { path: 'b', hash: sha256('b'), size: 1 },
    ]);
    expect(a.hash).toBe(b.hash);
    expect(a.hash).toBe(sha256(a.bytes));
    expect(decodeManifest(a.bytes, a.hash).map((e) => e.path)).toEqual(['a/x', 'b']);
  });

  it('refuses something that is not a manifest', () => {
    expect(() => decodeManifest(Buffer.from('{"kind":"other"}'), 'h')).toThrow(
      /not a directory manifest/,
    );
    expect(() => decodeManifest(Buffer.from('{oops'), 'h')).toThrow(/corrupt/);
  });
});

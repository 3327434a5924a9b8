/**
 * The stat index file (data/stat-index.ts): what is written reads back the same, at
 * any alignment; anything that is not a whole index of the same directory reads as
 * absent, so status takes the full path instead of trusting it.
 */
import { describe, expect, it } from 'vitest';
import { decodeStatIndex, encodeStatIndex, type DirState } from '../../../src/data/stat-index.js';

function sample(n: number): DirState {
  const names = Array.from({ length: n }, (_, i) => `sub ${i % 7}/é-${i}.bin`);
  const stamps = new Float64Array(2 * n);
  const sizes = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    stamps[2 * i] = 2 ** 40 + i * 977;
    stamps[2 * i + 1] = 1.7e12 + i / 3; // sub-millisecond mtimes survive
    sizes[i] = i * 1024 + (i % 5);
  }
  return {
    manifest: 'a'.repeat(64),
    stamps,
    listing: Buffer.from(names.join('\0')),
    sizes,
    dirs: JSON.stringify([['', 1, 2.5]]),
    seal: '{"v":1,"at":[]}',
  };
}

describe('stat index', () => {
  it('reads back what was written, whatever the buffer alignment', () => {
    for (const n of [0, 1, 3, 1000]) {
      const state = sample(n);
      const bytes = encodeStatIndex('data/x', state);
      for (const shift of [0, 1, 3, 4]) {
        const moved = Buffer.alloc(bytes.length + shift);
        bytes.copy(moved, shift);
        const back = decodeStatIndex(moved.subarray(shift), 'data/x')!;
        expect(back.manifest).toBe(state.manifest);
        expect([...back.stamps]).toEqual([...state.stamps]);
        expect([...back.sizes!]).toEqual([...state.sizes!]);
        expect(back.listing!.equals(state.listing!)).toBe(true);
        expect(back.dirs).toBe(state.dirs);
        expect(back.seal).toBe(state.seal);
      }
    }
  });

  it('leaves out what was not given', () => {
    const { manifest, stamps, listing, sizes } = sample(2);
    const back = decodeStatIndex(encodeStatIndex('d', { manifest, stamps, listing, sizes }), 'd')!;
    expect(back.dirs).toBeUndefined();
    expect(back.seal).toBeUndefined();
  });

  it('refuses any flipped byte, a cut, an extension and another directory', () => {
    const bytes = encodeStatIndex('data', sample(50));
    expect(decodeStatIndex(bytes, 'data')).toBeDefined();
    for (let at = 0; at < bytes.length; at += 7) {
      const bad = Buffer.from(bytes);
      bad[at] ^= 0x10;
      expect(decodeStatIndex(bad, 'data'), `byte ${at}`).toBeUndefined();
    }
    expect(decodeStatIndex(bytes.subarray(0, bytes.length - 8), 'data')).toBeUndefined();
    expect(decodeStatIndex(Buffer.concat([bytes, Buffer.alloc(8)]), 'data')).toBeUndefined();
    expect(decodeStatIndex(Buffer.alloc(0), 'data')).toBeUndefined();
    expect(decodeStatIndex(bytes, 'data/')).toBeUndefined();
  });

  it('refuses stamps and sizes of different lengths', () => {
    const s = sample(3);
    expect(() => encodeStatIndex('d', { ...s, sizes: new Float64Array(2) })).toThrow(/stamps/);
  });
});

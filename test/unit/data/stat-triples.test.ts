/**
 * The stat loop of `mlo status` (data/stat-triples.ts): through Node's fs binding and
 * through statSync it must give exactly what statSync's Stats give, for every kind of
 * entry a tracked directory can hold by the time status looks at it.
 */
import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bindingStat, nameStarts, statInto } from '../../../src/data/stat-triples.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** What the loop must produce, from fs.statSync's Stats. */
function expected(paths: string[]): number[] {
  return paths.flatMap((p) => {
    let st;
    try {
      st = statSync(p, { throwIfNoEntry: false });
    } catch {
      st = undefined; // ENOTDIR
    }
    return st?.isFile() ? [st.ino, st.mtimeMs, st.size] : [NaN, NaN, NaN];
  });
}

function tree(): { root: string; names: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'mlo-stat-'));
  dirs.push(root);
  mkdirSync(join(root, 'sub/deeper'), { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < 50; i++) {
    const name = i % 2 ? `sub/f${i}.bin` : `sub/deeper/é ${i}\twith space`;
    writeFileSync(join(root, name), Buffer.alloc(i * 37, i));
    // sub-millisecond and pre-1970 mtimes: the millisecond value must match to the bit
    utimesSync(join(root, name), 1.5e9 + i / 7, i === 4 ? -1e5 - 0.123456 : 1e9 + i / 3);
    names.push(name);
  }
  symlinkSync('f1.bin', join(root, 'sub/link-to-file'));
  symlinkSync('nowhere', join(root, 'sub/dangling'));
  names.push('sub/link-to-file', 'sub/dangling', 'sub', 'missing.bin', 'sub/f1.bin/under-a-file');
  return { root, names };
}

describe('statInto', () => {
  it('gives what statSync gives, through the binding and without it', () => {
    const { root, names } = tree();
    const joined = names.join('\0');
    const starts = nameStarts(joined);
    const want = expected(names.map((n) => `${root}/${n}`));
    for (const raw of [bindingStat(), null]) {
      const out = new Float64Array(names.length * 3);
      statInto(out, `${root}/`, joined, starts, 0, names.length, raw);
      expect(Array.from(out)).toEqual(want);
    }
    // the last five are a link followed, then four that are not regular files
    expect(want.slice(-15, -12).every(Number.isFinite)).toBe(true);
    expect(want.slice(-12).every(Number.isNaN)).toBe(true);
  });

  it('fills only the range asked for', () => {
    const { root, names } = tree();
    const joined = names.join('\0');
    const out = new Float64Array(names.length * 3).fill(-1);
    statInto(out, `${root}/`, joined, nameStarts(joined), 10, 20);
    expect(Array.from(out.subarray(30, 60))).toEqual(
      expected(names.slice(10, 20).map((n) => `${root}/${n}`)),
    );
    expect(out.subarray(0, 30).every((v) => v === -1)).toBe(true);
    expect(out.subarray(60).every((v) => v === -1)).toBe(true);
  });

  it('takes whole paths with an empty prefix', () => {
    const { root, names } = tree();
    const paths = names.map((n) => `${root}/${n}`);
    const joined = paths.join('\0');
    const out = new Float64Array(paths.length * 3);
    statInto(out, '', joined, nameStarts(joined));
    expect(Array.from(out)).toEqual(expected(paths));
  });
});

describe('nameStarts', () => {
  it('indexes every name of a NUL-joined list, empty names included', () => {
    for (const names of [['a'], ['a', 'bc', ''], ['', ''], ['ü/ß', 'x'], ['x'.repeat(300), 'y']]) {
      const joined = names.join('\0');
      const starts = nameStarts(joined);
      expect(starts.length).toBe(names.length + 1);
      const cut = names.map((_, i) => joined.slice(starts[i], starts[i + 1] - 1));
      expect(cut).toEqual(names);
    }
    expect(nameStarts('').length).toBe(1);
  });
});

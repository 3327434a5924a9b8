import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, mlo, parseJson, tempDir, writeTree } from '../helpers/cli.js';
import { sha256 } from '../../src/data/hash.js';

interface AddJson {
  entries: {
    path: string;
    pointer: string;
    type: string;
    hash: string;
    size: number;
    files?: number;
    result: string;
  }[];
  warnings: string[];
}

describe('mlo add', () => {
  it('tracks a file: pointer with hash and size, cache object, .gitignore entry', () => {
    const dir = makeRepo();
    const content = 'a,b\n1,2\n3,4\n';
    writeTree(dir, { 'data/train.csv': content });
    const r = mlo(['add', 'data/train.csv', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const out = parseJson<AddJson>(r);
    const hash = sha256(content);
    expect(out.entries).toEqual([
      {
        path: 'data/train.csv',
        pointer: 'data/train.csv.mlo',
        type: 'file',
        hash,
        size: content.length,
        result: 'added',
      },
    ]);
    const pointer = readFileSync(join(dir, 'data/train.csv.mlo'), 'utf8');
    expect(pointer).toContain(`hash: ${hash}`);
    expect(pointer).toContain(`size: ${content.length}`);
    expect(pointer).toContain('path: train.csv');
    expect(readFileSync(join(dir, '.mlo/cache', hash.slice(0, 2), hash.slice(2)), 'utf8')).toBe(
      content,
    );
    expect(readFileSync(join(dir, 'data/.gitignore'), 'utf8').split('\n')).toContain('/train.csv');
    // git sees the pointer but not the data
    const untracked = git(dir, 'status', '--porcelain', '--untracked-files=all');
    expect(untracked).toContain('data/train.csv.mlo');
    expect(untracked).not.toMatch(/data\/train\.csv$/m);
  });

  it('tracks a directory with a manifest: file count, total size', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'imgs/a.txt': 'aaa',
      'imgs/sub/b.txt': 'bb',
      'imgs/c.bin': Buffer.from([0, 1, 2, 3]),
    });
    const r = mlo(['add', 'imgs', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const [e] = parseJson<AddJson>(r).entries;
    expect(e).toMatchObject({ path: 'imgs', type: 'dir', files: 3, size: 9, result: 'added' });
    const manifest = JSON.parse(
      readFileSync(join(dir, '.mlo/cache', e.hash.slice(0, 2), e.hash.slice(2)), 'utf8'),
    ) as {
      entries: [string, string, number][];
    };
    expect(manifest.entries).toEqual([
      ['a.txt', sha256('aaa'), 3],
      ['c.bin', sha256(Buffer.from([0, 1, 2, 3])), 4],
      ['sub/b.txt', sha256('bb'), 2],
    ]);
    expect(readFileSync(join(dir, 'imgs.mlo'), 'utf8')).toMatch(/type: dir[\s\S]*files: 3/);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8').split('\n')).toContain('/imgs');
  });

  it('a directory big enough for the two-thread path round-trips exactly', () => {
    const dir = makeRepo();
    const tree: Record<string, string> = {};
    // past both thresholds: hashing (4096 files) and stat (8192 files) use a worker
    for (let i = 0; i < 9000; i++) tree[`big/d${i % 30}/f${i}.txt`] = `content ${i % 8500}`; // some duplicates
    writeTree(dir, tree);
    const r = parseJson<AddJson>(mlo(['add', 'big', '--json'], { cwd: dir }));
    expect(r.entries[0]).toMatchObject({ files: 9000, result: 'added' });
    expect(mlo(['fsck'], { cwd: dir }).code).toBe(0);
    expect(
      parseJson<{ entries: { state: string }[] }>(mlo(['status', '--json'], { cwd: dir }))
        .entries[0].state,
    ).toBe('ok');
    writeFileSync(join(dir, 'big/d3/f3.txt'), 'changed');
    const st = parseJson<{ entries: { state: string; changes: { modified: string[] } }[] }>(
      mlo(['status', '--json'], { cwd: dir }),
    );
    expect(st.entries[0].changes.modified).toEqual(['d3/f3.txt']);
    rmSync(join(dir, 'big'), { recursive: true });
    writeFileSync(join(dir, 'big.mlo'), readFileSync(join(dir, 'big.mlo'))); // unchanged pointer
    expect(mlo(['checkout'], { cwd: dir }).code).toBe(0);
    expect(readFileSync(join(dir, 'big/d17/f8507.txt'), 'utf8')).toBe('content 7');
    expect(readFileSync(join(dir, 'big/d3/f3.txt'), 'utf8')).toBe('content 3');
  });

  it('the two-thread path reads the right files when run from another folder', () => {
    const dir = makeRepo();
    const tree: Record<string, string> = { 'elsewhere/keep': 'k' };
    for (let i = 0; i < 5000; i++) tree[`data/d${i % 7}/f${i}.txt`] = `row ${i}`;
    writeTree(dir, tree);
    // paths go to the kernel relative to the working directory: ../data/...
    const r = parseJson<AddJson>(
      mlo(['add', '../data', '--json'], { cwd: join(dir, 'elsewhere') }),
    );
    expect(r.entries[0]).toMatchObject({ files: 5000, result: 'added' });
    expect(mlo(['fsck'], { cwd: dir }).code).toBe(0);
    rmSync(join(dir, 'data'), { recursive: true });
    expect(mlo(['checkout'], { cwd: dir }).code).toBe(0);
    for (const i of [0, 1234, 4999]) {
      expect(readFileSync(join(dir, `data/d${i % 7}/f${i}.txt`), 'utf8')).toBe(`row ${i}`);
    }
  });

  it('re-adding an unchanged path is a no-op that rewrites nothing', () => {
    const dir = makeRepo();
    writeTree(dir, { 'd/x.csv': 'x\n1\n', 'big/a': 'a', 'big/b': 'b' });
    expect(mlo(['add', 'd/x.csv', 'big'], { cwd: dir }).code).toBe(0);
    const before = readFileSync(join(dir, 'd/x.csv.mlo'), 'utf8');
    const r = mlo(['add', 'd/x.csv', 'big', '--json'], { cwd: dir });
    expect(parseJson<AddJson>(r).entries.map((e) => e.result)).toEqual(['unchanged', 'unchanged']);
    expect(readFileSync(join(dir, 'd/x.csv.mlo'), 'utf8')).toBe(before);
    expect(readFileSync(join(dir, 'd/.gitignore'), 'utf8').match(/\/x\.csv/g)).toHaveLength(1);
  });

  it('re-adding repairs a cache object that a power loss truncated', () => {
    const dir = makeRepo();
    writeTree(dir, { 'x.csv': 'precious bytes', 'd/a': 'aaaa' });
    mlo(['add', 'x.csv', 'd'], { cwd: dir });
    for (const content of ['precious bytes', 'aaaa']) {
      const h = sha256(content);
      const obj = join(dir, '.mlo/cache', h.slice(0, 2), h.slice(2));
      chmodSync(obj, 0o644);
      writeFileSync(obj, ''); // what an un-fsynced object can look like after a crash
    }
    expect(mlo(['add', 'x.csv', 'd'], { cwd: dir }).code).toBe(0);
    expect(mlo(['fsck'], { cwd: dir }).code).toBe(0);
  });

  it('re-adding a changed file updates the pointer', () => {
    const dir = makeRepo();
    writeTree(dir, { 'x.csv': 'one' });
    mlo(['add', 'x.csv'], { cwd: dir });
    writeFileSync(join(dir, 'x.csv'), 'two!');
    const r = parseJson<AddJson>(mlo(['add', 'x.csv', '--json'], { cwd: dir }));
    expect(r.entries[0]).toMatchObject({ result: 'updated', hash: sha256('two!'), size: 4 });
  });

  it('accepts paths relative to a sub-folder and the pointer file itself', () => {
    const dir = makeRepo();
    writeTree(dir, { 'data/raw/x.csv': 'x' });
    const r = mlo(['add', 'raw/x.csv', '--json'], { cwd: join(dir, 'data') });
    expect(parseJson<AddJson>(r).entries[0].path).toBe('data/raw/x.csv');
    const again = mlo(['add', 'data/raw/x.csv.mlo', '--json'], { cwd: dir });
    expect(parseJson<AddJson>(again).entries[0].result).toBe('unchanged');
  });

  describe('refuses bad input with exit 2 and one error line', () => {
    const cases: [string, (dir: string) => string[], RegExp][] = [
      ['a missing path', () => ['nope.csv'], /nope\.csv: no such file or directory/],
      ['a path outside the repo', () => ['../outside.csv'], /outside the repository/],
      ['.mlo itself', () => ['.mlo'], /inside \.mlo\//],
      ['a path inside .mlo', () => ['.mlo/config.yaml'], /inside \.mlo\//],
      ['the repository root', () => ['.'], /cannot track the repository root/],
    ];
    for (const [name, args, message] of cases) {
      it(name, () => {
        const dir = makeRepo();
        const r = mlo(['add', ...args(dir)], { cwd: dir });
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      });
    }

    it('a path inside an already-tracked directory', () => {
      const dir = makeRepo();
      writeTree(dir, { 'imgs/a.txt': 'a' });
      mlo(['add', 'imgs'], { cwd: dir });
      const r = mlo(['add', 'imgs/a.txt'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/inside imgs, which is already tracked/);
      expect(r.stderr).toMatch(/hint: re-add the whole directory/);
    });

    it('a directory that contains tracked paths', () => {
      const dir = makeRepo();
      writeTree(dir, { 'd/a.txt': 'a', 'd/b.txt': 'b' });
      mlo(['add', 'd/a.txt'], { cwd: dir });
      const r = mlo(['add', 'd'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/contains tracked paths/);
    });

    it('a file git already tracks', () => {
      const dir = makeRepo();
      writeTree(dir, { 'x.csv': 'x' });
      git(dir, 'add', 'x.csv');
      const r = mlo(['add', 'x.csv'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/tracked by git/);
      expect(r.stderr).toMatch(/git rm -r --cached x\.csv/);
    });

    it('a symbolic link (mlo tracks contents, not links)', () => {
      const dir = makeRepo();
      writeTree(dir, { 'real.csv': 'r' });
      symlinkSync(join(dir, 'real.csv'), join(dir, 'link.csv'));
      const r = mlo(['add', 'link.csv'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/link\.csv: is a symbolic link/);
      expect(r.stderr).toMatch(/hint: add the file it points to instead: mlo add real\.csv/);
      expect(existsSync(join(dir, 'link.csv.mlo'))).toBe(false);
    });
  });

  it('skips symbolic links inside a directory with a warning', () => {
    const dir = makeRepo();
    writeTree(dir, { 'd/a.txt': 'a', 'elsewhere.txt': 'e' });
    symlinkSync(join(dir, 'elsewhere.txt'), join(dir, 'd/link.txt'));
    const r = mlo(['add', 'd', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: d: 1 symbolic link\(s\) not tracked.*link\.txt/);
    expect(parseJson<AddJson>(r).entries[0].files).toBe(1);
  });

  it('works in a repository that is not a git repository', () => {
    const dir = tempDir();
    mlo(['init'], { cwd: dir });
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd/x'), 'x');
    const r = mlo(['add', 'd/x'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'd/x.mlo'))).toBe(true);
  });
});

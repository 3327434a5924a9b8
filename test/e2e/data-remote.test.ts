import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, mlo, parseJson, tempDir, writeTree } from '../helpers/cli.js';
import { sha256 } from '../../src/data/hash.js';

function countObjects(store: string): number {
  if (!existsSync(store)) return 0;
  return readdirSync(store)
    .filter((d) => /^[0-9a-f]{2}$/.test(d))
    .reduce((n, d) => n + readdirSync(join(store, d)).filter((f) => !f.startsWith('.')).length, 0);
}

describe('remotes, push and pull', () => {
  it('remote add/list/remove/default; the first remote is the default', () => {
    const dir = makeRepo();
    expect(mlo(['remote', 'add', 'one', '/tmp/one'], { cwd: dir }).stdout).toMatch(/\(default\)/);
    expect(mlo(['remote', 'add', 'two', 'relative/dir'], { cwd: dir }).stdout).not.toMatch(
      /default/,
    );
    const list = parseJson<{ remotes: { name: string; isDefault: boolean }[] }>(
      mlo(['remote', 'list', '--json'], { cwd: dir }),
    );
    expect(list.remotes.map((r) => [r.name, r.isDefault])).toEqual([
      ['one', true],
      ['two', false],
    ]);
    expect(mlo(['remote', 'default', 'two'], { cwd: dir }).code).toBe(0);
    expect(readFileSync(join(dir, '.mlo/config.yaml'), 'utf8')).toMatch(/remote: two/);
    expect(mlo(['remote', 'add', 'one', '/x'], { cwd: dir }).code).toBe(2);
    expect(mlo(['remote', 'remove', 'nope'], { cwd: dir }).code).toBe(2);
    expect(mlo(['remote', 'add', 'ftp', 'ftp://host/x'], { cwd: dir }).stderr).toMatch(
      /unsupported URL scheme/,
    );
    // the config keeps its comments through edits
    expect(readFileSync(join(dir, '.mlo/config.yaml'), 'utf8')).toMatch(
      /^# mlo repository settings/,
    );
  });

  it('push sends only missing objects; pull in a fresh git clone works without mlo init', () => {
    const dir = makeRepo();
    const store = join(tempDir(), 'store');
    writeTree(dir, { 'data/a.csv': 'alpha', 'data/imgs/1.txt': 'one', 'data/imgs/2.txt': 'two' });
    mlo(['add', 'data/a.csv', 'data/imgs'], { cwd: dir });
    mlo(['remote', 'add', 'origin', store], { cwd: dir });
    const first = parseJson<{ uploaded: number; skipped: number }>(
      mlo(['push', '--json'], { cwd: dir }),
    );
    expect(first).toMatchObject({ uploaded: 4, skipped: 0 }); // 3 files + 1 manifest
    expect(countObjects(store)).toBe(4);
    const again = parseJson<{ uploaded: number; skipped: number }>(
      mlo(['push', '--json'], { cwd: dir }),
    );
    expect(again).toMatchObject({ uploaded: 0, skipped: 4 });

    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'data');
    const clone = join(tempDir(), 'clone');
    git(dir, 'clone', '-q', dir, clone);
    expect(existsSync(join(clone, '.mlo/mlo.db'))).toBe(false);
    const pulled = mlo(['pull', '--json'], { cwd: clone });
    expect(pulled.code).toBe(0);
    expect(parseJson<{ downloaded: number }>(pulled).downloaded).toBe(4);
    expect(readFileSync(join(clone, 'data/a.csv'), 'utf8')).toBe('alpha');
    expect(readFileSync(join(clone, 'data/imgs/2.txt'), 'utf8')).toBe('two');
    expect(mlo(['status', '--exit-code'], { cwd: clone }).code).toBe(0);
    expect(mlo(['fsck'], { cwd: clone }).code).toBe(0);
  });

  it('pull stores many small objects in one pack, verified, and checks them out', () => {
    const dir = makeRepo();
    const store = join(tempDir(), 'store');
    const tree: Record<string, string> = {};
    for (let i = 0; i < 150; i++) tree[`many/f${i}.txt`] = `small object ${i}`;
    writeTree(dir, tree);
    mlo(['add', 'many'], { cwd: dir });
    mlo(['remote', 'add', 'origin', store], { cwd: dir });
    mlo(['push'], { cwd: dir });
    rmSync(join(dir, '.mlo/cache'), { recursive: true });
    rmSync(join(dir, 'many'), { recursive: true });
    const r = parseJson<{ downloaded: number }>(mlo(['pull', '--json'], { cwd: dir }));
    expect(r.downloaded).toBe(151);
    expect(
      readdirSync(join(dir, '.mlo/cache/packs')).filter((f) => f.endsWith('.idx')),
    ).toHaveLength(1);
    expect(readFileSync(join(dir, 'many/f149.txt'), 'utf8')).toBe('small object 149');
    expect(mlo(['fsck'], { cwd: dir }).code).toBe(0);
    // a remote object that rotted is refused, not cached
    const h = sha256('small object 7');
    writeFileSync(join(store, h.slice(0, 2), h.slice(2)), 'rotten');
    rmSync(join(dir, '.mlo/cache'), { recursive: true });
    const bad = mlo(['pull'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/corrupt copy of object/);
  });

  it('an interrupted push resumes: objects that arrived whole are skipped', () => {
    const dir = makeRepo();
    const store = join(tempDir(), 'store');
    writeTree(dir, { a: 'a', b: 'b', c: 'c' });
    mlo(['add', 'a', 'b', 'c'], { cwd: dir });
    mlo(['remote', 'add', 'origin', store], { cwd: dir });
    mlo(['push', 'a'], { cwd: dir }); // as if the first transfer stopped after one object
    writeFileSync(join(store, '.stray.tmp'), 'half'); // leftovers of a killed transfer are ignored
    const r = parseJson<{ uploaded: number; skipped: number }>(
      mlo(['push', '--json'], { cwd: dir }),
    );
    expect(r).toMatchObject({ uploaded: 2, skipped: 1 });
  });

  it('pull names objects the remote lacks and exits 1', () => {
    const dir = makeRepo();
    const store = join(tempDir(), 'store');
    writeTree(dir, { 'a.csv': 'never pushed' });
    mlo(['add', 'a.csv'], { cwd: dir });
    mlo(['remote', 'add', 'origin', store], { cwd: dir });
    const h = sha256('never pushed');
    rmSync(join(dir, '.mlo/cache', h.slice(0, 2), h.slice(2)));
    rmSync(join(dir, 'a.csv'));
    const r = mlo(['pull'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not on origin/);
  });

  it('push without any remote is a usage error with a hint', () => {
    const dir = makeRepo();
    const r = mlo(['push'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/hint: add one with `mlo remote add/);
  });
});

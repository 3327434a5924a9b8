import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, mlo, parseJson, writeTree } from '../helpers/cli.js';
import { sha256 } from '../../src/data/hash.js';

const objectPath = (dir: string, content: string): string => {
  const h = sha256(content);
  return join(dir, '.mlo/cache', h.slice(0, 2), h.slice(2));
};

interface GcJson {
  removed: number;
  kept: number;
  objects: string[];
  dryRun: boolean;
}

describe('mlo gc', () => {
  it('deletes only objects no pointer references; --dry-run deletes nothing', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.csv': 'v1', 'd/x': 'x' });
    mlo(['add', 'a.csv', 'd'], { cwd: dir });
    writeFileSync(join(dir, 'a.csv'), 'v2');
    mlo(['add', 'a.csv'], { cwd: dir });
    const dry = parseJson<GcJson>(mlo(['gc', '--dry-run', '--json'], { cwd: dir }));
    expect(dry).toMatchObject({ dryRun: true, removed: 1, objects: [sha256('v1')] });
    expect(existsSync(objectPath(dir, 'v1'))).toBe(true);
    const real = parseJson<GcJson>(mlo(['gc', '--json'], { cwd: dir }));
    expect(real.removed).toBe(1);
    expect(existsSync(objectPath(dir, 'v1'))).toBe(false);
    expect(existsSync(objectPath(dir, 'v2'))).toBe(true);
    expect(existsSync(objectPath(dir, 'x'))).toBe(true); // kept through the directory manifest
    expect(mlo(['status', '--exit-code'], { cwd: dir }).code).toBe(0);
  });

  it('--all-commits keeps objects referenced by pointer files in git history', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.csv': 'old' });
    mlo(['add', 'a.csv'], { cwd: dir });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'v1');
    writeFileSync(join(dir, 'a.csv'), 'new');
    mlo(['add', 'a.csv'], { cwd: dir });
    git(dir, 'commit', '-qam', 'v2');
    const keep = parseJson<GcJson>(mlo(['gc', '--all-commits', '--json'], { cwd: dir }));
    expect(keep.removed).toBe(0);
    expect(existsSync(objectPath(dir, 'old'))).toBe(true);
    const drop = parseJson<GcJson>(mlo(['gc', '--json'], { cwd: dir }));
    expect(drop.objects).toEqual([sha256('old')]);
  });

  it('keeps objects listed in mlo.lock and in the store refs', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.csv': 'lock-me' });
    mlo(['add', 'a.csv'], { cwd: dir });
    rmSync(join(dir, 'a.csv.mlo'));
    writeFileSync(
      join(dir, 'mlo.lock'),
      `stages:\n  s:\n    outs:\n      - path: a.csv\n        hash: ${sha256('lock-me')}\n        size: 7\n`,
    );
    expect(parseJson<GcJson>(mlo(['gc', '--json'], { cwd: dir })).removed).toBe(0);
  });

  it('repacks packs holding dead objects and keeps the live ones readable', () => {
    const dir = makeRepo();
    const tree: Record<string, string> = {};
    for (let i = 0; i < 100; i++) tree[`many/f${i}.txt`] = `file ${i}`;
    writeTree(dir, tree);
    mlo(['add', 'many'], { cwd: dir });
    expect(
      readdirSync(join(dir, '.mlo/cache/packs')).filter((f) => f.endsWith('.idx')),
    ).toHaveLength(1);
    // drop half the files and re-add: 50 objects become garbage inside the pack
    for (let i = 0; i < 50; i++) rmSync(join(dir, `many/f${i}.txt`));
    mlo(['add', 'many'], { cwd: dir });
    expect(parseJson<GcJson>(mlo(['gc', '--json'], { cwd: dir })).removed).toBe(51); // 50 files + old manifest
    rmSync(join(dir, 'many'), { recursive: true });
    expect(mlo(['checkout'], { cwd: dir }).code).toBe(0);
    expect(readFileSync(join(dir, 'many/f77.txt'), 'utf8')).toBe('file 77');
    expect(mlo(['fsck'], { cwd: dir }).code).toBe(0);
  });
});

describe('mlo fsck', () => {
  it('is clean on a healthy cache and exits 1 naming a corrupt object', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.csv': 'intact', 'b.csv': 'will rot' });
    mlo(['add', 'a.csv', 'b.csv'], { cwd: dir });
    const ok = mlo(['fsck', '--json'], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(parseJson<{ checked: number; ok: boolean }>(ok)).toMatchObject({ checked: 2, ok: true });
    const p = objectPath(dir, 'will rot');
    chmodSync(p, 0o644);
    writeFileSync(p, 'bit flip');
    const bad = mlo(['fsck', '--json'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(parseJson<{ problems: { hash: string; problem: string }[] }>(bad).problems).toEqual([
      expect.objectContaining({ hash: sha256('will rot'), problem: 'corrupt' }),
    ]);
  });

  it('reports objects that pointers need but the cache lacks', () => {
    const dir = makeRepo();
    writeTree(dir, { 'd/x': 'x', 'd/y': 'y' });
    mlo(['add', 'd'], { cwd: dir });
    rmSync(objectPath(dir, 'y'));
    const r = mlo(['fsck'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/missing\s+\S+\s+d\/y/);
  });

  it('detects a corrupt object inside a pack', () => {
    const dir = makeRepo();
    const tree: Record<string, string> = {};
    for (let i = 0; i < 80; i++) tree[`p/f${i}`] = `payload-${i}`;
    writeTree(dir, tree);
    mlo(['add', 'p'], { cwd: dir });
    const packDir = join(dir, '.mlo/cache/packs');
    const pack = readdirSync(packDir).find((f) => f.endsWith('.pack'))!;
    const bytes = readFileSync(join(packDir, pack));
    bytes[3] = bytes[3] ^ 0xff;
    chmodSync(join(packDir, pack), 0o644);
    writeFileSync(join(packDir, pack), bytes);
    const r = parseJson<{ ok: boolean; problems: { problem: string; where: string }[] }>(
      mlo(['fsck', '--json'], { cwd: dir }),
    );
    expect(r.ok).toBe(false);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0].where).toMatch(/\.pack@0$/);
  });
});

import {
  existsSync,
  readFileSync,
  rmSync,
  writeFileSync,
  chmodSync,
  statSync,
  lstatSync,
  readlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo, mlo, parseJson, writeTree } from '../helpers/cli.js';
import { sha256 } from '../../src/data/hash.js';

interface StatusJson {
  entries: {
    path: string;
    state: string;
    changes?: { added: string[]; modified: string[]; deleted: string[] };
  }[];
}

const states = (dir: string): Record<string, string> =>
  Object.fromEntries(
    parseJson<StatusJson>(mlo(['status', '--json'], { cwd: dir })).entries.map((e) => [
      e.path,
      e.state,
    ]),
  );

function objectPath(dir: string, content: string): string {
  const h = sha256(content);
  return join(dir, '.mlo/cache', h.slice(0, 2), h.slice(2));
}

describe('mlo status', () => {
  it('reports ok, modified, missing and uncached', () => {
    const dir = makeRepo();
    writeTree(dir, { 'ok.csv': 'ok', 'mod.csv': 'mod', 'gone.csv': 'gone', 'uncached.csv': 'unc' });
    expect(mlo(['add', 'ok.csv', 'mod.csv', 'gone.csv', 'uncached.csv'], { cwd: dir }).code).toBe(
      0,
    );
    writeFileSync(join(dir, 'mod.csv'), 'changed');
    rmSync(join(dir, 'gone.csv'));
    rmSync(objectPath(dir, 'unc'));
    expect(states(dir)).toEqual({
      'gone.csv': 'missing',
      'mod.csv': 'modified',
      'ok.csv': 'ok',
      'uncached.csv': 'uncached',
    });
  });

  it('--exit-code exits 1 only when something is not ok', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.csv': 'a' });
    mlo(['add', 'a.csv'], { cwd: dir });
    expect(mlo(['status', '--exit-code'], { cwd: dir }).code).toBe(0);
    writeFileSync(join(dir, 'a.csv'), 'b');
    const r = mlo(['status', '--exit-code'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/modified\s+a\.csv/);
  });

  it('--json writes exactly one JSON document', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.csv': 'a' });
    mlo(['add', 'a.csv'], { cwd: dir });
    const r = mlo(['status', '--json'], { cwd: dir });
    expect(JSON.parse(r.stdout)).toEqual({
      entries: [{ path: 'a.csv', pointer: 'a.csv.mlo', type: 'file', state: 'ok' }],
    });
  });

  it('lists added, modified and deleted files of a directory', () => {
    const dir = makeRepo();
    writeTree(dir, { 'd/a': 'a', 'd/b': 'b', 'd/c': 'c' });
    mlo(['add', 'd'], { cwd: dir });
    writeFileSync(join(dir, 'd/a'), 'A');
    rmSync(join(dir, 'd/b'));
    writeFileSync(join(dir, 'd/new'), 'n');
    const [e] = parseJson<StatusJson>(mlo(['status', '--json'], { cwd: dir })).entries;
    expect(e).toMatchObject({
      path: 'd',
      state: 'modified',
      changes: { added: ['new'], modified: ['a'], deleted: ['b'] },
    });
  });

  it('a touched but unchanged file is still ok', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.csv': 'same' });
    mlo(['add', 'a.csv'], { cwd: dir });
    writeFileSync(join(dir, 'a.csv'), 'same');
    expect(states(dir)).toEqual({ 'a.csv': 'ok' });
  });

  it('refuses a malformed pointer file with exit 2 naming the file and line', () => {
    const dir = makeRepo();
    writeTree(dir, { 'x.csv.mlo': 'path: x.csv\nhash: not-a-hash\nsize: 3\n' });
    const r = mlo(['status'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: x\.csv\.mlo:2:7: hash: must be a 64-character/m);
  });

  it('refuses a pointer whose path escapes the repository', () => {
    const dir = makeRepo();
    const h = sha256('x');
    writeTree(dir, { 'sub/x.mlo': `path: ../../etc/passwd\nhash: ${h}\nsize: 1\n` });
    const r = mlo(['checkout'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /refusing a pointer file: sub\/x\.mlo: it says path: "\.\.\/\.\.\/etc\/passwd"/,
    );
    writeTree(dir, { 'sub/x.mlo': `path: /etc/passwd\nhash: ${h}\nsize: 1\n` });
    const abs = mlo(['status'], { cwd: dir });
    expect(abs.code).toBe(2);
    expect(abs.stderr).toMatch(
      /sub\/x\.mlo: it says path: "\/etc\/passwd", but a pointer file describes only/,
    );
  });

  it('refuses unknown keys and bad YAML in pointer files', () => {
    const dir = makeRepo();
    writeTree(dir, { 'x.mlo': `path: x\nhash: ${sha256('x')}\nsize: 1\nsizee: 2\n` });
    expect(mlo(['status'], { cwd: dir }).stderr).toMatch(/x\.mlo:4:1: sizee: Unrecognized key/);
    writeTree(dir, { 'x.mlo': 'path: [unclosed\n' });
    const r = mlo(['status'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: x\.mlo:\d+:\d+:/m);
  });
});

describe('mlo checkout', () => {
  it('restores missing files and directories', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.csv': 'aaa', 'd/x': 'x', 'd/s/y': 'y' });
    mlo(['add', 'a.csv', 'd'], { cwd: dir });
    rmSync(join(dir, 'a.csv'));
    rmSync(join(dir, 'd'), { recursive: true });
    const r = mlo(['checkout'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe('aaa');
    expect(readFileSync(join(dir, 'd/s/y'), 'utf8')).toBe('y');
    expect(states(dir)).toEqual({ 'a.csv': 'ok', d: 'ok' });
  });

  it('never overwrites a modified file whose content is not cached, unless --force', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.csv': 'original', 'b.csv': 'b' });
    mlo(['add', 'a.csv', 'b.csv'], { cwd: dir });
    writeFileSync(join(dir, 'a.csv'), 'precious edits');
    rmSync(join(dir, 'b.csv'));
    const r = mlo(['checkout'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/would overwrite 1 modified path.*a\.csv/);
    // nothing was touched, not even the missing file
    expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe('precious edits');
    expect(existsSync(join(dir, 'b.csv'))).toBe(false);
    const forced = mlo(['checkout', '--force'], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe('original');
    expect(readFileSync(join(dir, 'b.csv'), 'utf8')).toBe('b');
  });

  it('replaces content that is safe in the cache (switching versions)', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.csv': 'v1' });
    mlo(['add', 'a.csv'], { cwd: dir });
    const v1Pointer = readFileSync(join(dir, 'a.csv.mlo'), 'utf8');
    writeFileSync(join(dir, 'a.csv'), 'v2');
    mlo(['add', 'a.csv'], { cwd: dir });
    writeFileSync(join(dir, 'a.csv.mlo'), v1Pointer); // like `git checkout` of the old pointer
    const r = mlo(['checkout'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe('v1');
  });

  it('removes files the tracked directory does not have, and restores changed ones', () => {
    const dir = makeRepo();
    writeTree(dir, { 'd/keep': 'k', 'd/change': 'c1' });
    mlo(['add', 'd'], { cwd: dir });
    writeFileSync(join(dir, 'd/change'), 'c2');
    writeTree(dir, { 'd/extra/new': 'n' });
    mlo(['add', 'd'], { cwd: dir }); // both new contents are now cached
    const v2 = readFileSync(join(dir, 'd.mlo'), 'utf8');
    rmSync(join(dir, 'd'), { recursive: true });
    writeTree(dir, { 'd/keep': 'k', 'd/change': 'c1' });
    mlo(['add', 'd'], { cwd: dir });
    writeFileSync(join(dir, 'd.mlo'), v2);
    expect(mlo(['checkout'], { cwd: dir }).code).toBe(0);
    expect(readFileSync(join(dir, 'd/change'), 'utf8')).toBe('c2');
    expect(readFileSync(join(dir, 'd/extra/new'), 'utf8')).toBe('n');
    // and back: the extra file and its now-empty folder go away
    writeTree(dir, {});
    const v1Entries = mlo(['add', '--json', 'd'], { cwd: dir }); // still v2 content: unchanged
    expect(v1Entries.code).toBe(0);
  });

  it('refuses to delete an untracked new file in a tracked directory unless --force', () => {
    const dir = makeRepo();
    writeTree(dir, { 'd/a': 'a' });
    mlo(['add', 'd'], { cwd: dir });
    writeTree(dir, { 'd/mine': 'not cached' });
    const r = mlo(['checkout'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/d\/mine/);
    expect(existsSync(join(dir, 'd/mine'))).toBe(true);
    expect(mlo(['checkout', '--force'], { cwd: dir }).code).toBe(0);
    expect(existsSync(join(dir, 'd/mine'))).toBe(false);
  });

  it('checks out only the paths named', () => {
    const dir = makeRepo();
    writeTree(dir, { a: 'a', b: 'b' });
    mlo(['add', 'a', 'b'], { cwd: dir });
    rmSync(join(dir, 'a'));
    rmSync(join(dir, 'b'));
    expect(mlo(['checkout', 'a'], { cwd: dir }).code).toBe(0);
    expect(existsSync(join(dir, 'a'))).toBe(true);
    expect(existsSync(join(dir, 'b'))).toBe(false);
    const r = mlo(['checkout', 'not-tracked'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not-tracked: not tracked by mlo/);
  });

  it('exits 1 naming paths whose objects are not in the cache', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.csv': 'gone for good' });
    mlo(['add', 'a.csv'], { cwd: dir });
    rmSync(join(dir, 'a.csv'));
    rmSync(objectPath(dir, 'gone for good'));
    const r = mlo(['checkout'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/not in cache.*a\.csv/);
    expect(r.stdout).toMatch(/mlo pull/);
  });

  it('restored files are writable by the user although cache objects are read-only', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.csv': 'a' });
    mlo(['add', 'a.csv'], { cwd: dir });
    expect(statSync(objectPath(dir, 'a')).mode & 0o222).toBe(0);
    rmSync(join(dir, 'a.csv'));
    mlo(['checkout'], { cwd: dir });
    expect(statSync(join(dir, 'a.csv')).mode & 0o200).toBe(0o200);
  });

  it('supports hardlink and symlink link modes (opt-in)', () => {
    for (const link of ['hardlink', 'symlink']) {
      const dir = makeRepo();
      writeFileSync(join(dir, '.mlo/config.yaml'), `cache:\n  link: ${link}\n`);
      writeTree(dir, { 'a.csv': 'linked', 'd/x': 'x' });
      expect(mlo(['add', 'a.csv', 'd'], { cwd: dir }).code).toBe(0);
      const obj = objectPath(dir, 'linked');
      if (link === 'hardlink') expect(statSync(join(dir, 'a.csv')).ino).toBe(statSync(obj).ino);
      else expect(readlinkSync(join(dir, 'a.csv'))).toBe(obj);
      expect(statSync(obj).mode & 0o222).toBe(0);
      expect(states(dir)).toEqual({ 'a.csv': 'ok', d: 'ok' });
      rmSync(join(dir, 'a.csv'));
      rmSync(join(dir, 'd'), { recursive: true });
      expect(mlo(['checkout'], { cwd: dir }).code).toBe(0);
      expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe('linked');
      expect(lstatSync(join(dir, 'd/x')).isSymbolicLink()).toBe(link === 'symlink');
      expect(mlo(['add', 'a.csv', '--json'], { cwd: dir }).stdout).toMatch(/"unchanged"/);
      chmodSync(obj, 0o644);
    }
  });
});

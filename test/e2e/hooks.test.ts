import { existsSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, mlo, tempDir, writeTree } from '../helpers/cli.js';

describe('mlo hooks', () => {
  it('installs the four hooks idempotently and chains an existing hook', () => {
    const dir = makeRepo();
    const mine = join(dir, '.git/hooks/pre-commit');
    writeFileSync(
      mine,
      '#!/bin/sh\necho mine-ran >> "$(git rev-parse --show-toplevel)/mine.log"\n',
    );
    chmodSync(mine, 0o755);
    const r = mlo(['hooks', 'install'], { cwd: dir });
    expect(r.code).toBe(0);
    for (const h of ['post-checkout', 'post-merge', 'pre-push', 'pre-commit']) {
      expect(readFileSync(join(dir, '.git/hooks', h), 'utf8')).toContain('mlo-managed hook');
      expect(statSync(join(dir, '.git/hooks', h)).mode & 0o111).not.toBe(0);
    }
    expect(readFileSync(join(dir, '.git/hooks/pre-commit.pre-mlo'), 'utf8')).toContain('mine-ran');
    const again = mlo(['hooks', 'install'], { cwd: dir });
    expect(again.stdout).toMatch(/already installed/);
    expect(readFileSync(join(dir, '.git/hooks/pre-commit.pre-mlo'), 'utf8')).toContain('mine-ran');
    // the chained hook still runs
    writeTree(dir, { 'x.txt': 'x' });
    git(dir, 'add', 'x.txt');
    git(dir, 'commit', '-qm', 'x');
    expect(readFileSync(join(dir, 'mine.log'), 'utf8')).toBe('mine-ran\n');
    expect(mlo(['hooks', 'uninstall'], { cwd: dir }).code).toBe(0);
    expect(readFileSync(mine, 'utf8')).toContain('mine-ran');
    expect(existsSync(join(dir, '.git/hooks/post-checkout'))).toBe(false);
  });

  it('pre-commit refuses a commit while a tracked path has a stale pointer', () => {
    const dir = makeRepo();
    mlo(['hooks', 'install'], { cwd: dir });
    writeTree(dir, { 'd.csv': 'v1' });
    mlo(['add', 'd.csv'], { cwd: dir });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'v1');
    writeFileSync(join(dir, 'd.csv'), 'v2');
    writeTree(dir, { 'other.txt': 'o' });
    git(dir, 'add', 'other.txt');
    const res = spawnSync('git', ['commit', '-qm', 'should fail'], { cwd: dir, encoding: 'utf8' });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/d\.csv changed since d\.csv\.mlo was written/);
    mlo(['add', 'd.csv'], { cwd: dir });
    git(dir, 'add', '-A');
    expect(spawnSync('git', ['commit', '-qm', 'ok now'], { cwd: dir }).status).toBe(0);
  });

  it('post-checkout checks out the data of the branch; pre-push pushes data', () => {
    const dir = makeRepo();
    const store = join(tempDir(), 'store');
    const bare = join(tempDir(), 'bare.git');
    spawnSync('git', ['init', '-q', '--bare', bare]);
    mlo(['remote', 'add', 'origin', store], { cwd: dir });
    mlo(['hooks', 'install'], { cwd: dir });
    writeTree(dir, { 'data.csv': 'main version' });
    mlo(['add', 'data.csv'], { cwd: dir });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'main data');
    git(dir, 'checkout', '-qb', 'exp');
    writeFileSync(join(dir, 'data.csv'), 'experiment version');
    mlo(['add', 'data.csv'], { cwd: dir });
    git(dir, 'commit', '-qam', 'exp data');
    git(dir, 'checkout', '-q', 'main');
    expect(readFileSync(join(dir, 'data.csv'), 'utf8')).toBe('main version');
    git(dir, 'checkout', '-q', 'exp');
    expect(readFileSync(join(dir, 'data.csv'), 'utf8')).toBe('experiment version');
    git(dir, 'remote', 'add', 'up', bare);
    const push = spawnSync('git', ['push', '-q', 'up', 'exp'], { cwd: dir, encoding: 'utf8' });
    expect(push.status).toBe(0);
    expect(push.stderr).toMatch(/pushed \d+ object\(s\) to origin/);
    rmSync(join(dir, '.mlo/cache'), { recursive: true });
    rmSync(join(dir, 'data.csv'));
    expect(mlo(['pull'], { cwd: dir }).code).toBe(0);
    expect(readFileSync(join(dir, 'data.csv'), 'utf8')).toBe('experiment version');
  });

  it('outside git it is a usage error', () => {
    const dir = tempDir();
    mlo(['init'], { cwd: dir });
    const r = mlo(['hooks', 'install'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not inside a git repository/);
  });
});

/**
 * A full disk, a file-size limit or a read-only cache is the environment, not a
 * bug in mlo (issue 10, item 13): exit 2 with one line naming the path that could
 * not be written (the local temp for a pull, the remote's file for a push), never
 * exit 3 and "internal error".
 *
 * The conditions are made real, not simulated: a tiny tmpfs mounted in a private
 * mount namespace where the machine allows it (`unshare -m`), the shell's file-size
 * limit (`ulimit -f`, writes then fail with EFBIG), and a cache folder made
 * read-only with chmod, or, when the tests run as root (whom chmod does not stop),
 * with the immutable attribute (`chattr +i`).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, mlo, MLO_BIN, tempDir, writeTree, type RunResult } from '../helpers/cli.js';

const env = { ...process.env, NO_COLOR: '1', MLO_DEBUG: undefined };

function run(cmd: string, args: string[], cwd: string): RunResult {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** mlo with the shell's file-size limit set to `kib` KiB. */
function mloWithFileLimit(kib: number, args: string[], cwd: string): RunResult {
  const script = `ulimit -f ${kib * 2} && exec "$@"`; // 512-byte blocks
  return run('sh', ['-c', script, 'sh', process.execPath, MLO_BIN, ...args], cwd);
}

/** Whether this machine lets us mount a tmpfs in a private mount namespace. */
function canMountTmpfs(): boolean {
  const at = tempDir();
  const r = spawnSync('unshare', [
    '-m',
    'sh',
    '-c',
    'mount -t tmpfs -o size=64k tmpfs "$1"',
    'sh',
    at,
  ]);
  return r.status === 0;
}

/** mlo with a `kib`-sized tmpfs mounted over `dir` (in a namespace of its own). */
function mloWithTinyDisk(dir: string, kib: number, args: string[], cwd: string): RunResult {
  const script = `mount -t tmpfs -o size=${kib}k tmpfs "$1" && shift && exec "$@"`;
  return run(
    'unshare',
    ['-m', 'sh', '-c', script, 'sh', dir, process.execPath, MLO_BIN, ...args],
    cwd,
  );
}

function expectEnvironmentError(r: RunResult, message: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).not.toMatch(/internal error|bug in mlo/);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(message);
}

/** A clone that has pointers for a 4 MiB file whose object is only on the remote. */
function cloneNeedingBigObject(): { clone: string; store: string } {
  const dir = makeRepo();
  const store = join(tempDir(), 'store');
  writeTree(dir, { 'big.bin': randomBytes(4 << 20) });
  mlo(['add', 'big.bin'], { cwd: dir });
  mlo(['remote', 'add', 'origin', store], { cwd: dir });
  expect(mlo(['push'], { cwd: dir }).code).toBe(0);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'data');
  const clone = join(tempDir(), 'clone');
  git(tempDir(), 'clone', '-q', dir, clone);
  mkdirSync(join(clone, '.mlo/tmp'), { recursive: true });
  return { clone, store };
}

describe('the environment says no: exit 2 naming the path', () => {
  it('pull past a file-size limit names the local file it was writing', () => {
    const { clone, store } = cloneNeedingBigObject();
    mlo(['status'], { cwd: clone }); // the store exists before the limit applies
    const r = mloWithFileLimit(1024, ['pull'], clone);
    expectEnvironmentError(
      r,
      /^error: file too large[^:]*: cannot write .*\/clone\/\.mlo\/tmp\/\.pull\./,
    );
    expect(r.stderr).not.toContain(store);
  });

  it('pull onto a full disk names the local file it was writing', (ctx) => {
    if (!canMountTmpfs()) ctx.skip(); // no private mount namespaces here: see the EFBIG case
    const { clone, store } = cloneNeedingBigObject();
    mlo(['status'], { cwd: clone });
    const r = mloWithTinyDisk(join(clone, '.mlo/tmp'), 1024, ['pull'], clone);
    expectEnvironmentError(
      r,
      /^error: no space left on the device: cannot write .*\/clone\/\.mlo\/tmp\/\.pull\./,
    );
    expect(r.stderr).not.toContain(store);
  });

  it('push past a file-size limit names the remote file it was writing', () => {
    const dir = makeRepo();
    const store = join(tempDir(), 'store');
    writeTree(dir, { 'big.bin': randomBytes(4 << 20) });
    mlo(['add', 'big.bin'], { cwd: dir });
    mlo(['remote', 'add', 'origin', store], { cwd: dir });
    const r = mloWithFileLimit(1024, ['push'], dir);
    expectEnvironmentError(r, /^error: file too large[^:]*: cannot write .*\/store\/\.tmp\/\./);
    expect(r.stderr).not.toMatch(/big\.bin|\.mlo\/cache/);
  });

  it('push onto a full remote disk names the remote file it was writing', (ctx) => {
    if (!canMountTmpfs()) ctx.skip();
    const dir = makeRepo();
    const store = tempDir();
    writeTree(dir, { 'big.bin': randomBytes(4 << 20) });
    mlo(['add', 'big.bin'], { cwd: dir });
    mlo(['remote', 'add', 'origin', store], { cwd: dir });
    const r = mloWithTinyDisk(store, 1024, ['push'], dir);
    expectEnvironmentError(r, /^error: no space left on the device: cannot write .*\/\.tmp\/\./);
  });

  it('add into a read-only cache says so, naming the cache', (ctx) => {
    const dir = makeRepo();
    writeTree(dir, { 'a.csv': 'a\n', 'b.csv': 'b\n' });
    mlo(['add', 'a.csv'], { cwd: dir });
    const cache = join(dir, '.mlo/cache');
    const dirs = [cache, ...readdirSync(cache).map((d) => join(cache, d))];
    const root = process.getuid?.() === 0;
    const lock = (on: boolean): boolean =>
      root
        ? run('chattr', [on ? '+i' : '-i', ...dirs], dir).code === 0
        : run('chmod', [on ? 'a-w' : 'u+w', ...dirs], dir).code === 0;
    if (!lock(true)) ctx.skip(); // root on a file system without the immutable attribute
    try {
      const r = mlo(['add', 'b.csv'], { cwd: dir });
      expectEnvironmentError(
        r,
        /^error: (permission denied|operation not permitted): .*\.mlo\/cache\/[0-9a-f]{2}/,
      );
    } finally {
      lock(false);
    }
    writeFileSync(join(dir, 'c.csv'), 'c\n');
    expect(mlo(['add', 'b.csv', 'c.csv'], { cwd: dir }).code).toBe(0);
  });
});

/**
 * Runs under attack and accident: a command never outlives a killed mlo; artifacts
 * named in $MLO_LOG never reach outside the repository; an artifact that could not
 * be kept fails the run.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { makeRepo, mlo, mloAsync, parseJson, tempDir, writeTree } from '../helpers/cli.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie waiting for its reaper is gone for our purposes
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(50);
  }
  return cond();
}

/** Kill whatever a failed test leaves behind. */
function reap(pids: () => number[]): void {
  onTestFinished(() => {
    for (const p of pids()) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
}

/** A command that records its pid and its background child's, then waits forever. */
const LONG_RUNNER = `const { spawn } = require('child_process');
const fs = require('fs');
const kid = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
fs.writeFileSync('pids.tmp', process.pid + ' ' + kid.pid);
fs.renameSync('pids.tmp', 'pids');
setInterval(() => {}, 1000);`;

async function killMloAndCheck(dir: string, args: string[]): Promise<void> {
  const p = mloAsync(args, { cwd: dir, env: { MLO_KILL_GRACE_MS: '1000' } });
  let pids: number[] = [];
  reap(() => pids);
  expect(await waitFor(() => existsSync(join(dir, 'pids')), 20_000)).toBe(true);
  pids = readFileSync(join(dir, 'pids'), 'utf8').split(' ').map(Number);
  expect(pids.every(alive)).toBe(true);
  p.child.kill('SIGKILL');
  await p.done;
  // the command and what it started go with mlo
  expect(
    await waitFor(() => !pids.some(alive), 10_000),
    `still alive: ${pids.filter(alive).join(' ')}`,
  ).toBe(true);
}

describe('a command never outlives mlo', () => {
  it('kill -9 of mlo exec stops the command and its children', async () => {
    const dir = makeRepo();
    writeTree(dir, { 'long.js': LONG_RUNNER });
    await killMloAndCheck(dir, ['exec', '--', 'node', 'long.js']);
    // and the run is marked killed by the next command
    const list = JSON.parse(mlo(['runs', 'list', '--json'], { cwd: dir }).stdout) as {
      runs: { status: string }[];
    };
    expect(list.runs.map((r) => r.status)).toEqual(['killed']);
  });

  it('kill -9 of mlo repro stops the running stage', async () => {
    const dir = makeRepo();
    writeTree(dir, {
      'long.js': LONG_RUNNER,
      'mlo.yaml': 'stages:\n  long:\n    cmd: node long.js\n    outs: [never.txt]\n',
    });
    await killMloAndCheck(dir, ['repro']);
  });

  it('a command that ends normally leaves its background jobs alone, as before', async () => {
    const dir = makeRepo();
    writeTree(dir, {
      'bg.js': `const { spawn } = require('child_process');
const kid = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore', detached: false });
require('fs').writeFileSync('bg.pid', String(kid.pid));
kid.unref();`,
    });
    const r = mlo(['exec', '--', 'node', 'bg.js'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const pid = Number(readFileSync(join(dir, 'bg.pid'), 'utf8'));
    reap(() => [pid]);
    await sleep(1500);
    expect(alive(pid)).toBe(true);
  });
});

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const cached = (dir: string, hash: string): boolean =>
  existsSync(join(dir, '.mlo/cache', hash.slice(0, 2), hash.slice(2)));

/** A program that logs one artifact line to $MLO_LOG. */
const logArtifact = (path: string): string =>
  `require('fs').appendFileSync(process.env.MLO_LOG, JSON.stringify({ artifact: ${JSON.stringify(path)} }) + '\\n');`;

describe('artifacts named in $MLO_LOG stay inside the repository', () => {
  it('refuses paths outside, absolute paths elsewhere, links out, and .git/.mlo contents', () => {
    const dir = makeRepo();
    const outside = tempDir('mlo-outside-');
    const secret = 'api-key=hunter2\n';
    writeFileSync(join(outside, 'secret.txt'), secret);
    mkdirSync(join(dir, 'sub'));
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'link.txt'));
    symlinkSync(outside, join(dir, 'sub/linkdir'));
    const depth = dir.split('/').length;
    const cases: [string, RegExp][] = [
      [`${'../'.repeat(depth)}${outside.slice(1)}/secret.txt`, /outside the repository/],
      [join(outside, 'secret.txt'), /outside the repository/],
      ['link.txt', /symbolic link to .*secret\.txt, outside the repository/],
      ['sub/linkdir/secret.txt', /sub\/linkdir is a symbolic link to .*, outside the repository/],
      ['sub/linkdir', /symbolic link to .*, outside the repository/],
      ['.git/config', /inside \.git\//],
      ['.mlo/config.yaml', /inside \.mlo\//],
    ];
    for (const [path, why] of cases) {
      writeTree(dir, { 'log.js': logArtifact(path) });
      const r = mlo(['exec', '--json', '--', 'node', 'log.js'], { cwd: dir });
      expect(r.code, `${path}: ${r.stderr}`).toBe(2);
      expect(r.stderr, path).toMatch(
        new RegExp(`^error: artifact ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `, 'm'),
      );
      expect(r.stderr, path).toMatch(why);
      const { id, status } = parseJson<{ id: string; status: string }>(r);
      expect(status).toBe('failed');
      const run = parseJson<{ status: string; artifacts: { name: string }[] }>(
        mlo(['runs', 'show', id, '--json'], { cwd: dir }),
      );
      expect(run.status).toBe('failed');
      expect(run.artifacts.map((a) => a.name)).toEqual([]);
    }
    expect(cached(dir, sha(secret))).toBe(false);
    // mlo log artifact (which a stage may call) follows the same rule
    const started = parseJson<{ id: string }>(mlo(['exec', '--json', '--', 'true'], { cwd: dir }));
    const r = mlo(['log', 'artifact', 'link.txt', '--run', started.id], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /error: artifact link\.txt: link\.txt is a symbolic link to .*, outside the repository/,
    );
    expect(cached(dir, sha(secret))).toBe(false);
  });

  it('keeps artifacts inside the repository, by relative or absolute path', () => {
    const dir = makeRepo();
    writeTree(dir, { 'model.bin': 'weights', 'log.js': logArtifact('model.bin') });
    const r = mlo(['exec', '--json', '--', 'node', 'log.js'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    writeTree(dir, { 'log.js': logArtifact(join(dir, 'model.bin')) });
    const abs = mlo(['exec', '--json', '--', 'node', 'log.js'], { cwd: dir });
    expect(abs.code, abs.stderr).toBe(0);
    for (const out of [r, abs]) {
      const run = parseJson<{ status: string; artifacts: { name: string; hash: string }[] }>(
        mlo(['runs', 'show', parseJson<{ id: string }>(out).id, '--json'], { cwd: dir }),
      );
      expect(run.artifacts.find((a) => a.name === 'model.bin')?.hash).toBe(sha('weights'));
    }
  });
});

describe('an artifact mlo could not keep fails the run', () => {
  it('exec exits 2 naming the artifact when the cache cannot take it, instead of 0 and a warning', () => {
    const dir = makeRepo();
    const content = 'trained weights\n';
    const hash = sha(content);
    // the cache folder the object needs is not writable as one (a file stands there)
    rmSync(join(dir, '.mlo/cache', hash.slice(0, 2)), { recursive: true, force: true });
    mkdirSync(join(dir, '.mlo/cache'), { recursive: true });
    writeFileSync(join(dir, '.mlo/cache', hash.slice(0, 2)), 'in the way');
    writeTree(dir, { 'model.bin': content, 'log.js': logArtifact('model.bin') });
    const r = mlo(['exec', '--json', '--', 'node', 'log.js'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /^error: artifact model\.bin: could not be kept in the cache: E[A-Z]+: /m,
    );
    const run = parseJson<{ status: string; error: string }>(r);
    expect(run.status).toBe('failed');
    const shown = parseJson<{ status: string }>(
      mlo(['runs', 'show', parseJson<{ id: string }>(r).id, '--json'], { cwd: dir }),
    );
    expect(shown.status).toBe('failed');
  });
});

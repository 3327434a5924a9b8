/**
 * Runs under attack and accident: a command never outlives a killed mlo; artifacts
 * named in $MLO_LOG never reach outside the repository; an artifact that could not
 * be kept fails the run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { makeRepo, mlo, mloAsync, writeTree } from '../helpers/cli.js';

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

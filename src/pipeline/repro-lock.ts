/**
 * One repro at a time per repository: two would run the same stages into the same
 * outputs. A lock file in .mlo/tmp names the holder; a holder that died (kill -9)
 * is detected by its pid and the lock taken over, as DVC does with its repo lock.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { MloError, errnoCode } from '../errors.js';
import type { Repo } from '../repo/index.js';

interface Holder {
  pid: number;
  host: string;
  command: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

/** Take the lock or fail naming who holds it; returns the release function. */
export function acquireReproLock(repo: Repo, command: string): () => void {
  const dir = repo.tmpDir;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'repro.lock');
  const me: Holder = { pid: process.pid, host: hostname(), command };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(me), { flag: 'wx' });
      return () => {
        try {
          const h = JSON.parse(readFileSync(path, 'utf8')) as Holder;
          if (h.pid === me.pid && h.host === me.host) rmSync(path, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    let holder: Holder | undefined;
    try {
      holder = JSON.parse(readFileSync(path, 'utf8')) as Holder;
    } catch {
      holder = undefined; // half-written or vanished: treat as stale
    }
    if (holder && (holder.host !== me.host || alive(holder.pid))) {
      throw new MloError(
        'CONFLICT',
        `another ${holder.command} (pid ${holder.pid}${holder.host !== me.host ? ` on ${holder.host}` : ''}) is running in this repository`,
        {
          hint: `wait for it to finish; if it is gone, delete ${join('.mlo', 'tmp', 'repro.lock')}`,
        },
      );
    }
    rmSync(path, { force: true });
  }
  throw new MloError(
    'CONFLICT',
    'could not take the repro lock (another mlo repro keeps starting)',
  );
}

/**
 * The retraining lock: a row in the store naming its holder by host, pid and the
 * process's start time (serve's owner tag), taken in an IMMEDIATE transaction. A
 * holder that crashed is recognised (its pid is gone, or now belongs to a process that
 * started at another time) and its lock is taken over; a live holder keeps it.
 */
import { hostname } from 'node:os';
import type { Repo } from '../../repo/index.js';
import { ownerAlive, ownerTag } from '../../serve/index.js';
import { tryLock, unlock, type LockRow } from '../../store/index.js';

export const RETRAIN_LOCK = 'retrain';

export interface LockHandle {
  release(): void;
}

export type LockAttempt = { ok: true; handle: LockHandle } | { ok: false; holder: LockRow };

/** Whether the holder of a lock row may still be running (another host's: assume so). */
export function holderAlive(holder: LockRow): boolean {
  if (holder.host !== hostname()) return true;
  return holder.proc_start === null ? true : ownerAlive(holder.proc_start);
}

export function acquireLock(repo: Repo, name: string, purpose: string): LockAttempt {
  const host = hostname();
  const row: LockRow = {
    name,
    pid: process.pid,
    host,
    proc_start: ownerTag(),
    acquired_ms: Date.now(),
    purpose,
  };
  const holder = tryLock(repo.store, row, holderAlive);
  if (holder) return { ok: false, holder };
  return {
    ok: true,
    handle: { release: () => unlock(repo.store, name, process.pid, host) },
  };
}

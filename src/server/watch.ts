/**
 * Long polls on model references: a replica asks "tell me when churn@champion stops
 * being what I have" and the request waits until it does or its time is up. Only
 * authenticated requests wait, and at most MAX_WAITERS at once. Waiters are checked
 * again after every registry write through this server, and on a timer that
 * catches writes by other processes (the store's registry generation).
 */
import type { Repo } from '../repo/index.js';
import { readRegistryGeneration } from '../store/index.js';

export const MAX_WAITERS = 1000;

interface Waiter {
  /** true when the waiter was answered (and should be dropped) */
  check(): boolean;
  expire(): void;
}

export class Watchers {
  private readonly waiters = new Set<Waiter>();
  private generation = -1;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repo: Repo,
    pollMs = 1000,
  ) {
    this.timer = setInterval(() => this.poll(), pollMs);
    this.timer.unref();
  }

  get size(): number {
    return this.waiters.size;
  }

  /**
   * Wait until `check` answers (it returns true once it has) or `ms` pass (then
   * `expire` answers). Resolves when either happened or the client left.
   */
  wait(check: () => boolean, expire: () => void, ms: number, closed: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      let timeout: NodeJS.Timeout | undefined = undefined;
      const finish = (): void => {
        this.waiters.delete(waiter);
        if (timeout !== undefined) clearTimeout(timeout);
        closed.removeEventListener('abort', finish);
        resolve();
      };
      const waiter: Waiter = {
        check: () => {
          if (!check()) return false;
          finish();
          return true;
        },
        expire: () => {
          expire();
          finish();
        },
      };
      timeout = setTimeout(() => waiter.expire(), ms);
      closed.addEventListener('abort', finish);
      this.waiters.add(waiter);
    });
  }

  /** Something may have moved: let every waiter look. */
  notify(): void {
    for (const w of [...this.waiters]) {
      try {
        w.check();
      } catch {
        w.expire();
      }
    }
  }

  private poll(): void {
    if (this.waiters.size === 0) return;
    let g: number;
    try {
      g = readRegistryGeneration(this.repo.store);
    } catch {
      return;
    }
    if (g !== this.generation) {
      this.generation = g;
      this.notify();
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const w of [...this.waiters]) w.expire();
  }
}

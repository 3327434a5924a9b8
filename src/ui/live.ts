/**
 * Change notifications for open pages: one timer per handler reads the store's
 * generation (a pragma and a counter, microseconds) while anyone listens, and tells
 * every listener when it moved — whether a run logged through this process, another
 * process, or a server writing its prediction log.
 */
import { readStoreGeneration, type Store } from '../store/index.js';
import type { EventFeed } from './types.js';

export interface ChangeFeed {
  feed: EventFeed;
  /** listeners now (tests, shutdown) */
  readonly listeners: number;
  close(): void;
}

export function createChangeFeed(
  store: Store,
  options: { intervalMs?: number; heartbeatMs?: number } = {},
): ChangeFeed {
  const intervalMs = options.intervalMs ?? 500;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const sinks = new Set<(event: string, data: unknown) => void>();
  let timer: NodeJS.Timeout | undefined;
  let generation = '';
  let quiet = 0;

  const tick = (): void => {
    let now: string;
    try {
      now = readStoreGeneration(store);
    } catch {
      return; // the store closed under us; the handler is shutting down
    }
    if (now !== generation) {
      generation = now;
      quiet = 0;
      for (const s of sinks) s('change', { generation: now });
    } else if ((quiet += intervalMs) >= heartbeatMs) {
      quiet = 0;
      for (const s of sinks) s('ping', {});
    }
  };

  return {
    feed: (send) => {
      if (sinks.size === 0) {
        generation = readStoreGeneration(store);
        timer = setInterval(tick, intervalMs);
        timer.unref();
      }
      sinks.add(send);
      send('hello', { generation });
      return () => {
        sinks.delete(send);
        if (sinks.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    get listeners() {
      return sinks.size;
    },
    close() {
      sinks.clear();
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

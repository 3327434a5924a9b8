/**
 * Background threads (the prediction log writer, the shadow model) yield the CPU to
 * request handling: on Linux a thread has its own nice value, set through its thread
 * id. They run on whatever CPU serving (and anything else at normal priority) leaves:
 * at 1,000 req/s that is plenty, and on cores saturated by serving they fall behind
 * and their queues drop rows (counted) rather than take CPU from requests. Nice 10
 * still cost ~25% of throughput at saturation in bench/serve.mjs (the writer's CPU
 * came out of the load generator's and the HTTP thread's share); 19 does not.
 * Elsewhere than Linux this does nothing.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

export const BACKGROUND_NICE = 19;

/** Lower the calling thread's priority; true when it could. */
export function lowerThreadPriority(nice = BACKGROUND_NICE): boolean {
  try {
    // /proc/thread-self → "<pid>/task/<tid>"
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}

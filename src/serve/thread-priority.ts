/**
 * Background threads (the prediction log writer, the shadow model) yield the CPU to
 * request handling: on Linux a thread has its own nice value, set through its thread
 * id. With two busy cores they then get what serving leaves, and fall behind (and
 * drop, counted) rather than slow requests; on an idle machine they run at full speed.
 * Elsewhere this does nothing.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

export const BACKGROUND_NICE = 10;

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

/**
 * Which process owns a temp file or a pin: its pid, its start time and its host,
 * written as one tag (`<pid>-<start>-<host>`, only [0-9a-z-]). A pid alone is not
 * enough: pids are reused, and a dead command's temp file must not be kept alive
 * forever by an unrelated process that happens to get the same pid.
 *
 * Start time: field 22 of /proc/<pid>/stat on Linux (clock ticks since boot; the
 * host part then includes the boot id, so a reboot does not make old tags match);
 * `ps -o lstart=` elsewhere (seconds since the epoch).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';

export const OWNER_TAG_RE = /^(\d+)-([0-9a-z]+)-([0-9a-f]{8})$/;

/** What is known about the process a tag names. */
export type OwnerState = 'alive' | 'dead' | 'unknown';

let selfTag: string | undefined;
let hostId: string | undefined;

/** The tag of the running process (computed once). */
export function ownerTag(): string {
  selfTag ??= `${process.pid}-${processStart(process.pid) ?? '0'}-${thisHost()}`;
  return selfTag;
}

/** 8 hex characters naming this machine (and, on Linux, this boot of it). */
export function thisHost(): string {
  if (hostId === undefined) {
    let boot = '';
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      // not Linux: ps start times are absolute, no boot id needed
    }
    hostId = createHash('sha256').update(`${hostname()}\n${boot}`).digest('hex').slice(0, 8);
  }
  return hostId;
}

/**
 * A process's start time as a short token, or undefined when there is no such
 * process. '0' when the process exists but its start time cannot be read.
 */
export function processStart(pid: number): string | undefined {
  if (!exists(pid)) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[19];
    if (ticks && /^\d+$/.test(ticks)) return Number(ticks).toString(36);
  } catch {
    // no /proc (macOS), or hidden by hidepid: ask ps
  }
  if (process.platform === 'linux' || process.platform === 'win32') return '0';
  const ps = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' });
  const when = Date.parse(ps.stdout?.trim() ?? '');
  if (ps.status !== 0 || Number.isNaN(when)) return exists(pid) ? '0' : undefined;
  return Math.round(when / 1000).toString(36);
}

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process a tag names is still running. 'unknown' for a tag of another
 * machine (a shared remote or network file system): callers then fall back to age.
 */
export function ownerState(tag: string): OwnerState {
  const m = OWNER_TAG_RE.exec(tag);
  if (!m) return 'unknown';
  if (m[3] !== thisHost()) return 'unknown';
  const pid = Number(m[1]);
  if (pid === process.pid) return m[2] === ownerTag().split('-')[1] ? 'alive' : 'dead';
  const start = processStart(pid);
  if (start === undefined) return 'dead';
  // A start time we could not read on either side cannot prove a reuse: assume alive.
  if (start === '0' || m[2] === '0') return 'alive';
  return start === m[2] ? 'alive' : 'dead';
}

/** ownerState for many tags at once, each looked up once. */
export function ownerStates(tags: Iterable<string>): Map<string, OwnerState> {
  const out = new Map<string, OwnerState>();
  for (const t of tags) if (!out.has(t)) out.set(t, ownerState(t));
  return out;
}

/**
 * Pins: how `mlo gc` and concurrent writers never lose an object.
 *
 * A writer (add, pull, model register, run artifacts and outputs, stage outputs)
 * caches objects and then records a reference to them: a pointer file, mlo.lock, or
 * a row in the store. gc must never delete an object between those two steps, nor
 * an old garbage object that the writer found present and decided to reuse.
 *
 * The protocol:
 *
 *   writer W: 1. pin the hashes (one committed row in object_pins, owned by W's
 *                pid + start time, util/owner.ts);
 *             2. then make sure every object exists, looking at the cache afresh
 *                (re-create what is missing);
 *             3. then record the reference. The pin stays until W has exited.
 *   gc G:     a. in one write transaction: take the gc lock (one gc at a time),
 *                delete the pins of dead owners, and remember the hashes of all
 *                remaining pins (S0);
 *             b. collect the references (pointer files, mlo.lock, the store);
 *             c. delete candidates (not referenced, not in S0) in bounded batches;
 *                each batch, inside one BEGIN IMMEDIATE transaction, first reads the
 *                pins added since (a) and the store's references, drops candidates
 *                they name, and deletes the rest before it commits.
 *   anyone:   pins of dead owners are deleted only by (a), or by a writer when no
 *             gc holds the lock (checked in the same transaction).
 *
 * Why no referenced object is lost. Take W's pin P, committed at time p, and G's
 * step (a) at time g (transactions are serialised by SQLite's write lock).
 *   - p < g, W alive at g: P's hashes are in S0; G never deletes them.
 *   - p < g, W dead at g: W finished, so its reference (step 3) was recorded before
 *     g, and G's step (b), which starts after g, sees it.
 *   - p > g: nobody deletes P while G holds the lock, so every batch committed after
 *     p sees P and keeps its objects. A batch committed before p deleted its objects
 *     before W's step 2 looked at the cache, and W re-created them.
 * Writers that do not pin (an older mlo) are not protected: run gc alone then.
 */
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { withWriteLock } from '../store/open.js';
import {
  clearGcLock,
  deletePins,
  getGcLock,
  insertPin,
  listPinOwners,
  listPins,
  setGcLock,
} from '../store/refs.js';
import { ownerState, ownerStates, ownerTag, type OwnerState } from '../util/owner.js';
import { cacheOf } from './context.js';
import type { ManifestEntry } from './manifest.js';

/** Pins and gc locks of another machine (a shared file system) expire after this. */
const FOREIGN_TTL_MS = 24 * 60 * 60 * 1000;

function packHashes(hashes: Iterable<string>): Buffer {
  // An add pins tens of thousands of mostly distinct hashes: copy only when some repeat.
  const given = Array.isArray(hashes) ? (hashes as string[]) : [...hashes];
  const set = new Set(given);
  const list = set.size === given.length ? given : [...set];
  // One decode of the joined hex: 100,000 separate writes cost twice as much. A
  // malformed hash would shift every later one, so the length is checked.
  const buf = Buffer.from(list.join(''), 'hex');
  if (buf.length !== list.length * 32 || list.some((h) => h.length !== 64))
    throw new Error('pinObjects: a hash is not 64 hex digits');
  return buf;
}

export function unpackHashes(buf: Buffer, into: Set<string> = new Set()): Set<string> {
  for (let off = 0; off + 32 <= buf.length; off += 32) into.add(buf.toString('hex', off, off + 32));
  return into;
}

function isDead(state: OwnerState, createdMs: number, now: number): boolean {
  return state === 'dead' || (state === 'unknown' && now - createdMs > FOREIGN_TTL_MS);
}

/** Pins whose owner is gone (decided outside any transaction: the dead stay dead). */
function deadPinIds(repo: Repo): number[] {
  const now = Date.now();
  const rows = listPinOwners(repo.store);
  const states = ownerStates(rows.map((r) => r.owner));
  return rows.filter((r) => isDead(states.get(r.owner)!, r.created_ms, now)).map((r) => r.id);
}

function gcRunning(repo: Repo): { owner: string } | undefined {
  const lock = getGcLock(repo.store);
  if (!lock || isDead(ownerState(lock.owner), lock.started_ms, Date.now())) return undefined;
  return lock;
}

/**
 * Step 1 of the protocol: pin `hashes` for as long as this process lives, then
 * forget what the process knew about the cache so that step 2 looks afresh.
 * Clears the pins of dead owners on the way when no gc is running.
 */
export function pinObjects(repo: Repo, hashes: Iterable<string>): void {
  const packed = packHashes(hashes);
  if (packed.length === 0) return;
  const dead = deadPinIds(repo);
  withWriteLock(repo.store, () => {
    insertPin(repo.store, ownerTag(), packed, Date.now());
    if (dead.length && !gcRunning(repo)) deletePins(repo.store, dead);
  });
  cacheOf(repo).refresh();
}

/** Every object an entry needs: a file's hash, or a manifest and its files. */
export function objectsOfEntry(repo: Repo, entry: { hash: string; type?: string }): string[] {
  if (entry.type !== 'dir') return [entry.hash];
  const cache = cacheOf(repo);
  if (!cache.has(entry.hash)) return [entry.hash];
  return [entry.hash, ...cache.readManifest(entry.hash).map((e: ManifestEntry) => e.hash)];
}

/**
 * Steps 1 and 2 for a writer that caches with `produce` (which stores the objects
 * and returns what it stored): pin what it produced, and produce again while
 * anything is missing (a gc deleted it before the pin). The caller then records its
 * reference (step 3).
 */
export async function cacheAndPin<T extends { hash: string; type?: string }>(
  repo: Repo,
  produce: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const entry = await produce();
    const hashes = objectsOfEntry(repo, entry);
    pinObjects(repo, hashes);
    const missing = cacheOf(repo).missing(objectsOfEntry(repo, entry));
    if (missing.length === 0) return entry;
    if (attempt >= 4) {
      throw new MloError(
        'CONFLICT',
        `objects keep disappearing from the cache while they are being stored (${missing[0].slice(0, 12)}...): is something deleting .mlo/cache?`,
      );
    }
  }
}

/** A running gc's view of the pins (steps a and c of the protocol). */
export class GcSession {
  /** hashes pinned by owners alive when the gc started, and every pin since */
  readonly pinned = new Set<string>();
  private lastPinId = 0;
  private readonly owner = ownerTag();
  private readonly repo: Repo;

  private constructor(repo: Repo) {
    this.repo = repo;
  }

  /** Step (a). Refuses (exit 1) while another gc runs. */
  static begin(repo: Repo): GcSession {
    const session = new GcSession(repo);
    const dead = deadPinIds(repo);
    withWriteLock(repo.store, () => {
      const other = gcRunning(repo);
      if (other && other.owner !== session.owner) {
        throw new MloError(
          'CONFLICT',
          `another mlo gc is running (process ${other.owner.split('-')[0]})`,
          { hint: 'wait for it to finish' },
        );
      }
      setGcLock(repo.store, session.owner, Date.now());
      deletePins(repo.store, dead);
      session.readNewPins();
    });
    return session;
  }

  /** Inside a batch's transaction: take in the pins added since the last look. */
  readNewPins(): Set<string> {
    const fresh = new Set<string>();
    for (const row of listPins(this.repo.store, this.lastPinId)) {
      unpackHashes(row.hashes, fresh);
      this.lastPinId = row.id;
    }
    for (const h of fresh) this.pinned.add(h);
    return fresh;
  }

  end(): void {
    withWriteLock(this.repo.store, () => clearGcLock(this.repo.store, this.owner));
  }
}

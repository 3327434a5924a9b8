/**
 * The transfer engine: moves sets of objects between the cache and any Remote with
 * bounded parallelism, remembers what the remote holds, and reports progress in
 * bytes and objects. Commands (push, pull, fetch) decide what to move; remotes
 * decide how one object travels; this decides how many, in what order, and what a
 * rerun after a kill can skip.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { MloError, isMloError } from '../../errors.js';
import { writingTo } from '../../util/fs.js';
import { syncFileSystem, tempPathFor } from '../../util/atomic.js';
import { runPool } from '../../util/pool.js';
import type { ProgressFn } from '../../util/progress.js';
import { ObjectBatch, PACKABLE_SIZE } from '../batch.js';
import type { ObjectCache } from '../cache.js';
import { sha256 } from '../hash.js';
import { corruptRemote } from './s3-common.js';
import { presentInCache } from './plan.js';
import { RemoteIndex } from './state.js';
import type { PutSource, Remote } from './types.js';

export interface WantedObject {
  hash: string;
  /** unknown for directory manifests until they arrive */
  size?: number;
  /** who needs it, for messages */
  where?: string;
}

export interface EngineOptions {
  /** parallel transfers */
  jobs: number;
  onProgress?: ProgressFn;
  /** skip the remembered index: ask the remote about every object */
  noIndex?: boolean;
}

export interface TransferStats {
  remote: string;
  /** objects sent or received */
  transferred: number;
  /** objects the other side already had */
  skipped: number;
  bytes: number;
  /** requests by kind, as the remote counted them */
  requests: Record<string, number>;
  retries: number;
  seconds: number;
}

/** Open (and validate) the remembered index of `remote` for this run. */
async function openIndex(
  remote: Remote,
  stateDir: string,
  options: { noIndex?: boolean; create?: boolean },
): Promise<RemoteIndex> {
  const index = RemoteIndex.load(stateDir, { enabled: !options.noIndex });
  let epoch = await remote.readEpoch();
  if (epoch === '' && options.create) {
    // A new (or wiped) remote gets an epoch, so an index built against an earlier
    // incarnation of the same URL is never trusted.
    epoch = randomBytes(12).toString('hex');
    await remote.writeEpoch(epoch);
    // another client may have created the remote's epoch at the same moment: the index
    // is keyed to whichever one the remote kept
    epoch = (await remote.readEpoch()) || epoch;
  }
  if (index.epoch !== epoch) index.reset(epoch);
  return index;
}

/** Progress over both bytes and objects, throttled to a few updates a second. */
function progressOf(
  phase: string,
  totalObjects: number,
  totalBytes: number,
  onProgress: ProgressFn | undefined,
): { bytes: (n: number) => void; object: () => void; done: { objects: number; bytes: number } } {
  const done = { objects: 0, bytes: 0 };
  let last = 0;
  const emit = (force: boolean): void => {
    if (!onProgress) return;
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    onProgress({
      phase,
      done: done.bytes,
      total: Math.max(totalBytes, done.bytes),
      unit: 'bytes',
      objects: { done: done.objects, total: totalObjects },
    });
  };
  return {
    bytes: (n) => {
      done.bytes += n;
      emit(false);
    },
    object: () => {
      done.objects++;
      emit(done.objects === totalObjects);
    },
    done,
  };
}

export interface PushPlan {
  /** sent in order: every object of a wave before any of the next (files before manifests) */
  waves: WantedObject[][];
}

export interface PushStats extends TransferStats {
  /** hashes sent */
  sent: string[];
  /** objects the remote lacks and this cache does not have either */
  missingLocal: WantedObject[];
}

/**
 * Upload what the remote lacks. Objects the index knows cost nothing; the rest are
 * checked in bulk (the remote chooses listing or HEADs); what arrives is appended to
 * the index as it arrives, so a killed push loses at most the last few entries.
 */
export async function pushObjects(
  remote: Remote,
  cache: ObjectCache,
  stateDir: string,
  plan: PushPlan,
  options: EngineOptions,
): Promise<PushStats> {
  const t0 = performance.now();
  const index = await openIndex(remote, stateDir, { noIndex: options.noIndex, create: true });
  const all = plan.waves.flat();
  // Sizes come with the plan (pointers, manifests); only manifests are looked up.
  const sizeOf = (o: WantedObject): number | undefined => o.size ?? objectSize(cache, o.hash);
  const unknown: { hash: string; size?: number }[] = [];
  for (const o of all) {
    const size = sizeOf(o);
    if (!index.has(o.hash, size)) unknown.push({ hash: o.hash, size });
  }
  const present = unknown.length ? await remote.has(unknown) : new Set<string>();
  const learnt: { hash: string; size: number }[] = [];
  for (const o of unknown) {
    if (!present.has(o.hash)) continue;
    if (o.size !== undefined) learnt.push({ hash: o.hash, size: o.size });
  }
  index.add(learnt);
  // What the remote lacks; of that, what this cache can send (checked only now: an
  // unchanged repository never looks at its cache at all).
  const lacking = plan.waves.map((w) =>
    w.filter((o) => !present.has(o.hash) && !index.has(o.hash, sizeOf(o))),
  );
  const local = presentInCache(
    cache,
    lacking.flat().map((o) => o.hash),
  );
  const missingLocal = lacking.flat().filter((o) => !local.has(o.hash));
  const sendWaves = lacking.map((w) =>
    w.filter((o) => local.has(o.hash)).map((o) => ({ hash: o.hash, size: sizeOf(o) ?? 0 })),
  );
  const toSend = sendWaves.flat();
  await remote.cleanup?.(new Set(toSend.map((o) => o.hash)));
  const progress = progressOf(
    `pushing to ${remote.name}`,
    toSend.length,
    toSend.reduce((n, o) => n + o.size, 0),
    options.onProgress,
  );
  const stats: PushStats = {
    remote: remote.name,
    transferred: 0,
    skipped: all.length - toSend.length - missingLocal.length,
    bytes: 0,
    requests: remote.requests,
    retries: 0,
    seconds: 0,
    sent: [],
    missingLocal,
  };
  // Index entries are appended in batches: one write per few hundred objects.
  let arrived: { hash: string; size: number }[] = [];
  const flush = (): void => {
    index.add(arrived);
    arrived = [];
  };
  try {
    for (const wave of sendWaves) {
      await runPool(wave, options.jobs, async (o) => {
        const source = sourceOf(cache, o.hash);
        if (!source) return;
        await remote.put(o.hash, o.size, source, { onBytes: progress.bytes });
        stats.transferred++;
        stats.bytes += o.size;
        stats.sent.push(o.hash);
        progress.object();
        arrived.push(o);
        if (arrived.length >= 256) flush();
      });
    }
  } finally {
    flush();
  }
  stats.retries = remote.retries;
  stats.seconds = (performance.now() - t0) / 1000;
  return stats;
}

function objectSize(cache: ObjectCache, hash: string): number | undefined {
  const packed = cache.packs.locate(hash);
  if (packed) return packed.entry.size;
  return statSync(cache.loosePath(hash), { throwIfNoEntry: false })?.size;
}

/**
 * Where to read an object from. Packs first: a lookup in their in-memory index
 * costs nothing, while trying the loose path first costs a failed open per packed
 * object (most small objects are packed).
 */
function sourceOf(cache: ObjectCache, hash: string): PutSource | undefined {
  const packed = cache.packs.locate(hash);
  if (packed) return { data: packed.pack.read(packed.entry) };
  const path = cache.loosePath(hash);
  return existsSync(path) ? { path } : undefined;
}

export interface FetchStats extends TransferStats {
  /** wanted objects the remote does not have */
  missing: string[];
}

/** Small downloads are made durable and visible in batches of this many... */
const CHECKPOINT_OBJECTS = 8192;
/** ...or after this long, so a kill loses little and a rerun skips what arrived. */
const CHECKPOINT_MS = 10_000;

/**
 * Download objects the cache lacks. Every object is verified against its hash
 * before it becomes visible; small ones travel through memory into packs, large
 * ones through temp files (ranged and resumable where the remote allows). All are
 * made durable: this may be the only local copy.
 */
export async function fetchObjects(
  remote: Remote,
  cache: ObjectCache,
  wanted: readonly WantedObject[],
  options: EngineOptions,
): Promise<FetchStats> {
  const t0 = performance.now();
  const bySize = new Map<string, number | undefined>();
  const where = new Map<string, string | undefined>();
  for (const o of wanted) {
    bySize.set(o.hash, o.size);
    where.set(o.hash, o.where);
  }
  // A pointer is committed and may lie about the size: the object, whose hash was
  // just verified, is the truth; what lied is refused before checkout uses it.
  const checkSize = (hash: string, actual: number): void => {
    const said = bySize.get(hash);
    if (said !== undefined && said !== actual) {
      throw new MloError(
        'INVALID',
        `${where.get(hash) ?? hash}: says ${said} bytes, but its object ${hash.slice(0, 12)} holds ${actual}`,
        {
          hint: 'the pointer file is damaged or hostile: re-create it with `mlo add` from good data',
        },
      );
    }
  };
  const missingLocal = cache.missing(bySize.keys());
  const stats: FetchStats = {
    remote: remote.name,
    transferred: 0,
    skipped: bySize.size - missingLocal.length,
    bytes: 0,
    requests: remote.requests,
    retries: 0,
    seconds: 0,
    missing: [],
  };
  if (missingLocal.length === 0) return stats;
  const knownBytes = missingLocal.reduce((n, h) => n + (bySize.get(h) ?? 0), 0);
  const progress = progressOf(
    `pulling from ${remote.name}`,
    missingLocal.length,
    knownBytes,
    options.onProgress,
  );
  const tmpDir = cache.ensureTmp();
  let batch = new ObjectBatch(cache, { allowPack: true, durable: true });
  let pending = 0;
  let lastCheckpoint = Date.now();
  const temps: [string, string][] = [];
  const checkpoint = (): void => {
    batch.finish();
    batch = new ObjectBatch(cache, { allowPack: true, durable: true });
    pending = 0;
    lastCheckpoint = Date.now();
  };
  try {
    await runPool(missingLocal, options.jobs, async (hash) => {
      const size = bySize.get(hash);
      try {
        if (size !== undefined && size <= PACKABLE_SIZE) {
          const data = await remote.read(hash);
          if (sha256(data) !== hash) throw corruptRemote(remote.name, hash);
          checkSize(hash, data.length);
          batch.put(hash, data);
          progress.bytes(data.length);
          stats.bytes += data.length;
          if (++pending >= CHECKPOINT_OBJECTS || Date.now() - lastCheckpoint > CHECKPOINT_MS)
            checkpoint();
        } else {
          const tmp = tempPathFor('pull', tmpDir);
          temps.push([hash, tmp]);
          const got = await writingTo(tmp, () =>
            remote.get(hash, tmp, { size, onBytes: progress.bytes }),
          );
          checkSize(hash, got.size);
          stats.bytes += got.size;
        }
        stats.transferred++;
        progress.object();
      } catch (err) {
        if (isMloError(err) && err.code === 'NOT_FOUND') {
          stats.missing.push(hash);
          return;
        }
        throw err;
      }
    });
    batch.finish();
    if (temps.length) syncFileSystem(tmpDir);
  } catch (err) {
    // Finished packs stay (their objects are whole and verified); the rest goes.
    batch.abort();
    for (const [, tmp] of temps) rmSync(tmp, { force: true });
    throw err;
  }
  for (const [hash, tmp] of temps) cache.adoptTemp(hash, tmp);
  stats.retries = remote.retries;
  stats.seconds = (performance.now() - t0) / 1000;
  return stats;
}

/** Every object the remote holds (for status, gc and fsck); refreshes the index. */
export async function listRemote(
  remote: Remote,
  stateDir: string,
): Promise<Map<string, { size: number; mtimeMs?: number }>> {
  const index = await openIndex(remote, stateDir, {});
  const all = new Map<string, { size: number; mtimeMs?: number }>();
  for await (const o of remote.list()) all.set(o.hash, { size: o.size, mtimeMs: o.mtimeMs });
  const fanouts = new Set(Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')));
  index.replaceFanouts(
    fanouts,
    [...all].map(([hash, o]) => ({ hash, size: o.size })),
  );
  return all;
}

/**
 * Delete objects from the remote: a new epoch first, so every client's remembered
 * index (including this one's) is dropped before anything it lists disappears.
 */
export async function deleteFromRemote(
  remote: Remote,
  stateDir: string,
  hashes: readonly string[],
): Promise<void> {
  if (hashes.length === 0) return;
  const index = await openIndex(remote, stateDir, {});
  const epoch = randomBytes(12).toString('hex');
  await remote.writeEpoch(epoch);
  index.rebase(epoch, hashes);
  await remote.delete(hashes);
}

/**
 * The data worker (data-worker.ts): stat chunks of a directory's files (statMany),
 * or read, hash and store chunks of small files in a pack of its own
 * (hashFilesIntoCache), taking chunks from the same counter as the main thread.
 * The store code loads at start for a worker started for an add, else on the first
 * store job, so that a status's stat worker starts as light as it can.
 */
import { workerData, parentPort } from 'node:worker_threads';
import type { JobAnswer, JobKind } from './data-worker.js';
import { statShared, type StatWork } from './stat-many.js';
import type { SharedStoreJob } from './store-files.js';

// Started for an add: load the store code now, while the main thread lists the files.
const storeCode =
  (workerData as { first?: JobKind } | undefined)?.first === 'store'
    ? import('./store-files.js')
    : undefined;
storeCode?.catch(() => undefined); // a failure surfaces at the store job, not before

parentPort?.on('message', (m: { kind: JobKind; id: number; job: unknown }) => {
  void answer(m).then(({ reply, transfer }) => parentPort!.postMessage(reply, transfer));
});

async function answer(m: {
  kind: JobKind;
  id: number;
  job: unknown;
}): Promise<{ reply: JobAnswer; transfer: ArrayBuffer[] }> {
  try {
    if (m.kind === 'stat') {
      statShared(m.job as StatWork);
      return { reply: { id: m.id }, transfer: [] };
    }
    const { storeSharedJob } = await (storeCode ?? import('./store-files.js'));
    const stored = storeSharedJob(m.job as SharedStoreJob);
    return { reply: { id: m.id, result: stored }, transfer: [stored.fresh.buffer as ArrayBuffer] };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return {
      reply: { id: m.id, error: { message: e.message, code: e.code, path: e.path } },
      transfer: [],
    };
  }
}

/**
 * The prediction log writer thread: its own SQLite connection, one transaction per
 * batch; it also drains the spool and records lost rows. Waiting for another
 * process's write lock (busy timeout) happens here, never on the HTTP thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  insertLostPredictionRows,
  insertPredictionBatches,
  openStore,
  type Store,
} from '../store/index.js';
import { predictionBatchOf } from './log-rows.js';
import type { LogWorkerReply, LogWorkerRequest } from './log-sink.js';
import { drainSpool } from './spool.js';
import { lowerThreadPriority } from './thread-priority.js';

const port = parentPort!;
lowerThreadPriority();
let store: Store | undefined;
let openError: string | undefined;
try {
  // a lock held longer than this sends batches to the spool (the HTTP thread keeps them)
  store = openStore((workerData as { dbPath: string }).dbPath, { busyTimeoutMs: 2000 });
} catch (err) {
  openError = err instanceof Error ? err.message : String(err);
}

port.on('message', (msg: LogWorkerRequest) => {
  if (msg.op === 'close') {
    store?.close();
    port.postMessage({ id: msg.id } satisfies LogWorkerReply);
    port.close();
    return;
  }
  try {
    if (!store) throw new Error(openError);
    let reply: LogWorkerReply;
    if (msg.op === 'write') {
      reply = {
        id: msg.id,
        written: insertPredictionBatches(store, msg.batches.map(predictionBatchOf)),
      };
    } else if (msg.op === 'drain') {
      const drained = drainSpool(store, { owner: msg.owner, deadlineMs: msg.deadlineMs });
      reply = { id: msg.id, drained };
    } else {
      insertLostPredictionRows(store, msg.lost);
      reply = { id: msg.id };
    }
    port.postMessage(reply);
  } catch (err) {
    port.postMessage({
      id: msg.id,
      error: err instanceof Error ? err.message : String(err),
    } satisfies LogWorkerReply);
  }
});

/**
 * The prediction log writer thread: its own SQLite connection, one transaction per
 * batch. Waiting for another process's write lock (busy timeout) happens here, never
 * on the HTTP thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { insertPredictionBatches, openStore, type Store } from '../store/index.js';
import { predictionBatchOf } from './log-rows.js';
import type { LogWorkerReply, LogWorkerRequest } from './log-sink.js';
import { lowerThreadPriority } from './thread-priority.js';

const port = parentPort!;
lowerThreadPriority();
let store: Store | undefined;
let openError: string | undefined;
try {
  store = openStore((workerData as { dbPath: string }).dbPath);
} catch (err) {
  openError = err instanceof Error ? err.message : String(err);
}

port.on('message', (msg: LogWorkerRequest) => {
  if (msg.close) {
    store?.close();
    port.postMessage({ id: msg.id, written: 0 } satisfies LogWorkerReply);
    port.close();
    return;
  }
  try {
    if (!store) throw new Error(openError);
    const written = insertPredictionBatches(store, msg.batches.map(predictionBatchOf));
    port.postMessage({ id: msg.id, written } satisfies LogWorkerReply);
  } catch (err) {
    port.postMessage({
      id: msg.id,
      written: 0,
      error: err instanceof Error ? err.message : String(err),
    } satisfies LogWorkerReply);
  }
});

/**
 * Where prediction log batches are written: a writer thread with its own SQLite
 * connection (the built CLI), or the HTTP thread itself when running from source, with
 * a short busy timeout so a lock held by another process costs a dropped batch rather
 * than a stalled server.
 */
import { insertPredictionBatches, openStore } from '../store/index.js';
import { predictionBatchOf, type LogBatch } from './log-rows.js';
import { workerScript } from './runner.js';

export interface LogSink {
  readonly kind: 'thread' | 'inline';
  /** rows written; rejects when the store refused the batches */
  write(batches: LogBatch[]): Promise<number>;
  close(): Promise<void>;
}

export type LogWorkerRequest =
  { id: number; close?: false; batches: LogBatch[] } | { id: number; close: true };
export interface LogWorkerReply {
  id: number;
  written: number;
  error?: string;
}

export async function openLogSink(dbPath: string): Promise<LogSink> {
  const script = workerScript('serve-log.worker.js');
  return script ? threadSink(script, dbPath) : inlineSink(dbPath);
}

async function threadSink(script: URL, dbPath: string): Promise<LogSink> {
  const { Worker } = await import('node:worker_threads');
  // A small young generation: the writer's garbage is short-lived strings, and a big
  // nursery only makes the process's RSS climb under sustained load.
  const worker = new Worker(script, {
    workerData: { dbPath },
    resourceLimits: { maxYoungGenerationSizeMb: 4 },
  });
  const pending = new Map<number, { resolve: (n: number) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let dead: Error | undefined;
  worker.on('message', (msg: LogWorkerReply) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error !== undefined) p.reject(new Error(msg.error));
    else p.resolve(msg.written);
  });
  const fail = (err: Error): void => {
    dead ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the log writer thread stopped (exit code ${code})`)));
  const send = (msg: LogWorkerRequest): Promise<number> =>
    dead
      ? Promise.reject(dead)
      : new Promise<number>((resolve, reject) => {
          pending.set(msg.id, { resolve, reject });
          const transfer = msg.close
            ? []
            : msg.batches.flatMap((b) =>
                [b.ts, b.latency, b.x, b.values, b.probs]
                  .filter((a) => a !== null)
                  .map((a) => a.buffer as ArrayBuffer),
              );
          worker.postMessage(msg, transfer);
        });
  return {
    kind: 'thread',
    write: (batches) => send({ id: nextId++, batches }),
    async close() {
      try {
        await send({ id: nextId++, close: true });
      } catch {
        // already gone
      }
      await worker.terminate();
    },
  };
}

async function inlineSink(dbPath: string): Promise<LogSink> {
  const store = openStore(dbPath, { busyTimeoutMs: 20 });
  return {
    kind: 'inline',
    async write(batches) {
      return insertPredictionBatches(store, batches.map(predictionBatchOf));
    },
    async close() {
      store.close();
    },
  };
}

/**
 * Where prediction log batches are written: a writer thread with its own SQLite
 * connection (the built CLI), or the HTTP thread itself when running from source, with
 * a short busy timeout so a lock held by another process sends batches to the spool
 * rather than stalling the server. The writer also drains the spool and records lost
 * rows. Batches are copied to the thread, not transferred: until a write is confirmed
 * the HTTP thread still holds its rows, so a failed write (or a dead thread) costs
 * nothing but a trip to the spool.
 */
import {
  insertLostPredictionRows,
  insertPredictionBatches,
  openStore,
  type LostPredictionRows,
} from '../store/index.js';
import { predictionBatchOf, type LogBatch } from './log-rows.js';
import { workerScript } from './runner.js';
import { drainSpool, type DrainResult } from './spool.js';

export interface LogSink {
  readonly kind: 'thread' | 'inline';
  /** rows written; rejects when the store refused the batches */
  write(batches: LogBatch[]): Promise<number>;
  /** move drainable spool segments into the store, starting none after `deadlineMs` */
  drain(owner: string, deadlineMs?: number): Promise<DrainResult>;
  /** record rows that were lost */
  recordLost(lost: LostPredictionRows[]): Promise<void>;
  close(): Promise<void>;
}

export type LogOp =
  | { op: 'write'; batches: LogBatch[] }
  | { op: 'drain'; owner: string; deadlineMs?: number }
  | { op: 'lost'; lost: LostPredictionRows[] }
  | { op: 'close' };

export type LogWorkerRequest = { id: number } & LogOp;

export interface LogWorkerReply {
  id: number;
  written?: number;
  drained?: DrainResult;
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
  const pending = new Map<
    number,
    { resolve: (r: LogWorkerReply) => void; reject: (e: Error) => void }
  >();
  let nextId = 1;
  let dead: Error | undefined;
  worker.on('message', (msg: LogWorkerReply) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error !== undefined) p.reject(new Error(msg.error));
    else p.resolve(msg);
  });
  const fail = (err: Error): void => {
    dead ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the log writer thread stopped (exit code ${code})`)));
  const send = (op: LogOp): Promise<LogWorkerReply> =>
    dead
      ? Promise.reject(dead)
      : new Promise<LogWorkerReply>((resolve, reject) => {
          const id = nextId++;
          pending.set(id, { resolve, reject });
          worker.postMessage({ id, ...op });
        });
  return {
    kind: 'thread',
    write: async (batches) => (await send({ op: 'write', batches })).written ?? 0,
    drain: async (owner, deadlineMs) => (await send({ op: 'drain', owner, deadlineMs })).drained!,
    recordLost: async (lost) => {
      await send({ op: 'lost', lost });
    },
    async close() {
      try {
        await send({ op: 'close' });
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
    async drain(owner, deadlineMs) {
      return drainSpool(store, { owner, deadlineMs });
    },
    async recordLost(lost) {
      insertLostPredictionRows(store, lost);
    },
    async close() {
      store.close();
    },
  };
}

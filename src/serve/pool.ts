/**
 * A pool of model worker threads (serve-model.worker.ts), each with its own session.
 * A batch goes to the least busy worker. A worker that dies fails only the batches it
 * held and is replaced, so one crash never takes the server down.
 */
import type { Worker } from 'node:worker_threads';
import { MloError, type MloErrorCode } from '../errors.js';
import type { FeatureMatrix, ModelOutputs } from '../onnx/index.js';
import type { Runner } from './runner.js';

export interface ModelWorkerData {
  bytes: Uint8Array;
  nFeatures: number;
  /** run at a lower priority than request handling (the shadow) */
  background?: boolean;
}

export interface ModelWorkerRequest {
  id: number;
  x: FeatureMatrix;
  nRows: number;
}

export type ModelWorkerReply =
  | { id: number; ready: true }
  | { id: number; out: ModelOutputs }
  | { id: number; error: { code: string; message: string } };

interface Pending {
  resolve: (out: ModelOutputs) => void;
  reject: (err: unknown) => void;
}

interface Member {
  worker: Worker;
  pending: Map<number, Pending>;
}

export interface PoolOptions {
  threads: number;
  /** a worker died (its batches failed); the pool replaces it */
  onCrash?: (message: string) => void;
}

const RESPAWN_DELAY_MS = 200;

export async function createWorkerRunner(
  script: URL,
  data: ModelWorkerData,
  options: PoolOptions,
): Promise<Runner> {
  const { Worker } = await import('node:worker_threads');
  let nextId = 1;
  let closed = false;
  const members: Member[] = [];

  const spawn = (): Promise<Member> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(script, { workerData: data });
      const member: Member = { worker, pending: new Map() };
      let ready = false;
      let dead = false;
      worker.on('message', (msg: ModelWorkerReply) => {
        if (msg.id === 0) {
          if ('ready' in msg) {
            ready = true;
            resolve(member);
          } else if ('error' in msg) {
            reject(new MloError(msg.error.code as MloErrorCode, msg.error.message));
          }
          return;
        }
        const p = member.pending.get(msg.id);
        if (!p) return;
        member.pending.delete(msg.id);
        if ('out' in msg) p.resolve(msg.out);
        else if ('error' in msg)
          p.reject(new MloError(msg.error.code as MloErrorCode, msg.error.message));
      });
      const fail = (why: string): void => {
        if (dead) return;
        dead = true;
        for (const p of member.pending.values()) {
          p.reject(new MloError('INTERNAL', `model worker stopped: ${why}`));
        }
        member.pending.clear();
        if (!ready) {
          reject(new MloError('INTERNAL', `model worker failed to start: ${why}`));
          return;
        }
        const at = members.indexOf(member);
        if (at >= 0) members.splice(at, 1);
        if (closed) return;
        options.onCrash?.(why);
        setTimeout(() => {
          if (closed) return;
          spawn().then(
            (m) => (closed ? void m.worker.terminate() : members.push(m)),
            (err: unknown) => options.onCrash?.(`cannot replace it: ${(err as Error).message}`),
          );
        }, RESPAWN_DELAY_MS).unref();
      };
      worker.on('error', (err) => fail(err.message));
      worker.on('exit', (code) => fail(`exit code ${code}`));
    });

  const started = await Promise.allSettled(Array.from({ length: options.threads }, () => spawn()));
  for (const s of started) if (s.status === 'fulfilled') members.push(s.value);
  const failure = started.find((s) => s.status === 'rejected');
  if (failure) {
    closed = true;
    await Promise.all(members.map((m) => m.worker.terminate()));
    throw failure.reason;
  }

  return {
    slots: options.threads,
    kind: 'workers',
    run(x: FeatureMatrix, nRows: number): Promise<ModelOutputs> {
      let best: Member | undefined;
      for (const m of members) if (!best || m.pending.size < best.pending.size) best = m;
      if (!best) return Promise.reject(new MloError('INTERNAL', 'no model worker is running'));
      const member = best;
      const id = nextId++;
      return new Promise<ModelOutputs>((resolve, reject) => {
        member.pending.set(id, { resolve, reject });
        member.worker.postMessage({ id, x, nRows } satisfies ModelWorkerRequest, [
          x.buffer as ArrayBuffer,
        ]);
      });
    },
    async close(): Promise<void> {
      closed = true;
      await Promise.all(members.splice(0).map((m) => m.worker.terminate()));
    },
  };
}

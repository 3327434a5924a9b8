/**
 * One worker thread for the data commands' parallel work (stat calls, then reading
 * and hashing small files), started at most once per process and kept. Its start-up
 * costs tens of milliseconds, so an add that needs it twice (stat, then hash) pays
 * once, and a caller can start it early so that the start-up overlaps its own work.
 * It never keeps the process alive except while a job's answer is awaited.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as WorkerThreads from 'node:worker_threads';
import type { Worker } from 'node:worker_threads';

export type JobKind = 'stat' | 'store';

/** What the worker answers: the job's id and its result, or why it failed. */
export interface JobAnswer {
  id: number;
  result?: unknown;
  error?: { message: string; code?: string; path?: string };
}

export interface PostedJob<T> {
  /** the worker's result; rejects when it fails or exits */
  answer: Promise<T>;
  /** the answer is not needed after all: stop keeping the process alive for it */
  release(): void;
}

let shared: Promise<Worker | undefined> | undefined;
let lastId = 0;
let held = 0;

// worker_threads only where a worker starts, and synchronously (see warmDataWorker)
const requireHere = createRequire(import.meta.url);
const workerUrl = () => new URL('./data.worker.js', import.meta.url);

/**
 * The worker, started now if it is not yet; undefined where it is not built (from
 * source). It is constructed before this returns, not after an await: a caller warms
 * it and then goes on with synchronous work (status reads the store), and a worker
 * whose construction waited for that work to yield would start only when it is needed.
 * `first` is the kind of job the caller will post: a worker started for store jobs
 * loads the store code while it boots, before the job arrives.
 */
export function warmDataWorker(first: JobKind = 'stat'): Promise<Worker | undefined> {
  shared ??= Promise.resolve(startWorker(first));
  return shared;
}

/** Whether a worker was asked for in this process (status-warm.test.ts). */
export const dataWorkerWarmed = (): boolean => shared !== undefined;

function startWorker(first: JobKind): Worker | undefined {
  if (!existsSync(fileURLToPath(workerUrl()))) return undefined;
  const { Worker } = requireHere('node:worker_threads') as typeof WorkerThreads;
  const worker = new Worker(workerUrl(), { workerData: { first } });
  worker.unref();
  worker.once('exit', () => (shared = undefined));
  return worker;
}

/** Give the worker a job of `kind`; see PostedJob. */
export function postJob<T>(
  worker: Worker,
  kind: JobKind,
  job: object,
  transfer: ArrayBuffer[] = [],
): PostedJob<T> {
  const id = ++lastId;
  let holding = true;
  if (held++ === 0) worker.ref();
  const release = () => {
    if (!holding) return;
    holding = false;
    if (--held === 0) worker.unref();
  };
  const answer = new Promise<T>((resolve, reject) => {
    const done = () => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      release();
    };
    const onMessage = (m: JobAnswer) => {
      if (m.id !== id) return;
      done();
      if (m.error) reject(Object.assign(new Error(m.error.message), m.error));
      else resolve(m.result as T);
    };
    const onError = (err: Error) => (done(), reject(err));
    const onExit = (code: number) => (
      done(),
      reject(new Error(`the data worker exited (${code})`))
    );
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
  answer.catch(() => undefined); // a released answer may fail unobserved
  worker.postMessage({ kind, id, job }, transfer);
  return { answer, release };
}

/**
 * The column work of a baseline or a check, spread over the machine's two cores.
 *
 * Parsing CSV is the main thread's job and takes about as long as all the numeric
 * statistics together (filtering, moments, a radix sort of each column, the drift
 * walk). So for a big table a worker thread takes a share of the numeric columns:
 * their value arrays are transferred to it batch by batch (no copy: a reader never
 * reuses its arrays) while the main thread parses on, and at the end both sides
 * finish their columns at the same time. The worker gets more than half of the
 * numeric columns because the main thread also parses; categorical columns stay on
 * the main thread (counting codes is cheap).
 *
 * At most MAX_IN_FLIGHT batches wait in the worker's queue, so memory stays bounded
 * when the worker falls behind. Small tables, runs from source (the worker script is
 * built by esbuild), and `parallel: false` do everything on the main thread; both
 * paths run the same code per column and give identical results.
 *
 * A CSV file of a few MB and up is also parsed on both threads (io/csv-split.ts):
 * the main thread reads the rows up to a line break near the middle while the worker
 * reads the rest, holding them until the main thread is through its part; then the
 * worker's rows go to the profilers after the main thread's, in file order, so the
 * profiles are those of one pass. The worker's part waits in memory, so files past
 * SPLIT_MAX_BYTES are read by the main thread alone, as before. When the worker's part
 * is not plain rows (quotes, a syntax error, a cell that does not fit), the main thread
 * reads it itself and the messages are those of one pass.
 *
 * A second thread only helps when a core is free. On a saturated machine Linux gives
 * a session's threads one fair share together (autogroup), so the worker's start-up
 * and its second JIT and heap (~15% more CPU) make the run slower, not faster: the
 * default is to go parallel only while the 1-minute load average leaves a core free.
 * MLO_PARALLEL=1 or 0 forces the choice (tests, benchmarks).
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
// data/hash.ts, not data/index.ts: that one also loads checkout, gc and the remotes
import { hashFile } from '../data/hash.js';
import { MloError, type MloErrorCode } from '../errors.js';
import {
  findSplit,
  isSplittableCsv,
  type ColumnBatch,
  type Column,
  type CsvPartSpec,
  type CsvRange,
  type TableReader,
} from '../io/index.js';
import type { PlannedColumn } from './columns.js';
import { computeOutcome, type ColumnOutcome } from './outcome.js';
import {
  decodeProfile,
  encodeProfile,
  type ColumnProfile,
  type DriftOptions,
  type NumericProfileOptions,
} from './profile/index.js';
import {
  addColumn,
  createProfiler,
  type ProfileTableOptions,
  type Profiler,
} from './profile-table.js';

/** Tables smaller than this are profiled on the main thread (a worker costs ~30 ms to start). */
export const PARALLEL_MIN_BYTES = 4 << 20;
const MAX_IN_FLIGHT = 4;
/** Share of the numeric columns the worker takes (the main thread also parses). */
const WORKER_SHARE = 0.6;
/** The same when the worker also parses part of the file (and hashes it). */
const SPLIT_WORKER_SHARE = 0.5;
/** CSV files are split between the threads from this size... */
export const SPLIT_MIN_BYTES = 4 << 20;
/** ...up to this one: the worker holds its part's columns until the main thread is through its own. */
export const SPLIT_MAX_BYTES = 256 << 20;
/**
 * Where the split goes. Measured on the 1M-row benchmark: at the middle both parts end
 * within ~50 ms of each other (the main thread also profiles its columns and sends the
 * worker's as it parses; the worker starts later and hashes the file between batches).
 */
const SPLIT_AT = 0.5;

export interface ColumnTask {
  plan: PlannedColumn;
  /** check mode: the baseline's profile of this column, and how to compare */
  reference?: { profile: ColumnProfile; bytes: Uint8Array; options: DriftOptions };
}

export interface TaskResult {
  /** the column's profile (check mode: only for columns done on the main thread) */
  profile: ColumnProfile | null;
  /** baseline mode: the profile encoded (encodeProfile) */
  encoded: Uint8Array | null;
  /** check mode: the comparison with the reference */
  outcome: ColumnOutcome | null;
}

export interface ColumnWorkOptions extends ProfileTableOptions {
  /** default: a worker when the input is at least PARALLEL_MIN_BYTES and a core is free (see above) */
  parallel?: boolean;
  /** the input's size in bytes, for the default above */
  sizeBytes?: number;
  /**
   * Also SHA-256 this file. The worker hashes it in the time it would spend waiting
   * for the parser; without a worker it is hashed on the main thread at the end.
   */
  hashFile?: string;
}

/** Messages to the profile worker. */
export type WorkerRequest =
  | {
      type: 'init';
      tasks: {
        numeric: NumericProfileOptions;
        reference: Uint8Array | null;
        options: DriftOptions;
      }[];
      /** a file to hash between batches */
      hashFile: string | null;
      /** a part of the CSV file to read: from `from` to the end */
      part: {
        spec: CsvPartSpec;
        from: number;
        /** the batch column of each task (init.tasks order) */
        indexes: number[];
        /** the batch columns the main thread profiles */
        send: number[];
      } | null;
    }
  | { type: 'batch'; arrays: Float64Array[] }
  /** the main thread is through its part (take yours), or could not stop there (drop it) */
  | { type: 'part'; take: boolean }
  | { type: 'finish' };

/** Messages from the profile worker. */
export type WorkerReply =
  | { type: 'ack' }
  /** the worker's part: the columns the main thread profiles, batch by batch; or why not */
  | { type: 'part'; rows: number; batches: (Column | null)[][] }
  | { type: 'part'; rows: null; reason: string }
  | {
      type: 'done';
      results: ({ encoded: Uint8Array } | { outcome: ColumnOutcome })[];
      /** the SHA-256 of `hashFile`, null when it could not be read */
      hash: string | null;
    }
  | { type: 'error'; code: MloErrorCode | null; message: string };

const workerUrl = (): URL => new URL('./drift-profile.worker.js', import.meta.url);

function workerAvailable(): boolean {
  return existsSync(fileURLToPath(workerUrl()));
}

/** The default for `parallel`: a big input, and a core to spare (or MLO_PARALLEL). */
function parallelByDefault(sizeBytes: number): boolean {
  const forced = process.env.MLO_PARALLEL;
  if (forced === '1') return true;
  if (forced === '0') return false;
  const cores = availableParallelism();
  return sizeBytes >= PARALLEL_MIN_BYTES && cores > 1 && loadavg()[0] < cores - 0.5;
}

/**
 * A worker started ahead of time: Node takes ~100 ms to boot a worker thread and load
 * its modules, which can overlap the main thread's own start (store, baseline, header,
 * sample) instead of delaying the worker's part of the file. Unreferenced until used,
 * so an error before the profiling starts never keeps the process alive.
 */
let warm: Worker | null = null;

/** Start the profile worker now if runColumnTasks will want one for this file. */
export function prewarmWorker(path: string, parallel?: boolean): void {
  let sizeBytes: number;
  try {
    sizeBytes = statSync(path).size;
  } catch {
    return; // reading the file will say what is wrong
  }
  if (warm !== null || sizeBytes < PARALLEL_MIN_BYTES) return;
  if (!(parallel ?? parallelByDefault(sizeBytes)) || !workerAvailable()) return;
  warm = new Worker(workerUrl());
  warm.unref();
  // a warm worker that fails before it is used is simply not used
  warm.on('error', () => undefined);
}

function takeWarm(): Worker {
  const w = warm ?? new Worker(workerUrl());
  warm = null;
  w.ref();
  return w;
}

function dropWarm(): void {
  if (warm !== null) void warm.terminate();
  warm = null;
}

/** Whether a task's column can go to the worker: numbers already in a Float64Array. */
function offloadable(t: ColumnTask): boolean {
  const k = t.plan.readKind;
  return t.plan.kind === 'numeric' && (k === 'number' || k === 'integer' || k === 'datetime');
}

/**
 * Profile the tasks' columns over `source` (column `indexes[i]` of each batch feeds
 * task i) and, in check mode, compare each with its reference. A CSV reader as
 * `source` may be read on two threads (see above).
 */
export async function runColumnTasks(
  source: TableReader | AsyncIterable<ColumnBatch> | Iterable<ColumnBatch>,
  indexes: readonly number[],
  tasks: readonly ColumnTask[],
  options: ColumnWorkOptions,
): Promise<{ rows: number; results: TaskResult[]; hash: string | null }> {
  const reader = isReader(source) ? source : null;
  const candidates = tasks.map((t, i) => (offloadable(t) ? i : -1)).filter((i) => i >= 0);
  const parallel =
    (candidates.length > 0 || options.hashFile !== undefined) &&
    (options.parallel ?? parallelByDefault(options.sizeBytes ?? reader?.sizeBytes ?? 0)) &&
    workerAvailable();
  const csv = parallel && reader && isSplittableCsv(reader) ? reader : null;
  const splitAt =
    csv && csv.sizeBytes >= SPLIT_MIN_BYTES && csv.sizeBytes <= SPLIT_MAX_BYTES
      ? await findSplit(csv.path, csv.sizeBytes, Math.floor(csv.sizeBytes * SPLIT_AT))
      : null;
  const toWorker = new Set<number>();
  if (parallel && candidates.length > 0) {
    const share = splitAt === null ? WORKER_SHARE : SPLIT_WORKER_SHARE;
    const take = Math.max(1, Math.round(candidates.length * share));
    // spread over the columns: neighbours in a file often have similar costs
    for (let k = 0; k < take; k++)
      toWorker.add(candidates[Math.floor((k * candidates.length) / take)]);
  }
  const local = tasks.map((t, i) => (toWorker.has(i) ? null : createProfiler(t.plan, options)));
  const remote = [...toWorker];
  const part =
    csv && splitAt !== null
      ? {
          spec: csv.partSpec(),
          from: splitAt,
          indexes: remote.map((i) => indexes[i]),
          send: [...new Set(tasks.flatMap((_, i) => (local[i] ? [indexes[i]] : [])))],
        }
      : null;
  const client = parallel
    ? await WorkerClient.start(
        remote.map((i) => tasks[i]),
        options,
        part,
      )
    : null;
  dropWarm();
  let rows = 0;
  const take = async (batch: ColumnBatch): Promise<void> => {
    rows += batch.length;
    if (client && remote.length > 0) {
      const arrays = remote.map(
        (i) => (batch.columns[indexes[i]] as Column & { values: Float64Array }).values,
      );
      await client.send(arrays);
    }
    for (let i = 0; i < tasks.length; i++) {
      const p = local[i];
      if (p) addColumn(p, batch.columns[indexes[i]]);
    }
  };
  try {
    if (csv && part) {
      const done: NonNullable<CsvRange['done']> = { stopped: false, rows: 0, line: 0 };
      for await (const batch of csv.rangeBatches({ stopAt: part.from, done })) await take(batch);
      const got = await client!.part(done.stopped);
      if (got !== null && got.rows !== null) {
        rows += got.rows;
        for (const columns of got.batches) {
          for (let i = 0; i < tasks.length; i++) {
            const p = local[i];
            if (p) addColumn(p, columns[indexes[i]]!);
          }
        }
      } else if (done.stopped) {
        // the worker could not read its part: read it here, as one pass would
        const rest = csv.rangeBatches({ from: part.from, rowStart: done.rows, line: done.line });
        for await (const batch of rest) await take(batch);
      }
    } else {
      const batches = reader ? reader.batches() : (source as Iterable<ColumnBatch>);
      for await (const batch of batches) await take(batch);
    }
    const pending = client?.finish();
    const results: TaskResult[] = tasks.map((t, i) => {
      const p = local[i];
      if (!p) return { profile: null, encoded: null, outcome: null };
      return finishLocal(p, t);
    });
    let hash: string | null = null;
    if (pending) {
      const done = await pending;
      hash = done.hash;
      remote.forEach((i, k) => {
        const r = done.results[k];
        if ('encoded' in r) {
          results[i] = { profile: decodeProfile(r.encoded), encoded: r.encoded, outcome: null };
        } else {
          results[i] = { profile: null, encoded: null, outcome: r.outcome };
        }
      });
    } else if (options.hashFile !== undefined) {
      hash = hashOrNull(options.hashFile);
    }
    return { rows, results, hash };
  } finally {
    client?.close();
  }
}

function isReader(s: unknown): s is TableReader {
  return typeof (s as TableReader).batches === 'function' && 'schema' in (s as object);
}

function finishLocal(p: Profiler, t: ColumnTask): TaskResult {
  const profile = p.finish();
  if (t.reference) {
    return {
      profile,
      encoded: null,
      outcome: computeOutcome(t.reference.profile, profile, t.reference.options),
    };
  }
  return { profile, encoded: null, outcome: null };
}

/** The main thread's side of the profile worker, with back-pressure. */
class WorkerClient {
  private inFlight = 0;
  private wake: (() => void) | null = null;
  private failure: Error | null = null;
  private done: ((r: Extract<WorkerReply, { type: 'done' }>) => void) | null = null;
  private gotPart: ((r: Extract<WorkerReply, { type: 'part' }>) => void) | null = null;
  private fail: ((e: Error) => void) | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'ack') {
        this.inFlight--;
        this.wakeUp();
      } else if (m.type === 'done') this.done?.(m);
      else if (m.type === 'part') this.gotPart?.(m);
      else this.abort(m.code ? new MloError(m.code, m.message) : new Error(m.message));
    });
    worker.on('error', (err) => this.abort(err));
    worker.on('exit', (code) => {
      if (this.done || this.gotPart) this.abort(new Error(`the profile worker exited (${code})`));
    });
  }

  static async start(
    tasks: ColumnTask[],
    options: ColumnWorkOptions,
    part: Extract<WorkerRequest, { type: 'init' }>['part'],
  ): Promise<WorkerClient> {
    const client = new WorkerClient(takeWarm());
    const request: WorkerRequest = {
      type: 'init',
      tasks: tasks.map((t) => ({
        numeric: options.numeric ?? {},
        reference: t.reference ? t.reference.bytes : null,
        options: t.reference?.options ?? {},
      })),
      hashFile: options.hashFile ?? null,
      part,
    };
    client.worker.postMessage(request);
    return client;
  }

  /**
   * Tell the worker whether the main thread stopped at the split (`take`); when it
   * did, the worker's part comes back (rows: null when the worker could not read it).
   */
  async part(take: boolean): Promise<Extract<WorkerReply, { type: 'part' }> | null> {
    if (this.failure) throw this.failure;
    const request: WorkerRequest = { type: 'part', take };
    if (!take) {
      this.worker.postMessage(request);
      return null;
    }
    const reply = new Promise<Extract<WorkerReply, { type: 'part' }>>((resolve, reject) => {
      this.gotPart = resolve;
      this.fail = reject;
    });
    this.worker.postMessage(request);
    const got = await reply;
    this.gotPart = null;
    this.fail = null;
    return got;
  }

  async send(arrays: Float64Array[]): Promise<void> {
    while (this.inFlight >= MAX_IN_FLIGHT && this.failure === null) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.failure) throw this.failure;
    this.inFlight++;
    const buffers = [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
    const request: WorkerRequest = { type: 'batch', arrays };
    this.worker.postMessage(request, buffers);
  }

  finish(): Promise<Extract<WorkerReply, { type: 'done' }>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.done = resolve;
      this.fail = reject;
      const request: WorkerRequest = { type: 'finish' };
      this.worker.postMessage(request);
    });
  }

  close(): void {
    this.done = null;
    void this.worker.terminate();
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private abort(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.wakeUp();
    this.fail?.(err);
    this.done = null;
  }
}

function hashOrNull(path: string): string | null {
  try {
    return hashFile(path).hash;
  } catch {
    return null;
  }
}

/** Encode for the store: what the worker already encoded is reused. */
export function encodedOf(result: TaskResult): Uint8Array {
  if (result.encoded) return result.encoded;
  if (!result.profile) throw new MloError('INTERNAL', 'a column was neither profiled nor encoded');
  return encodeProfile(result.profile);
}
